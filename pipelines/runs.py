"""Run one job of the hub's Definitions in this process (the `hub` commands), showing its
progress: the steps Dagster has finished, read from the run's event log as it goes."""

from __future__ import annotations

import threading
import uuid

import dagster as dg

from catalog import get_settings
from catalog.progress import Progress
from pipelines.instance import hub_instance

__all__ = ["run_job"]

QUIET = {"loggers": {"console": {"config": {"log_level": "WARNING"}}}}
_FINISHED = {dg.DagsterEventType.STEP_SUCCESS, dg.DagsterEventType.STEP_FAILURE,
             dg.DagsterEventType.STEP_SKIPPED}


def _total(instance: dg.DagsterInstance, run_id: str) -> int | None:
    run = instance.get_run_by_id(run_id)
    if run is None or run.execution_plan_snapshot_id is None:
        return None
    plan = instance.get_execution_plan_snapshot(run.execution_plan_snapshot_id)
    return len(plan.step_keys_to_execute)


def _follow(instance: dg.DagsterInstance, run_id: str, progress: Progress,
            stop: threading.Event) -> None:
    total = None
    while not stop.wait(1.0):
        total = total or _total(instance, run_id)
        finished = instance.all_logs(run_id, of_type=_FINISHED)
        last = finished[-1].step_key if finished else ""
        progress.update(len(finished), last or "", total)


def run_job(name: str, title: str, *, selection: list[dg.AssetKey] | None = None,
            run_config: dict | None = None) -> bool:
    """Run job `name` on the hub's Dagster instance; True if every step succeeded."""
    from pipelines.definitions import defs

    instance = hub_instance(get_settings())
    job = defs.resolve_job_def(name)
    run_id = str(uuid.uuid4())  # Dagster's run ids are UUID4 strings
    stop = threading.Event()
    with Progress(title) as progress:
        follower = threading.Thread(target=_follow, args=(instance, run_id, progress, stop),
                                    daemon=True)
        follower.start()
        try:
            result = job.execute_in_process(instance=instance, asset_selection=selection,
                                            run_config={**QUIET, **(run_config or {})},
                                            run_id=run_id, raise_on_error=False)
        finally:
            stop.set()
            follower.join()
        finished = instance.all_logs(run_id, of_type=_FINISHED)
        progress.update(len(finished), finished[-1].step_key or "" if finished else "",
                        _total(instance, run_id))
    return result.success
