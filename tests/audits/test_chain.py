"""audit_chain: an edited, removed or truncated audit log is a CRITICAL finding naming the entry."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from sqlalchemy import delete, func, select, update

from catalog.findings import Severity
from exchange.audit_checks import audit_chain, witness_path
from exchange.models import AuditEntry


def _requests(api) -> None:
    order = api.order(resource="sj.enterprises", items=["uscc"])
    api.http.get(f"/v1/orders/{order['id']}", headers=api.as_("requester"))
    api.http.get(f"/v1/orders/{order['id']}", headers=api.as_("other"))  # 404, logged
    api.http.get("/v1/me")  # 401, logged


def _tamper(api, statement) -> None:
    with api.http.app.state.hub.store.session() as s:
        s.execute(statement)


def _head(api) -> int:
    with api.http.app.state.hub.store.session() as s:
        return s.scalar(select(func.max(AuditEntry.seq)))


def test_an_intact_log_has_no_finding_and_is_witnessed(api, audit_settings):
    _requests(api)
    result = audit_chain(audit_settings, datetime.now(UTC))
    assert result.findings == []
    assert result.checked == {"entries": _head(api), "checkpoints": 0}
    witnessed = json.loads(witness_path(audit_settings).read_text())
    assert witnessed["seq"] == _head(api) and witnessed["signature"]
    again = audit_chain(audit_settings, datetime.now(UTC))  # held against the witness now
    assert (again.findings, again.checked["checkpoints"]) == ([], 1)


def test_an_edited_entry_is_critical_and_named(api, audit_settings):
    _requests(api)
    _tamper(api, update(AuditEntry).where(AuditEntry.seq == 3).values(client_id="ga-reviewer"))
    [finding] = audit_chain(audit_settings, datetime.now(UTC)).findings
    assert (finding.severity, finding.subject, finding.key) == (
        Severity.CRITICAL, "audit-log", "seq:3")
    assert finding.message.startswith("Audit-log entry 3: content does not match its hash")
    assert finding.evidence["first_bad_seq"] == 3
    assert not witness_path(audit_settings).exists()  # a broken chain is never witnessed


def test_entries_removed_after_the_witnessed_head_are_found(api, audit_settings):
    _requests(api)
    assert audit_chain(audit_settings, datetime.now(UTC)).findings == []
    head = _head(api)
    _tamper(api, delete(AuditEntry).where(AuditEntry.seq >= head - 1))
    found = audit_chain(audit_settings, datetime.now(UTC)).findings
    assert [(f.severity, f.key) for f in found] == [(Severity.CRITICAL, f"seq:{head}")]
    assert "log truncated" in found[0].message


def test_a_forged_witness_is_not_trusted(api, audit_settings):
    _requests(api)
    audit_chain(audit_settings, datetime.now(UTC))
    path = witness_path(audit_settings)
    mark = json.loads(path.read_text())
    path.write_text(json.dumps({**mark, "seq": 1}))  # would hide a truncation
    found = audit_chain(audit_settings, datetime.now(UTC)).findings
    assert [(f.severity, f.key) for f in found] == [(Severity.CRITICAL, "witness")]
