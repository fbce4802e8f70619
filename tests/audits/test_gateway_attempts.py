"""gateway_bypass_attempts: queries refused as attempts on the SQL gateway (text its checks
cannot read, file, setting or key access) are security events in the gateway's log with
their principal; the audit, run as the CDO runs it (`hub audits run`), raises a finding per
principal, high when repeated. Mistakes (a syntax error, an unknown column) are not events."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from catalog import Registry
from catalog.findings import Severity, findings
from policies.store import QueryAudit

ATTEMPTS = [
    'SELECT CAST(1 AS "foo) AS x, (SELECT count(*) FROM standardised.sj_enterprises) --") '
    "FROM sj_enterprises",
    "SELECT * FROM read_parquet('/etc/passwd')",
    "SELECT current_setting('allowed_directories') FROM sj_enterprises",
]
MISTAKES = ["SELECT FROM WHERE", "SELECT no_such_column FROM sj_enterprises"]


def _hub(settings, *args: str, language: str | None = "en") -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("HUB_")}
    env |= {"HUB_HOME": str(settings.home), "HUB_REGISTRY_URL": settings.registry_url,
            "HUB_LANDING": str(settings.landing_dir)}
    env |= {"HUB_LANGUAGE": language} if language else {}
    return subprocess.run([str(Path(sys.executable).parent / "hub"), *args], env=env,
                          capture_output=True, text=True, timeout=300, check=False)


def test_attempts_are_logged_and_become_a_high_finding(api, audit_settings) -> None:
    order = api.order(resource="sj.enterprises", mode="query", items=["uscc", "name"])
    for role in ("cdo", "reviewer"):
        reviewed = api.http.post(f"/v1/orders/{order['id']}/review", headers=api.as_(role),
                                 json={"decision": "approve", "reason": "依法履职所需"}).json()
        if reviewed.get("status") == "approved":
            break
    for sql in ATTEMPTS + MISTAKES:
        response = api.http.post("/v1/sql", json={"sql": sql}, headers=api.as_("requester"))
        assert response.status_code == 400, (sql, response.text)
    registry = Registry(audit_settings.registry_url)
    try:
        with registry.session() as s:
            logged = [(e.subject, e.outcome) for e in s.query(QueryAudit).order_by(QueryAudit.id)]
        assert [o for _, o in logged[-5:]] == ["unread_text", "file_access", "secret_access",
                                               "syntax_error", "invalid_query"]
        out = _hub(audit_settings, "audits", "run", "gateway_bypass_attempts")
        assert out.returncode == 0, out.stderr
        assert "3 bypass attempts by 1 principals" in out.stdout
        (finding,) = findings(registry, audit="gateway_bypass_attempts")
        assert "tried to get around the SQL gateway" in finding.message
        # A hub told no language writes its findings in Chinese (catalog.i18n).
        again = _hub(audit_settings, "audits", "run", "gateway_bypass_attempts", language=None)
        assert "1 个主体共 3 次绕过尝试" in again.stdout, again.stdout
        (chinese,) = findings(registry, audit="gateway_bypass_attempts")
        assert "试图绕过 SQL 网关的查询" in chinese.message and chinese.id == finding.id
    finally:
        registry.dispose()
    subject = logged[-1][0]
    assert (finding.severity, finding.subject) == (Severity.HIGH, f"principal:{subject}")
    assert finding.evidence["kinds"] == ["file_access", "secret_access", "unread_text"]
