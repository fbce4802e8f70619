"""A batch rejected whole, and one with more rows quarantined than the threshold, notify the
provider department's webhook: the subscription by the `hub notify` command as a subprocess,
ingestion as Dagster runs it, delivery by the notification sensor as the daemon evaluates it
(docs/notifications.md)."""

from __future__ import annotations

import json

import dagster as dg
import pytest

from pipelines.definitions import build_definitions
from tests.cli import clean_env, hub
from tests.conftest import run_ingest
from tests.exchange.receivers import webhook_receiver
from tests.pipelines.helpers import MEMBERS_HEADER, deliver

ID_A = "11010519491231002X"


@pytest.fixture
def landing(tmp_path):
    """An empty landing directory (overrides the noisy city's)."""
    path = tmp_path / "landing"
    path.mkdir()
    return path


def _tick(settings) -> str:
    """The notification sensor's tick, as the daemon evaluates it against the Definitions."""
    defs = build_definitions(settings)
    repository = defs.get_repository_def()
    sensor = repository.get_sensor_def("notify_sensor")
    with dg.instance_for_test() as instance, dg.build_sensor_context(
            instance=instance, definitions=defs, sensor_name=sensor.name,
            resources=dict(repository.get_top_level_resources())) as context:
        result = sensor.evaluate_tick(context)
    assert not result.run_requests
    return result.skip_message


def test_rejected_and_quarantined_batches_notify_the_provider(settings):
    env = clean_env(home=settings.home, landing=settings.landing_dir)
    good = [f"C{n},{ID_A},张{n},本人" for n in range(1, 9)]
    deliver(settings, "mz.members", "20261001T020000.csv",
            "\n".join([MEMBERS_HEADER, *good, "C9,1,2", "C10,1,2"]).encode("gbk") + b"\n")
    deliver(settings, "mz.members", "20261101T020000.csv", b"")  # empty: rejected whole
    with webhook_receiver() as receiver:
        added = hub("notify", "add-webhook", receiver.url, "--department", "mz",
                    "--event", "batch.rejected", "--event", "batch.quarantined", env=env)
        assert added.returncode == 0, added.stderr
        receiver.secrets.append(json.loads(added.stdout)["secret"])
        members = [dg.AssetKey([layer, "mz_members"])
                   for layer in ("raw", "standardised", "published")]
        assert run_ingest(settings, members).success
        assert _tick(settings) == "notifications: 2 delivered, 0 to retry, 0 failed"
        assert _tick(settings) == "notifications: 0 delivered, 0 to retry, 0 failed"

    assert all(r.signature_ok for r in receiver.received)
    (rejected,) = receiver.events("batch.rejected")
    assert rejected["data"]["batch_id"] == "20261101T020000"
    # In the hub's language: the suite's, English (tests/conftest.py); Chinese by default.
    assert rejected["title"] == "Data batch rejected" and "mz.members" in rejected["text"]
    assert rejected["departments"] == ["hub", "mz"]
    (quarantined,) = receiver.events("batch.quarantined")
    assert quarantined["data"]["batch_id"] == "20261001T020000"
    assert (quarantined["data"]["rows_in"], quarantined["data"]["rows_quarantined"]) == (10, 2)
    assert "20.0%" in quarantined["text"] and "5.0%" in quarantined["text"]
