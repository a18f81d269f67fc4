"""The bell through the gateway: the routes derived from the contract reach the real service, and
`GET /v1/notifications:watch` streams new items as NDJSON."""
from __future__ import annotations

import json
import threading

import httpx
import pytest

from devtools.eventually import eventually
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

    def test_the_watch_route_streams_new_items(self, notifications, http):
        h = notifications
        h.person("p1")
        items: list[dict] = []
        content_types: list[str] = []

        def read():
            with http.stream("GET", "/v1/notifications:watch", headers=auth(h, "p1"), timeout=30) as response:
                content_types.append(response.headers["content-type"])
                for line in response.iter_lines():
                    if line.strip() and "result" in json.loads(line):         # not a heartbeat
                        items.append(json.loads(line)["result"])
                        return
        reader = threading.Thread(target=read, daemon=True)
        reader.start()

        def streamed():
            # The watch shows items created after it started at notifications, which a client cannot
            # see happen: publish until one comes through the open stream.
            h.publish("p1", "ACCES_DMP_PS", producer="audit")
            return items
        (item,) = eventually(streamed, timeout=20, interval=0.5, what="an item streamed")
        reader.join(5)
        assert content_types[0].startswith("application/x-ndjson")
        assert item["profileId"] == "p1" and item["eventType"] == "ACCES_DMP_PS"

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
