"""A session that expires while a form is being filled: the way back is the page, not the POST."""

import pytest
from django.test import Client

from tests.factories import DealFactory

pytestmark = pytest.mark.django_db


def test_a_form_posted_after_the_session_expired_returns_to_its_page_once_signed_in_and_says_so(
    broker,
):
    deal = DealFactory(lead_broker=broker)
    page = f"/deals/{deal.pk}/"
    signed_out = Client()

    posted = signed_out.post(
        f"/deals/{deal.pk}/activities/",
        {"kind": "online", "minutes": "第二次线上洽谈"},
        HTTP_REFERER=f"http://testserver{page}?tab=activities",
    )

    assert posted.status_code == 302
    assert posted["Location"] == f"/?next=/deals/{deal.pk}/%3Ftab%3Dactivities"
    sign_in_page = signed_out.get(posted["Location"])
    assert "登录已过期，刚才提交的内容没有保存" in sign_in_page.content.decode()
    broker.set_password("pw-for-the-test-1")
    broker.save()
    back = signed_out.post(
        "/",
        {
            "username": broker.username,
            "password": "pw-for-the-test-1",
            "next": f"{page}?tab=activities",
        },
    )
    assert back.status_code == 302 and back["Location"] == f"{page}?tab=activities"
    assert signed_out.get(back["Location"]).status_code == 200


@pytest.mark.parametrize(
    "referer",
    ["", "http://evil.example/deals/1/", "http://testserver/", "not a url at all"],
)
def test_without_a_page_of_this_site_to_return_to_the_way_back_is_the_home_page(broker, referer):
    deal = DealFactory(lead_broker=broker)
    posted = Client().post(f"/deals/{deal.pk}/activities/", {}, HTTP_REFERER=referer)
    assert posted.status_code == 302
    assert posted["Location"] == "/?next=/"


def test_a_signed_out_get_still_returns_to_the_page_asked_for(broker):
    deal = DealFactory(lead_broker=broker)
    asked = Client().get(f"/deals/{deal.pk}/")
    assert asked.status_code == 302 and asked["Location"] == f"/?next=/deals/{deal.pk}/"
