"""The landing sensor as the daemon evaluates it: Dagster's own tick evaluation against the
loaded `Definitions`, which checks each RunRequest's target (calling the function does not)."""

import dagster as dg

from catalog import delivered_resources
from pipelines.definitions import defs
from pipelines.sensors import INGEST_JOB


def _tick(instance: dg.DagsterInstance) -> list[dg.RunRequest]:
    repository = defs.get_repository_def()
    sensor = repository.get_sensor_def("landing_sensor")
    # The definitions' own resources, as the daemon's code server binds them.
    with dg.build_sensor_context(instance=instance, definitions=defs, sensor_name=sensor.name,
                                 resources=dict(repository.get_top_level_resources())) as context:
        return list(sensor.evaluate_tick(context).run_requests or [])


def test_a_tick_targets_the_ingest_job_and_its_run_publishes(settings):
    with dg.instance_for_test() as instance:
        requests = _tick(instance)
        assert {r.tags["resource"] for r in requests} == {r.code for r in delivered_resources()}
        # A request names no job: the daemon launches the sensor's one target.
        assert defs.get_repository_def().get_sensor_def("landing_sensor").job_name == INGEST_JOB
        assert {r.job_name for r in requests} <= {None, INGEST_JOB}
        request = next(r for r in requests if r.tags["resource"] == "mz.members")
        assert set(request.asset_selection) == {
            dg.AssetKey([layer, "mz_members"]) for layer in ("raw", "standardised", "published")}

        # The run the daemon would launch for it: the job, with the request's selection and tags.
        job = defs.resolve_job_def(INGEST_JOB)
        quiet = {"loggers": {"console": {"config": {"log_level": "WARNING"}}}}
        result = job.execute_in_process(instance=instance, asset_selection=request.asset_selection,
                                        tags=request.tags, run_config=quiet)
        assert result.success
        published = instance.get_latest_materialization_event(
            dg.AssetKey(["published", "mz_members"]))
        assert published is not None

        # Nothing new for that resource: the next tick asks for the others only.
        assert "mz.members" not in {r.tags["resource"] for r in _tick(instance)}
