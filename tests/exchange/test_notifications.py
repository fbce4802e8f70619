"""Notifications reach a webhook receiver and an SMTP server started by the tests, after the
actions are done through the real doors: HTTP against the served API, the audits as Dagster
runs them, the `hub` command as a subprocess (docs/notifications.md)."""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from catalog import open_registry
from catalog.audit_reports import file_report
from catalog.findings import Finding, Severity, record_report
from catalog.notify import (
    NotifyAttempt,
    NotifyDelivery,
    NotifyEvent,
    add_subscription,
    webhook_secret,
)
from catalog.notify_delivery import backoff
from exchange.audit_checks import overdue_reviews
from tests.audits.conftest import private_home
from tests.cli import assert_one_line_error, clean_env, hub
from tests.exchange.conftest import live_api, make_api
from tests.exchange.receivers import smtp_server, wait_for, webhook_receiver
from tests.live import serving

REVIEWED = {"resource": "ga.vehicles", "items": ["plate_number", "status"]}  # 有条件共享


def _subscribe(api, **body) -> dict:
    response = api.http.post("/v1/notify/subscriptions", json=body, headers=api.as_("admin"))
    assert response.status_code == 201, response.text
    return response.json()


def _decide(api, order_id: str, role: str, decision: str) -> None:
    response = api.http.post(f"/v1/orders/{order_id}/review", headers=api.as_(role),
                             json={"decision": decision, "reason": "依法履职所需"})
    assert response.status_code == 200, response.text


def test_orders_notify_webhooks_and_email_through_the_live_api(ingested, tmp_path, monkeypatch):
    monkeypatch.delenv("HUB_LANGUAGE")  # notifications in the hub's default language, Chinese
    with webhook_receiver() as receiver, smtp_server() as (smtp_url, mailbox), \
            live_api(ingested, tmp_path / "api", smtp_url=smtp_url) as api:
        provider = _subscribe(api, channel="webhook", target=receiver.url, department="ga",
                              events=["order.placed"])
        requester = _subscribe(api, channel="webhook", target=receiver.url, department="mz",
                               events=["order.approved", "order.rejected"])
        person = _subscribe(api, channel="email", target="mz-officer@mz.huizhou.example",
                            user="mz-system", events=["order.approved"])
        assert provider["secret"].startswith("whsec_") and person["secret"] is None
        receiver.secrets += [provider["secret"], requester["secret"]]

        approved = api.order(**REVIEWED)["id"]
        api.approve(approved)
        rejected = api.order(**REVIEWED)["id"]
        _decide(api, rejected, "cdo", "reject")

        wait_for(lambda: len(receiver.received) == 4 and len(mailbox) == 1, "4 webhooks, 1 mail")
        assert all(r.signature_ok for r in receiver.received)
        placed = receiver.events("order.placed")
        assert {e["data"]["order_id"] for e in placed} == {approved, rejected}
        assert placed[0]["title"] == "新的数据共享申请待审核"
        assert "机动车" in placed[0]["text"] or "车辆" in placed[0]["text"]  # the resource's name
        (yes,) = receiver.events("order.approved")
        (no,) = receiver.events("order.rejected")
        assert (yes["data"]["order_id"], no["data"]["order_id"]) == (approved, rejected)
        assert yes["departments"] == ["mz"] and "已批准" in yes["title"]
        for r in receiver.received:  # the event id a receiver drops repeats by
            assert r.headers["x-hub-event-id"] == r.payload["id"]
            assert r.headers["x-hub-event"] == r.payload["event"]
            assert abs(int(r.headers["x-hub-timestamp"]) - datetime.now(UTC).timestamp()) < 600

        (mail,) = mailbox
        assert mail["To"] == "mz-officer@mz.huizhou.example"
        assert mail["Subject"] == "【一网共享】数据共享申请已批准"
        assert approved in mail.get_content() and mail["X-Hub-Event"] == "order.approved"

        log = api.http.get("/v1/notify/deliveries", headers=api.as_("admin"),
                           params={"status": "delivered", "limit": 2}).json()
        assert log["total"] == 5 and len(log["items"]) == 2 and log["next_offset"] == 2
        assert {i["last_status_code"] for i in log["items"]} <= {200, 250}
        subs = api.http.get("/v1/notify/subscriptions", headers=api.as_("admin")).json()
        assert subs["total"] == 3 and all("secret" not in s for s in subs["items"])


def test_a_failing_receiver_is_retried_with_backoff(ingested, tmp_path):
    with webhook_receiver(fail_first=2) as receiver, \
            live_api(ingested, tmp_path / "api", notify_backoff_seconds=0.2) as api:
        sub = _subscribe(api, channel="webhook", target=receiver.url, department="hub",
                         events=["order.placed"])
        receiver.secrets.append(sub["secret"])
        order_id = api.order(**REVIEWED)["id"]  # answered at once: the receiver is not asked
        wait_for(lambda: receiver.received, "the third attempt")
        assert receiver.refused == 2 and receiver.received[0].signature_ok
        assert receiver.received[0].payload["data"]["order_id"] == order_id

        def recorded() -> list[dict]:  # the deliverer records the answer after it is received
            items = api.http.get("/v1/notify/deliveries", headers=api.as_("admin")).json()["items"]
            return [i for i in items if i["status"] == "delivered"]

        wait_for(recorded, "the delivery recorded as delivered")
        (item,) = recorded()
        assert (item["status"], item["attempts"], item["last_status_code"]) == ("delivered", 3,
                                                                                200)
        with api.hub.store.session() as s:
            tries = list(s.scalars(select(NotifyAttempt).where(
                NotifyAttempt.delivery_id == item["id"]).order_by(NotifyAttempt.attempt)))
        assert [(t.status_code, t.error) for t in tries] == [(503, "HTTP 503"), (503, "HTTP 503"),
                                                             (200, "")]
        for before, after in itertools.pairwise(tries):  # each wait twice the last
            assert after.at - before.at >= backoff(api.settings, before.attempt)
        assert backoff(api.settings, 2) == 2 * backoff(api.settings, 1)


@pytest.mark.parametrize(("body", "code"), [
    ({"channel": "webhook", "target": "http://127.0.0.1:9/", "department": "mz",
      "events": ["order.teleported"]}, "unknown_event"),
    ({"channel": "webhook", "target": "ftp://127.0.0.1/hook", "department": "mz",
      "events": ["order.placed"]}, "invalid_target"),
    ({"channel": "webhook", "target": "http://user:pw@127.0.0.1/", "department": "mz",
      "events": ["order.placed"]}, "invalid_target"),
    ({"channel": "email", "target": "not-an-address", "department": "mz",
      "events": ["order.placed"]}, "invalid_target"),
    ({"channel": "webhook", "target": "http://127.0.0.1:9/", "department": "mz", "user": "x",
      "events": ["order.placed"]}, "invalid_subscription"),
    ({"channel": "webhook", "target": "http://127.0.0.1:9/", "department": "nowhere",
      "events": ["order.placed"]}, "invalid_subscription"),
    ({"channel": "webhook", "target": "http://127.0.0.1:9/", "user": "nobody",
      "events": ["order.placed"]}, "invalid_subscription"),
])
def test_bad_subscriptions_are_refused(api, body, code):
    response = api.http.post("/v1/notify/subscriptions", json=body, headers=api.as_("admin"))
    assert response.status_code == 422, response.text
    assert response.json()["error"]["code"] == code


@pytest.mark.parametrize("role", ["requester", "reviewer", "cdo", "auditor", None])
def test_only_administrators_manage_notifications(api, role):
    headers = api.as_(role) if role else {}
    for method, path in (("GET", "/v1/notify/subscriptions"), ("GET", "/v1/notify/deliveries"),
                         ("GET", "/v1/notify/events"),
                         ("DELETE", "/v1/notify/subscriptions/sub_0")):
        response = api.http.request(method, path, headers=headers)
        assert response.status_code == (403 if role else 401), (method, path)
        assert set(response.json()["error"]) >= {"code", "message"}
    response = api.http.delete("/v1/notify/subscriptions/sub_0", headers=api.as_("admin"))
    assert response.status_code == 404 and response.json()["error"]["code"] == "not_found"


def test_the_served_api_sends_what_other_processes_recorded(ingested, tmp_path, monkeypatch):
    """Served as `hub serve` serves it (with its lifespan), the API also sends, without any
    request, the notifications other processes recorded: here a critical audit finding."""
    monkeypatch.delenv("HUB_LANGUAGE")  # notifications in the hub's default language, Chinese
    api = make_api(ingested, tmp_path / "api", notify_poll_seconds=0.2)
    with webhook_receiver() as receiver:
        sub = add_subscription(api.hub.store.registry, "webhook", receiver.url,
                               ["audit.critical_finding"], department="hub")
        receiver.secrets.append(webhook_secret(api.settings, sub.id))
        with serving(api.app, lifespan="on"):
            elsewhere = open_registry(api.settings, declare=False)
            record_report(elsewhere, "audit_chain", [Finding(
                "audit_chain", Severity.CRITICAL, "audit-log", "审计日志第 7 条被改动。",
                key="seq:7")])
            record_report(elsewhere, "audit_chain", [Finding(  # still open: not raised again
                "audit_chain", Severity.CRITICAL, "audit-log", "审计日志第 7 条被改动。",
                key="seq:7")])
            wait_for(lambda: receiver.received, "the server's poll to deliver")
            elsewhere.dispose()
        assert not api.app.state.notifier.running  # stopped with the server
    (event,) = receiver.events()
    assert event["event"] == "audit.critical_finding" and receiver.received[0].signature_ok
    with api.hub.store.session() as s:
        assert list(s.scalars(select(NotifyEvent.id))) == [event["id"]]
    assert event["text"] == "审计「audit_chain」发现严重问题（audit-log）：审计日志第 7 条被改动。"


def _env(settings, **extra) -> dict[str, str]:
    return clean_env(home=settings.home, landing=settings.landing_dir,
                     registry_url=settings.registry_url, **extra)


def test_reminders_audits_and_email_through_the_cli(ingested, tmp_path):
    """Subscriptions and delivery by `hub notify`; the events from requests, the audits (as
    Dagster runs them: `file_report`) and `hub audits run`; e-mail through HUB_SMTP_URL."""
    api = make_api(ingested, tmp_path / "api")  # no SMTP server here: e-mail waits, untried
    settings = private_home(api.settings, tmp_path / "home")
    env = _env(settings)
    for args in (("add-email", "cdo@hub.huizhou.example", "--department", "hub",
                  "--event", "order.review_due", "--event", "order.review_overdue",
                  "--event", "audit.critical_finding"),
                 ("add-email", "officer@mz.huizhou.example", "--user", "mz-system",
                  "--event", "grant.expiring")):
        result = hub("notify", *args, env=env)
        assert result.returncode == 0, result.stderr
    listed = hub("notify", "list", env=env)
    assert listed.stdout.count("\temail\t") == 2

    due = api.order(**REVIEWED)["id"]  # compliance deadline: 2 working days from now
    expiring = api.order(valid_until=(date.today() + timedelta(days=3)).isoformat())["id"]
    result = hub("audits", "run", "overdue_reviews", "expired_grants",
                 env=_env(settings, notify_due_hours=24 * 5))
    assert result.returncode == 0, result.stderr
    late = datetime.now(UTC) + timedelta(days=30)  # past the deadline and STALE_AFTER
    file_report(settings, api.hub.store.registry, "overdue_reviews", overdue_reviews, now=late)

    with smtp_server() as (smtp_url, mailbox):
        result = hub("notify", "deliver", "--drain", "--max-wait", "60",
                     env=_env(settings, smtp_url=smtp_url))
        assert result.returncode == 0, result.stderr
        assert "failed 0" in result.stdout and "none pending" in result.stdout
    by_event = {m["X-Hub-Event"]: m for m in mailbox}
    assert set(by_event) == {"order.review_due", "order.review_overdue",
                             "audit.critical_finding", "grant.expiring"}
    assert due in by_event["order.review_due"].get_content()
    # In the hub's language (the suite's, English: tests/conftest.py).
    assert by_event["order.review_overdue"]["Subject"] == (
        "[Data Sharing Hub] Data sharing order review overdue")
    assert "Critical audit finding" in by_event["audit.critical_finding"]["Subject"]
    assert expiring in by_event["grant.expiring"].get_content()
    assert by_event["grant.expiring"]["To"] == "officer@mz.huizhou.example"

    again = hub("audits", "run", "overdue_reviews", "expired_grants",
                env=_env(settings, notify_due_hours=24 * 5))
    assert again.returncode == 0, again.stderr
    with api.hub.store.session() as s:  # reminders are raised once, however often audits run
        kinds = list(s.scalars(select(NotifyEvent.event)))
        assert kinds.count("order.review_due") == 1 and kinds.count("grant.expiring") == 1
        assert {d.status for d in s.scalars(select(NotifyDelivery))} == {"delivered"}


@pytest.mark.parametrize(("args", "words"), [
    (("add-webhook", "ftp://127.0.0.1/x", "--department", "mz", "--event", "order.placed"),
     ("http",)),
    (("add-webhook", "http://127.0.0.1/x", "--department", "mz", "--event", "order.nope"),
     ("order.nope",)),
    (("add-email", "mz@example.org", "--event", "order.placed"), ("department", "user")),
    (("remove", "sub_missing"), ("No such subscription",)),
])
def test_cli_refuses_bad_input_in_one_line(ingested, tmp_path: Path, args, words):
    settings = private_home(make_api(ingested, tmp_path / "api").settings, tmp_path / "home")
    assert_one_line_error(hub("notify", *args, env=_env(settings)), *words)
