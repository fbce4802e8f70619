"""The other uses of a grant from a live hub: the governed SQL gateway, verification (核验),
extracts too large to stream (prepared by the pipeline's run), Spark, and the rate limiter's
429s waited out."""

from __future__ import annotations

import threading
import time
from datetime import date, timedelta

import pyarrow as pa
import pytest
from hubclient import HubClient
from hubclient.errors import (
    InvalidIdNumber,
    NotReady,
    OrderNotActive,
    PolicyDenied,
    QueryRejected,
    QuotaExhausted,
)
from sqlalchemy import func, select

from exchange.models import AuditEntry
from tests.client.conftest import write_profile
from tests.exchange.conftest import live_api

CREDIT = "市场主体信用监管"
BASIS = "《企业信息公示暂行条例》第十四条"


def _until() -> date:
    return date.today() + timedelta(days=30)


def test_sql_through_the_gateway(hub, live):
    order = hub.place_order("sj.enterprises", mode="query", items=["uscc", "status"],
                            purpose=CREDIT, legal_basis=BASIS, valid_until=_until(),
                            quota_calls=10)
    counts = hub.sql("SELECT status, count(*) AS n FROM sj_enterprises GROUP BY status "
                     "ORDER BY status", order=order)
    assert counts.column_names == ["status", "n"]
    rows = hub.sql("SELECT count(*) AS n FROM sj_enterprises", order=order["id"])
    assert sum(counts.column("n").to_pylist()) == rows.column("n")[0].as_py() > 0
    with pytest.raises(QueryRejected) as caught:
        hub.sql("SELECT * FROM read_csv('/etc/passwd')")
    assert (caught.value.status, caught.value.code) == (400, "file_access")
    with pytest.raises(PolicyDenied) as denied:
        hub.sql("SELECT count(*) FROM ga_population")
    assert (denied.value.status, denied.value.code) == (403, "no_grant")
    assert hub.order(order)["calls_used"] == 2


def test_verification(hub, live, person):
    id_number, name = person()
    order = hub.place_order("ga.population", mode="verify", purpose="社会救助核查",
                            legal_basis="《社会救助暂行办法》第十一条", valid_until=_until(),
                            quota_calls=3)
    with pytest.raises(OrderNotActive):  # 有条件共享: reviewed first
        hub.verify("identity", order, id_number, name)
    live.approve(order["id"])
    yes = hub.verify("identity", order, id_number, name)
    assert (yes.check, yes.order_id, yes.answer, yes.calls_left) == (
        "identity", order["id"], True, 2)
    no = hub.verify("identity", order["id"], id_number, "某某某")
    assert (no.answer, no.calls_left) == (False, 1)
    assert no.audit_seq > yes.audit_seq
    with pytest.raises(InvalidIdNumber):
        hub.verify("identity", order, "123", name)
    hub.verify("identity", order, id_number, name)
    with pytest.raises(QuotaExhausted):
        hub.verify("identity", order, id_number, name)


def test_an_extract_too_large_to_stream_is_prepared_then_loaded(ingested, tmp_path):
    from catalog import extracts
    from pipelines.extracts import fulfil

    with live_api(ingested, tmp_path / "api", extract_stream_max_rows=1) as live:
        client_id, secret = live.secrets["requester"]
        registry = live.hub.store.registry
        with HubClient(str(live.http.base_url), client_id, client_secret=secret) as hub:
            order = hub.place_order("sj.enterprises", mode="extract", items=["uscc", "name"],
                                    purpose=CREDIT, legal_basis=BASIS, valid_until=_until(),
                                    quota_calls=5)
            with pytest.raises(NotReady) as caught:
                hub.load_as_arrow(order)  # queued for the pipeline's run; not waited for
            queued = caught.value.body
            assert (queued["status"], queued["format"]) == ("queued", "arrow")
            fulfil(live.settings, registry, queued["id"])  # what the Dagster run does
            table = hub.load_delivery(queued["id"])
            assert {"uscc", "name"} <= set(table.column_names) and table.num_rows > 1

            # Waiting: the run completes the extract while the client polls its manifest.
            def run_when_queued() -> None:
                for _ in range(600):
                    waiting = [d for d in extracts.of_order(registry, order["id"])
                               if d.status == "queued"]
                    if waiting:
                        fulfil(live.settings, registry, waiting[0].id)
                        return
                    time.sleep(0.05)

            runner = threading.Thread(target=run_when_queued)
            runner.start()
            again = hub.load_as_arrow(order, wait=120)
            runner.join()
            assert again.equals(table)
            assert hub.order(order)["calls_used"] == 2  # the downloads, not the queueing


@pytest.mark.spark
def test_spark(hub, spark_engine):
    """On the test session's one Spark session (stopping it here would stop it for all)."""
    order = hub.place_order("sj.enterprises", mode="extract", items=["uscc", "name"],
                            purpose=CREDIT, legal_basis=BASIS, valid_until=_until(),
                            quota_calls=5)
    frame = hub.load_as_spark(order, spark_engine.spark)
    table = hub.load_as_arrow(order)
    assert frame.count() == table.num_rows > 0
    assert sorted(r["uscc"] for r in frame.select("uscc").collect()) == sorted(
        table.column("uscc").to_pylist())


def test_rate_limited_requests_are_retried(ingested, tmp_path):
    with live_api(ingested, tmp_path / "api", rate_limit_per_client=3,
                  rate_limit_window_seconds=1) as live:
        client_id, secret = live.secrets["requester"]
        profile = write_profile(tmp_path / "p", str(live.http.base_url), client_id,
                                client_secret=secret)
        with HubClient.from_profile(profile) as hub:
            answers = [hub.me()["client_id"] for _ in range(8)]
            assert answers == ["mz-system"] * 8
            order = hub.place_order("sj.enterprises", mode="extract", items=["uscc"],
                                    purpose=CREDIT, legal_basis=BASIS, valid_until=_until(),
                                    quota_calls=1)
            assert isinstance(hub.load_as_arrow(order), pa.Table)
            with pytest.raises(QuotaExhausted):  # a used-up quota is not waited for
                hub.load_as_arrow(order)
        with live.hub.store.session() as s:
            refused = dict(s.execute(
                select(AuditEntry.route, func.count()).where(
                    AuditEntry.client_id == "mz-system", AuditEntry.status == 429)
                .group_by(AuditEntry.route)).all())
            quota = s.scalar(select(func.count()).where(
                AuditEntry.order_id == order["id"], AuditEntry.status == 429,
                AuditEntry.detail["rate_limit"].as_string().is_(None)))
        assert refused.get("/v1/me", 0) >= 1  # the limiter refused some; each was retried
        assert quota == 1


def test_lists_are_read_page_after_page(ingested, tmp_path):
    with live_api(ingested, tmp_path / "api", max_page_size=2) as live:
        client_id, secret = live.secrets["requester"]
        with HubClient(str(live.http.base_url), client_id, client_secret=secret) as hub:
            placed = [hub.place_order("sj.enterprises", mode="extract", items=["uscc"],
                                      purpose=CREDIT, legal_basis=BASIS, valid_until=_until(),
                                      quota_calls=5)["id"] for _ in range(5)]
            for _ in range(3):
                hub.load_as_arrow(placed[0])
            assert sorted(o["id"] for o in hub.list_orders()) == sorted(placed)
            assert len(hub.deliveries(placed[0])) == 3
            first = live.http.get("/v1/orders", headers=live.as_("requester")).json()
            assert (len(first["items"]), first["total"]) == (2, 5)  # the hub did page
