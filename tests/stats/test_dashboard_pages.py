"""The dashboard and statistics pages through the test client: who sees them, the tables
beside the charts, the CSV downloads, the query count."""

from __future__ import annotations

import csv
import io
import json
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from deals.models import Deal, DealState
from tests.factories import DealFactory

pytestmark = pytest.mark.django_db

PERIOD = "from=2026-03-01&to=2026-04-30"


def test_the_supervisor_dashboard_shows_every_chart_with_its_table_and_csv_link(
    client, supervisor, figures
):
    client.force_login(supervisor)
    response = client.get(f"/dashboard/?{PERIOD}")
    assert response.status_code == 200
    html = response.content.decode()
    specs = json.loads(
        html.split('id="dashboard-charts" type="application/json">')[1].split("</script>")[0]
    )
    keys = [s["key"] for s in specs]
    assert keys == [
        "funnel",
        "conversion",
        "median_days",
        "overdue",
        "caseload",
        "registered_amount",
        "lost_reasons",
        "rewards_by_month",
        "rewards_by_broker",
        "outstanding",
    ]
    for key in keys:
        assert f'data-chart="{key}"' in html and f'id="table-{key}"' in html
        assert f"/dashboard/{key}.csv?" in html
    funnel = specs[0]
    assert (
        dict(zip(funnel["categories"], funnel["series"][0]["data"], strict=True))["登记/交易完成"]
        == 2
    )
    registered = next(s for s in specs if s["key"] == "registered_amount")
    assert registered["series"][0]["data"] == [1000000.01, 2500000.29]
    assert "<script>" not in html.replace('<script src="', "")  # no inline script (CSP)


def test_a_broker_may_not_open_the_dashboard_but_sees_the_statistics(client, broker, figures):
    client.force_login(broker)
    assert client.get("/dashboard/").status_code == 403
    assert client.get("/dashboard/funnel.csv").status_code == 403
    page = client.get(f"/stats/?{PERIOD}")
    assert page.status_code == 200
    assert "4,034,568.44" in page.content.decode()


def test_another_organisation_on_the_dashboard_is_not_found(client, supervisor, other_org):
    client.force_login(supervisor)
    assert client.get(f"/dashboard/?organisation={other_org.pk}").status_code == 404
    assert client.get(f"/stats/?organisation={other_org.pk}").status_code == 404


def test_bad_dates_on_the_page_say_why_and_show_the_default_period(client, supervisor):
    client.force_login(supervisor)
    response = client.get("/dashboard/?from=2026-02-30")
    assert response.status_code == 400
    assert "YYYY-MM-DD" in response.content.decode()


@pytest.mark.parametrize("path", ["/dashboard/", "/stats/"])
@pytest.mark.parametrize(
    ("query", "field", "words"),
    [
        ("from=2026-02-30&to=2026-05-01&region=", "from", "YYYY-MM-DD"),
        ("from=2026-06-01&to=2026-05-01&region=", "to", "不能晚于"),
        ("from=2026-01-01&to=2026-05-01&region=火星市", "region", "火星市"),
    ],
)
def test_a_refused_scope_is_marked_at_its_input_with_what_was_typed(
    client, supervisor, path, query, field, words
):
    client.force_login(supervisor)
    response = client.get(f"{path}?{query}")
    assert response.status_code == 400
    html = response.content.decode()
    form = html[
        html.index('id="scope-form"') : html.index("</form>", html.index('id="scope-form"'))
    ]
    marked = re.findall(r'<div class="field has-error">(.*?)</ul></div>', form, re.S)
    assert len(marked) == 1
    assert f'name="{field}"' in marked[0]
    assert words in marked[0]
    typed = dict(pair.split("=") for pair in query.split("&"))
    for name, value in typed.items():
        assert f'name="{name}" value="{value}"' in form


def test_a_chart_csv_holds_its_table_and_never_a_formula(client, supervisor, broker):
    deal = DealFactory(lead_broker=broker)
    Deal.objects.filter(pk=deal.pk).update(
        state=DealState.LOST, lost_reason='=HYPERLINK("http://x")'
    )
    client.force_login(supervisor)
    response = client.get("/dashboard/lost_reasons.csv")
    assert response.status_code == 200
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0] == ["原因", "项目数"]
    assert rows[1] == ['\'=HYPERLINK("http://x")', "1"]
    assert client.get("/dashboard/nonsense.csv").status_code == 404


def test_the_dashboard_costs_the_same_queries_for_many_deals_as_for_few(
    client, supervisor, figures, broker
):
    client.force_login(supervisor)
    with CaptureQueriesContext(connection) as few:
        client.get(f"/dashboard/?{PERIOD}")
    DealFactory.create_batch(12, lead_broker=broker)
    with CaptureQueriesContext(connection) as more:
        client.get(f"/dashboard/?{PERIOD}")
    assert len(few) == len(more)


def test_finance_sees_outstanding_rewards(client, finance, figures):
    client.force_login(finance)
    html = client.get(f"/dashboard/?{PERIOD}").content.decode()
    assert 'id="finance"' in html and 'id="table-outstanding"' in html


def test_a_csv_with_bad_dates_is_a_400_that_says_why(client, supervisor):
    client.force_login(supervisor)
    response = client.get("/dashboard/funnel.csv?from=2026-05-01&to=2026-04-01")
    assert response.status_code == 400
    assert "from" in response.content.decode()
