"""URL names and paths: the API and the pages never answer to one name, the public paths stay
where clients and bookmarks expect them, and templates reverse names instead of writing paths."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import URLPattern, URLResolver, get_resolver, reverse

TEMPLATES = Path(settings.BASE_DIR) / "templates"


def named_routes(
    patterns: list[URLPattern | URLResolver] | None = None,
    namespace: str = "",
    prefix: str = "",
) -> Iterator[tuple[str, str]]:
    """Every named route of the URLconf: (its name with namespaces, its route)."""
    for entry in get_resolver().url_patterns if patterns is None else patterns:
        route = prefix + str(entry.pattern)
        if isinstance(entry, URLResolver):
            inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            yield from named_routes(entry.url_patterns, inner, route)
        elif entry.name:
            yield f"{namespace}{entry.name}", route


def test_no_two_routes_share_a_name():
    counts = Counter(name for name, _route in named_routes())
    assert [name for name, n in counts.items() if n > 1] == []


def test_every_api_route_is_named_in_the_api_namespace_and_no_page_is():
    routes = list(named_routes())
    api = [(name, route) for name, route in routes if route.startswith("api/")]
    pages = [(name, route) for name, route in routes if not route.startswith(("api/", "admin/"))]
    assert len(api) > 40 and len(pages) > 15  # the walk reached into every include
    assert [name for name, _route in api if not name.startswith("api:")] == []
    assert [name for name, _route in pages if ":" in name] == []


def test_the_names_that_once_collided_now_reverse_to_the_page_and_the_api_apart():
    for name in ("contract-sign", "contract-pdf", "contract-registration"):
        page, api = reverse(name, args=[7]), reverse(f"api:{name}", args=[7])
        assert not page.startswith("/api/")
        assert api.startswith("/api/v1/contracts/7/")
    assert reverse("deal-detail", args=[7]) == "/deals/7/"
    assert reverse("api:deal-detail", args=[7]) == "/api/v1/deals/7/"


@pytest.mark.parametrize(
    ("name", "args", "path"),
    [
        ("home", [], "/"),
        ("deal-detail", [5], "/deals/5/"),
        ("demand-submit", [], "/needs/submit/"),
        ("achievement-submit", [], "/achievements/submit/"),
        ("submission-status", [], "/status/"),
        ("triage", [], "/triage/"),
        ("triage-detail", [5], "/triage/5/"),
        ("api:public-need", [], "/api/v1/public/needs/"),
        ("api:public-achievement", [], "/api/v1/public/achievements/"),
        ("api:public-status", [], "/api/v1/public/status/"),
        ("api:submission-list", [], "/api/v1/submissions/"),
        ("api:submission-accept", [5], "/api/v1/submissions/5/accept/"),
        ("admin:index", [], "/admin/"),
        ("ledger", [], "/ledger/"),
        ("contract-draft", [5], "/deals/5/contract/"),
        ("reward-approve", [5], "/ledger/5/approve/"),
        ("api:schema", [], "/api/schema/"),
        ("api:docs", [], "/api/docs/"),
        ("api:deal-list", [], "/api/v1/deals/"),
        ("api:contract-pdf", [5], "/api/v1/contracts/5/pdf/"),
        ("api:reward-export", [], "/api/v1/rewards/export/"),
        ("api:auth-token", [], "/api/v1/auth/token/"),
    ],
)
def test_public_paths_are_where_clients_expect_them(name, args, path):
    assert reverse(name, args=args) == path


# A path written out in a template: an href/action/src that starts at the root, or anything under
# /api/. Only 500.html may write one (it must render even when resolving URLs is what failed).
WRITTEN_PATH = re.compile(r"""(?:href|action|src)\s*=\s*["']/|/api/""")


def templates() -> list[Path]:
    found = sorted(TEMPLATES.rglob("*.html"))
    assert found
    return found


@pytest.mark.parametrize("template", templates(), ids=lambda p: str(p.relative_to(TEMPLATES)))
def test_no_template_writes_out_a_path(template):
    if template == TEMPLATES / "500.html":
        pytest.skip("the server error page cannot rely on URL resolution")
    text = template.read_text(encoding="utf-8")
    assert [m.group(0) for m in WRITTEN_PATH.finditer(text)] == []


def test_the_path_check_catches_a_written_out_path():
    assert WRITTEN_PATH.search('<a href="/api/v1/contracts/{{ c.pk }}/pdf/">')
    assert WRITTEN_PATH.search("<form action='/deals/1/request/'>")
    assert not WRITTEN_PATH.search("<a href=\"{% url 'api:contract-pdf' c.pk %}\">")
