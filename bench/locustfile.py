"""The load test's users (`make loadtest` runs them through bench/loadtest.py): the demo brokers
and supervisors of one organisation, signed in by session (pages) and token (API).

Brokers read their board, deal pages and lists, log activities and ask for moves; supervisors read
their queue and approve or reject pending requests. A 409 (a request already pending, a condition
unmet, a request decided by someone else first) is a correct answer under contention, not an
error; anything else outside the expected codes is counted as a failure."""

from __future__ import annotations

import random
import re

from gevent.lock import Semaphore
from locust import HttpUser, between, task

PASSWORD = "demo12345"
BROKERS = ["zhangwei", "lina", "wangqiang", "zhoumin", "xuhao", "hejia"]
SUPERVISORS = ["chenjing", "liuyang"]
NEXT = {
    "intake": "matched",
    "matched": "online_talks",
    "online_talks": "offline_meeting",
    "offline_meeting": "agreement",
}


# username → (API token, session id), filled by the first locust user of each demo login.
SIGNED_IN: dict[str, tuple[str, str]] = {}
LOCKS: dict[str, Semaphore] = {}


class Signed(HttpUser):
    abstract = True
    wait_time = between(0.5, 2.0)
    usernames: list[str] = []

    def on_start(self) -> None:
        # Signing in hashes the password (deliberately slow): the users sharing a demo login share
        # its token and session, as several tabs of one person would.
        self.username = random.choice(self.usernames)
        with LOCKS.setdefault(self.username, Semaphore()):  # the others wait for the first
            if self.username not in SIGNED_IN:
                SIGNED_IN[self.username] = self.sign_in()
        token, session = SIGNED_IN[self.username]
        self.client.cookies.set("sessionid", session)
        self.api = {"Authorization": f"Token {token}"}
        self.deals: list[dict] = []

    def sign_in(self) -> tuple[str, str]:
        # The token first: once the session cookie is set, DRF would ask that POST for a CSRF token.
        response = self.client.post(
            "/api/v1/auth/token/",
            json={"username": self.username, "password": PASSWORD},
            name="/api/v1/auth/token/",
        )
        token = response.json()["token"]
        page = self.client.get("/", name="sign-in page")
        match = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text)
        self.client.post(
            "/",
            data={
                "username": self.username,
                "password": PASSWORD,
                "csrfmiddlewaretoken": match.group(1) if match else "",
            },
            headers={"Referer": f"{self.host}/"},
            name="sign-in",
        )
        return token, self.client.cookies.get("sessionid", "")

    def get_api(self, path: str, name: str) -> dict:
        with self.client.get(path, headers=self.api, name=name, catch_response=True) as r:
            if r.status_code != 200:
                r.failure(f"{r.status_code}")
                return {}
            return r.json()

    def post_api(self, path: str, body: dict, name: str, ok: tuple[int, ...]) -> None:
        with self.client.post(
            path, json=body, headers=self.api, name=name, catch_response=True
        ) as r:
            if r.status_code in ok:
                r.success()
            else:
                r.failure(f"{r.status_code}: {r.text[:200]}")

    def refresh_deals(self) -> None:
        data = self.get_api("/api/v1/deals/?page_size=50", "/api/v1/deals/")
        self.deals = [d for d in data.get("results", []) if d.get("state") in NEXT] or self.deals


class Broker(Signed):
    weight = 4
    usernames = BROKERS

    @task(4)
    def board(self) -> None:
        self.client.get("/board/", name="/board/")

    @task(4)
    def deal_page(self) -> None:
        if not self.deals:
            self.refresh_deals()
        if self.deals:
            deal = random.choice(self.deals)
            self.client.get(f"/deals/{deal['id']}/", name="/deals/[id]/")
            self.get_api(f"/api/v1/deals/{deal['id']}/", "/api/v1/deals/[id]/")

    @task(3)
    def lists(self) -> None:
        self.refresh_deals()
        self.get_api("/api/v1/demands/", "/api/v1/demands/")
        self.get_api("/api/v1/achievements/", "/api/v1/achievements/")

    @task(2)
    def activity(self) -> None:
        if not self.deals:
            return
        deal = random.choice(self.deals)
        self.post_api(
            f"/api/v1/deals/{deal['id']}/activities/",
            {
                "kind": "online_talk",
                "occurred_at": "2026-11-30T10:00:00+08:00",
                "location": "腾讯会议",
                "participants": "张伟；企业技术负责人",
                "minutes": "压测：讨论技术参数与报价。",
            },
            "/api/v1/deals/[id]/activities/",
            ok=(201, 403, 409),  # 403: a deal of a colleague this broker is not on
        )

    @task(2)
    def request_move(self) -> None:
        if not self.deals:
            return
        deal = random.choice(self.deals)
        self.post_api(
            f"/api/v1/deals/{deal['id']}/transition-requests/",
            {"target": NEXT[deal["state"]], "comment": "压测申请"},
            "/api/v1/deals/[id]/transition-requests/",
            ok=(201, 403, 409),
        )


class Supervisor(Signed):
    weight = 1
    usernames = SUPERVISORS

    @task(3)
    def queue(self) -> None:
        self.client.get("/queue/", name="/queue/")

    @task(4)
    def decide(self) -> None:
        data = self.get_api(
            "/api/v1/transition-requests/?status=pending", "/api/v1/transition-requests/?pending"
        )
        pending = data.get("results", [])
        if not pending:
            return
        request = random.choice(pending)
        if random.random() < 0.8:
            self.post_api(
                f"/api/v1/transition-requests/{request['id']}/approve/",
                {"comment": "压测审批"},
                "/api/v1/transition-requests/[id]/approve/",
                ok=(200, 403, 409),  # 403: own request (four eyes); 409: decided or blocked
            )
        else:
            self.post_api(
                f"/api/v1/transition-requests/{request['id']}/reject/",
                {"reason": "压测驳回"},
                "/api/v1/transition-requests/[id]/reject/",
                ok=(200, 403, 409),
            )
