"""Runs launched the way the Dagster daemon launches them execute every step in one process."""

import os

import dagster as dg
import pytest

from catalog import get_settings
from pipelines.definitions import build_definitions
from tests.conftest import open_registry
from tests.pipelines.helpers import MEMBERS_HEADER, deliver

pytestmark = pytest.mark.slow


def ingest_all_job() -> dg.JobDefinition:
    """The job as a launched run loads it: definitions built from the process's settings (the
    module-level `defs` may have been built, at its import, for another test's home)."""
    get_settings.cache_clear()
    return build_definitions(get_settings()).resolve_job_def("ingest_all")


def test_a_launched_run_executes_its_steps_in_its_own_process(settings):
    deliver(settings, "mz.members", "20261101T020000.csv",
            f"{MEMBERS_HEADER}\nMZ2026000001,441302199001011234,张三,本人\n".encode("gbk"))
    selection = [dg.AssetKey([layer, "mz_members"]) for layer in ("raw", "standardised", "published")]
    quiet = {"loggers": {"console": {"config": {"log_level": "WARNING"}}}}
    with dg.instance_for_test() as instance, dg.execute_job(
            dg.reconstructable(ingest_all_job), instance=instance, asset_selection=selection,
            run_config=quiet) as result:
        assert result.success
        started = instance.all_logs(result.run_id, of_type=dg.DagsterEventType.STEP_START)
    assert len(started) >= 3
    assert {entry.dagster_event.pid for entry in started} == {os.getpid()}
    assert open_registry(settings).current_publication("mz.members").rows == 1
