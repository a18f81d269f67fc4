"""The bell through the gateway: the routes derived from the contract reach the real service, and
`GET /v1/notifications:watch` streams new items as NDJSON within a second."""
from __future__ import annotations

import json
import threading
import time

import httpx
import pytest

from devtools.gateway_thread import jwks_identity, running_gateway


@pytest.fixture
def http(notifications):
    with jwks_identity(notifications.signer) as identity, running_gateway({
            "IDENTITY_ADDR": identity, "NOTIFICATIONS_ADDR": notifications.address,
            "RATE_LIMIT_PUBLIC_PER_MINUTE": "0"}) as url, httpx.Client(base_url=url, timeout=10) as client:
        yield client


def auth(h, account_id):
    return {"authorization": h.patient(account_id)[0][1]}


class TestBellOverHttp:
    def test_counts_list_and_mark_read(self, notifications, http):
        h = notifications
        h.person("mother", given_name="Sophie")
        h.person("child", given_name="Léo", minor=True, legal_representative_ids=["mother"])
        h.publish("child")
        counts = http.get("/v1/notifications/unread-counts", headers=auth(h, "mother")).json()["counts"]
        assert {(c["profileId"], c["unread"], c["relation"]) for c in counts} == {
            ("mother", 0, "SELF"), ("child", 1, "LEGAL_REPRESENTATIVE")}
        items = http.get("/v1/profiles/child/notifications", headers=auth(h, "mother")).json()["notifications"]
        assert [i["eventType"] for i in items] == ["AJOUT_DOCUMENT"]
        marked = http.post(f"/v1/notifications/{items[0]['notificationId']}:mark", json={"read": True},
                           headers=auth(h, "mother"))
        assert marked.status_code == 200 and marked.json()["read"] is True
        assert http.get("/v1/profiles/child/notifications", headers=auth(h, "stranger")).status_code == 403

    def test_the_watch_route_streams_new_items_within_a_second(self, notifications, http):
        h = notifications
        h.person("p1")
        lines: list[tuple[dict, float]] = []

        def read():
            with http.stream("GET", "/v1/notifications:watch", headers=auth(h, "p1"), timeout=30) as response:
                assert response.headers["content-type"].startswith("application/x-ndjson")
                for line in response.iter_lines():
                    lines.append((json.loads(line), time.monotonic()))
                    return
        reader = threading.Thread(target=read, daemon=True)
        reader.start()
        time.sleep(0.5)
        sent = time.monotonic()
        h.publish("p1", "ACCES_DMP_PS", producer="audit")
        reader.join(5)
        ((line, at),) = lines
        assert line["result"]["profileId"] == "p1" and line["result"]["eventType"] == "ACCES_DMP_PS"
        assert at - sent < 1.0

    def test_preferences_and_one_click_unsubscribe(self, notifications, http):
        h = notifications
        h.person("p1", email="p1@example.test")
        prefs = http.get("/v1/accounts/p1/notification-preferences", headers=auth(h, "p1")).json()
        assert prefs["document"] is True and prefs["quietHoursStart"] == ""     # tests run without quiet hours
        h.publish("p1")
        (mail,) = h.wait_mails(1)
        url = mail["List-Unsubscribe"].strip("<>")
        path = url.removeprefix("https://mes.test")
        # RFC 8058: a POST with a form body, no token: the body is ignored, the link's token decides
        response = http.post(path, content=b"List-Unsubscribe=One-Click",
                             headers={"content-type": "application/x-www-form-urlencoded"})
        assert response.status_code == 200, response.text
        prefs = http.get("/v1/accounts/p1/notification-preferences", headers=auth(h, "p1")).json()
        assert prefs["document"] is False
