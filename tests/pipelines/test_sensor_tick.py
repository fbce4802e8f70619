"""The landing sensor as the daemon evaluates it: Dagster's own tick evaluation against the
loaded `Definitions`, which checks each RunRequest's target (calling the function does not)."""

import dagster as dg

from catalog import delivered_resources
from pipelines.definitions import build_definitions
from pipelines.sensors import INGEST_JOB


def _tick(defs: dg.Definitions, instance: dg.DagsterInstance) -> list[dg.RunRequest]:
    repository = defs.get_repository_def()
    sensor = repository.get_sensor_def("landing_sensor")
    # The definitions' own resources, as the daemon's code server binds them.
    with dg.build_sensor_context(instance=instance, definitions=defs, sensor_name=sensor.name,
                                 resources=dict(repository.get_top_level_resources())) as context:
        return list(sensor.evaluate_tick(context).run_requests or [])


def test_a_tick_targets_the_ingest_job_and_its_run_publishes(settings):
    defs = build_definitions(settings)  # as the code server builds them from its settings
    with dg.instance_for_test() as instance:
        requests = _tick(defs, instance)
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
        assert "mz.members" not in {r.tags["resource"] for r in _tick(defs, instance)}


def test_a_resource_published_after_the_load_waits_for_the_reload(tmp_path):
    """A registration published while the daemon runs: its deliveries wait, the tick still
    succeeds for everything else, and the reloaded definitions ingest it."""
    from catalog import HubSettings, open_registry, resource
    from catalog.city import write_declaration

    settings = HubSettings(home=tmp_path / "home", landing=tmp_path / "landing")
    open_registry(settings)
    defs = build_definitions(settings)  # loaded before the publication
    bikes = resource("ga.vehicles").model_copy(update={"code": "ga.bicycles",
                                                       "name": "电动自行车登记"})
    write_declaration(settings.home, bikes)  # what publishing the registration writes
    delivered = settings.landing_dir / "ga.bicycles" / "20261201T020000.csv"
    delivered.parent.mkdir(parents=True)
    delivered.write_text("plate_number\n惠A00001\n", encoding="utf-8")
    with dg.instance_for_test() as instance:
        assert "ga.bicycles" not in {r.tags["resource"] for r in _tick(defs, instance)}
        reloaded = build_definitions(settings)
        assert "ga.bicycles" in {r.tags["resource"] for r in _tick(reloaded, instance)}
