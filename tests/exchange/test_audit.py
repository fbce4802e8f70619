"""The audit log: every request appended, the chain verified, any tampering detected."""

from __future__ import annotations

import json

import click
import pytest
from click.testing import CliRunner
from sqlalchemy import delete, select, update

from exchange.models import AuditEntry


@pytest.fixture
def logged(api):
    """An API with a few allowed and denied requests in its log."""
    order = api.order(resource="sj.enterprises", items=["uscc"])
    api.http.get(f"/v1/orders/{order['id']}", headers=api.as_("requester"))
    api.http.get(f"/v1/orders/{order['id']}", headers=api.as_("other"))  # 404, audited
    api.http.get("/v1/audit", headers=api.as_("requester"))  # 403, audited
    api.http.get("/v1/me")  # 401, audited
    return api


def _entries(api) -> list[AuditEntry]:
    with api.http.app.state.hub.store.session() as s:
        return list(s.scalars(select(AuditEntry).order_by(AuditEntry.seq)))


def _verify(api) -> dict:
    response = api.http.get("/v1/audit/verify", headers=api.as_("auditor"))
    assert response.status_code == 200
    return response.json()


def test_allowed_and_denied_requests_are_logged(logged):
    rows = [(e.client_id, e.method, e.route, e.decision, e.status) for e in _entries(logged)]
    assert ("mz-system", "POST", "/v1/orders", "allow", 201) in rows
    assert ("mz-system", "GET", "/v1/orders/{order_id}", "allow", 200) in rows
    assert ("rs-system", "GET", "/v1/orders/{order_id}", "deny", 404) in rows
    assert ("mz-system", "GET", "/v1/audit", "deny", 403) in rows
    assert (None, "GET", "/v1/me", "deny", 401) in rows
    placed = next(e for e in _entries(logged) if e.route == "/v1/orders")
    assert (placed.purpose, placed.resource_code, placed.items) == (
        "社会救助核查", "sj.enterprises", ["uscc"])


def test_intact_chain_verifies(logged):
    report = _verify(logged)
    assert report["intact"] is True
    assert report["findings"] == []
    assert report["entries"] == len(_entries(logged)) - 1  # this request is logged after


def _tamper(api, statement) -> None:
    with api.http.app.state.hub.store.session() as s:
        s.execute(statement)


def test_edited_entry_is_detected(logged):
    _tamper(logged, update(AuditEntry).where(AuditEntry.seq == 3).values(client_id="ga-reviewer"))
    assert _verify(logged)["findings"] == [{"seq": 3,
                                            "problem": "content does not match its hash"}]


def test_deleted_entry_is_detected(logged):
    _tamper(logged, delete(AuditEntry).where(AuditEntry.seq == 3))
    assert _verify(logged)["findings"] == [
        {"seq": 4, "problem": "sequence jumps from 2 to 4: entries missing"},
        {"seq": 4, "problem": "does not link to the entry before it"}]


def test_inserted_entry_is_detected(logged):
    entries = _entries(logged)
    with logged.http.app.state.hub.store.session() as s:
        s.execute(update(AuditEntry).where(AuditEntry.seq >= 3)
                  .values(seq=AuditEntry.seq + 1000))
        s.flush()
        s.execute(update(AuditEntry).where(AuditEntry.seq >= 1003)
                  .values(seq=AuditEntry.seq - 999))
        forged = {c.name: getattr(entries[1], c.name) for c in AuditEntry.__table__.columns}
        s.add(AuditEntry(**{**forged, "seq": 3, "client_id": "forger"}))
    findings = _verify(logged)["findings"]
    assert findings[0] == {"seq": 3, "problem": "does not link to the entry before it"}
    assert {"seq": 3, "problem": "content does not match its hash"} in findings


def test_reordered_entries_are_detected(logged):
    with logged.http.app.state.hub.store.session() as s:
        s.execute(update(AuditEntry).where(AuditEntry.seq == 2).values(seq=-2))
        s.execute(update(AuditEntry).where(AuditEntry.seq == 3).values(seq=2))
        s.execute(update(AuditEntry).where(AuditEntry.seq == -2).values(seq=3))
    findings = _verify(logged)["findings"]
    assert {"seq": 2, "problem": "does not link to the entry before it"} in findings
    assert {"seq": 2, "problem": "content does not match its hash"} in findings


def test_truncation_is_detected_against_a_checkpoint(logged, tmp_path, monkeypatch):
    mark = logged.http.get("/v1/audit/checkpoint", headers=logged.as_("auditor")).json()
    assert set(mark) == {"seq", "hash", "at", "signature"}
    _tamper(logged, delete(AuditEntry).where(AuditEntry.seq >= mark["seq"] - 1))
    _count, findings = logged.http.app.state.hub.audit.verify([mark])
    assert [f.problem for f in findings] == [
        "witnessed checkpoint entry is missing: log truncated"]


def test_cli_verify_and_checkpoint(logged, tmp_path, monkeypatch):
    from catalog import get_settings
    from exchange.cli import register

    main = click.Group("hub")
    register(main)
    monkeypatch.setenv("HUB_HOME", str(logged.settings.home))
    monkeypatch.setenv("HUB_REGISTRY_URL", logged.settings.registry_url)
    get_settings.cache_clear()
    runner = CliRunner()
    out = tmp_path / "checkpoint.json"
    result = runner.invoke(main, ["audit", "checkpoint", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert json.loads(out.read_text())["seq"] == len(_entries(logged))
    ok = runner.invoke(main, ["audit", "verify", "--checkpoint", str(out)])
    assert ok.exit_code == 0
    assert ok.output.strip().endswith("entries, intact")
    _tamper(logged, update(AuditEntry).where(AuditEntry.seq == 2).values(rows=99))
    bad = runner.invoke(main, ["audit", "verify", "--checkpoint", str(out)])
    assert bad.exit_code == 1
    assert "entry 2: content does not match its hash" in bad.output
    get_settings.cache_clear()


def test_providers_see_who_used_their_data(api, person):
    order = api.order(resource="ga.vehicles", mode="verify", items=[])
    api.approve(order["id"])
    api.http.post("/v1/verify/vehicle", headers=api.as_("requester"),
                  json={"order_id": order["id"], "id_number": person()[0]})
    usage = api.http.get("/v1/usage", headers=api.as_("reviewer")).json()["items"]
    used = [u for u in usage if u["route"] == "/v1/verify/vehicle"]
    assert [(u["client_id"], u["department"], u["purpose"], u["decision"]) for u in used] == [
        ("mz-system", "mz", "社会救助核查", "allow")]
    assert used[0]["items"] == ["owner_id_number", "status"]
