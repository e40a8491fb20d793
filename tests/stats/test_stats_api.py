"""GET /api/v1/stats/ against figures counted by hand (tests/stats/conftest.py)."""

from __future__ import annotations

import io

import openpyxl
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

pytestmark = pytest.mark.django_db

PERIOD = "from=2026-03-01&to=2026-04-30"


def test_a_supervisor_sees_their_organisations_figures_counted_by_hand(api, supervisor, figures):
    body = api(supervisor).get(f"/api/v1/stats/?{PERIOD}").json()
    assert body["from"] == "2026-03-01" and body["to"] == "2026-04-30"
    assert body["organisation"]["id"] == supervisor.organisation_id
    assert body["needs"] == 2  # d1 and d2; d3 was recorded in February, d4 in May
    assert body["enterprises_served"] == 2  # e1 (two needs, counted once) and e2 (a deal)
    assert body["deals_opened"] == 3
    assert body["deals_registered"] == 2
    assert body["contract_amount"] == "4034568.44"  # 1234567.89 + 2800000.55, never 9999999
    assert body["technology_amount"] == "3500000.30"  # 1000000.01 + 2500000.29
    assert body["rewards_paid"] == "15000.00" and body["rewards_paid_count"] == 1
    assert body["brokers_active"] == 1


def test_a_deal_registered_at_half_past_eleven_on_31_march_shanghai_time_counts_in_march(
    api, supervisor, figures
):
    months = {
        row["month"]: row
        for row in api(supervisor).get(f"/api/v1/stats/?{PERIOD}").json()["by_month"]
    }
    assert list(months) == ["2026-03", "2026-04"]
    assert months["2026-03"]["deals_registered"] == 1
    assert months["2026-03"]["contract_amount"] == "1234567.89"
    assert months["2026-04"]["deals_registered"] == 1
    assert months["2026-04"]["technology_amount"] == "2500000.29"
    assert months["2026-03"]["needs"] == 2 and months["2026-04"]["deals_opened"] == 1
    assert months["2026-04"]["rewards_paid"] == "15000.00"


def test_a_period_ending_on_31_march_excludes_the_deal_registered_after_midnight(
    api, supervisor, figures
):
    body = api(supervisor).get("/api/v1/stats/?from=2026-03-01&to=2026-03-31").json()
    assert body["deals_registered"] == 1 and body["contract_amount"] == "1234567.89"


def test_breakdowns_by_region_and_industry_add_up_to_the_totals(api, supervisor, figures):
    body = api(supervisor).get(f"/api/v1/stats/?{PERIOD}").json()
    regions = {row["code"]: row for row in body["by_region"]}
    assert set(regions) == {"330200"}  # Zhenhai and Jiangbei fold into Ningbo
    assert regions["330200"]["name"] == "宁波市"
    assert regions["330200"]["deals_registered"] == 2
    industries = {row["code"]: row for row in body["by_industry"]}
    assert industries["2"]["needs"] == 2  # "2.1" and "2" are one sector
    assert industries["2"]["contract_amount"] == "4034568.44"
    assert industries["3"]["deals_opened"] == 1


def test_an_admin_sees_every_organisation_or_one_by_name(api, admin_user, figures, other_org):
    body = api(admin_user).get(f"/api/v1/stats/?{PERIOD}").json()
    assert body["organisation"] is None
    assert body["needs"] == 3 and body["enterprises_served"] == 3
    assert body["deals_registered"] == 3
    assert body["contract_amount"] == "9034568.44"
    assert body["rewards_paid"] == "75000.00"
    one = api(admin_user).get(f"/api/v1/stats/?{PERIOD}&organisation={other_org.name}").json()
    assert one["deals_registered"] == 1 and one["contract_amount"] == "5000000.00"


def test_another_organisation_is_not_found_for_a_supervisor(api, supervisor, other_org, figures):
    response = api(supervisor).get(f"/api/v1/stats/?{PERIOD}&organisation={other_org.pk}")
    assert response.status_code == 404
    by_name = api(supervisor).get(f"/api/v1/stats/?{PERIOD}&organisation={other_org.name}")
    assert by_name.status_code == 404
    own = api(supervisor).get(f"/api/v1/stats/?{PERIOD}&organisation={supervisor.organisation_id}")
    assert own.status_code == 200 and own.json()["deals_registered"] == 2


def test_a_broker_sees_their_organisation_and_the_other_side_sees_its_own(
    api, broker, other_broker, figures
):
    assert api(broker).get(f"/api/v1/stats/?{PERIOD}").json()["deals_registered"] == 2
    theirs = api(other_broker).get(f"/api/v1/stats/?{PERIOD}").json()
    assert theirs["deals_registered"] == 1 and theirs["needs"] == 1


def test_anonymous_is_refused(client, figures):
    assert client.get(f"/api/v1/stats/?{PERIOD}").status_code == 401


def test_a_region_filter_covers_the_districts_below(api, supervisor, figures):
    city = api(supervisor).get(f"/api/v1/stats/?{PERIOD}&region=宁波市").json()
    assert city["region"] == {"code": "330200", "name": "宁波市"}
    assert city["deals_registered"] == 2
    assert {row["code"] for row in city["by_region"]} == {"330211", "330206"}
    district = api(supervisor).get(f"/api/v1/stats/?{PERIOD}&region=330206").json()
    assert district["deals_opened"] == 1 and district["needs"] == 0
    elsewhere = api(supervisor).get(f"/api/v1/stats/?{PERIOD}&region=110000").json()
    assert elsewhere["deals_opened"] == 0 and elsewhere["contract_amount"] == "0.00"


@pytest.mark.parametrize(
    "query, code",
    [
        ("from=2026-13-01", "invalid_date"),
        ("from=yesterday", "invalid_date"),
        ("from=2026-05-01&to=2026-04-01", "invalid_period"),
        ("from=0001-01-01", "implausible_date"),
        ("from=2000-01-01&to=2026-01-01", "period_too_long"),
        ("region=999999", "invalid"),
        ("region=朝阳区", "ambiguous_region"),
    ],
)
def test_bad_parameters_are_a_400_that_says_what_to_write(api, supervisor, query, code):
    response = api(supervisor).get(f"/api/v1/stats/?{query}")
    assert response.status_code == 400
    assert response.json()["code"] == code and response.json()["detail"]


def test_the_query_count_does_not_grow_with_the_deals(api, supervisor, figures, broker):
    from tests.factories import DealFactory

    client = api(supervisor)
    with CaptureQueriesContext(connection) as few:
        client.get(f"/api/v1/stats/?{PERIOD}")
    DealFactory.create_batch(15, lead_broker=broker)
    with CaptureQueriesContext(connection) as more:
        client.get(f"/api/v1/stats/?{PERIOD}")
    assert len(few) == len(more)


def test_the_xlsx_export_holds_the_same_figures_as_numbers(api, supervisor, figures):
    response = api(supervisor).get(f"/api/v1/stats/export/?{PERIOD}")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    book = openpyxl.load_workbook(io.BytesIO(response.content))
    assert book.sheetnames == ["总览", "按月", "按地区", "按行业"]
    totals = {row[0]: row[1] for row in book["总览"].iter_rows(min_row=2, values_only=True)}
    assert float(totals["合同成交额（元）"]) == pytest.approx(4034568.44)
    assert totals["服务企业（家）"] == 2
    months = list(book["按月"].iter_rows(min_row=2, values_only=True))
    assert [m[0] for m in months] == ["2026-03", "2026-04"]


def test_a_user_without_organisation_is_refused_with_a_reason_and_an_expert_never_sees_it(api):
    from brokers.models import Role
    from tests.factories import UserFactory

    loner = UserFactory(role=Role.SUPERVISOR, organisation=None)
    response = api(loner).get("/api/v1/stats/")
    assert response.status_code == 403
    assert response.json()["code"] == "permission_denied" and response.json()["detail"]
    # Experts are confined to their reviews (brokers.confinement): everything else is a 404.
    expert = UserFactory(role=Role.EXPERT, organisation=None)
    assert api(expert).get("/api/v1/stats/").status_code == 404


def test_an_unknown_organisation_is_not_found_even_for_an_admin(api, admin_user):
    assert api(admin_user).get("/api/v1/stats/?organisation=无此机构").status_code == 404
    assert api(admin_user).get("/api/v1/stats/?organisation=" + "9" * 30).status_code == 404
