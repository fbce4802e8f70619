"""The demo leaves one real submitted revision in the chief data officer's queue, and running
it again neither duplicates it nor fails once the revision was decided."""

from __future__ import annotations

from catalog import RESOURCES, Registry
from catalog import entries as e
from pipelines.demo_revision import DEMO_CODE, DEMO_OFFICER, submit_demo_revision

CDO = e.Actor("hub-cdo", "hub", frozenset({"cdo"}))


def test_demo_revision_is_submitted_once(tmp_path):
    registry = Registry(f"sqlite:///{tmp_path / 'registry.db'}")
    registry.sync_declarations(list(RESOURCES.values()))
    assert "submitted" in submit_demo_revision(registry)
    (queued,) = e.queue(registry)
    assert (queued.resource_code, queued.proposed_by) == (DEMO_CODE, DEMO_OFFICER.name)
    assert {c.field for c in e.diff(registry, queued)} == {
        "abstract", "items.period", "items.contribution_base"}
    assert "already submitted" in submit_demo_revision(registry)
    assert len(e.revisions(registry, DEMO_CODE)) == 1

    e.return_to_draft(registry, DEMO_CODE, CDO, "请补充报送时间")
    submit_demo_revision(registry)  # the returned draft is submitted again, not duplicated
    assert [r.id for r in e.queue(registry)] == [queued.id]

    e.publish(registry, DEMO_CODE, CDO, "口径清楚")
    assert "changes nothing" in submit_demo_revision(registry)
    assert e.queue(registry) == []
    assert e.effective(RESOURCES[DEMO_CODE], registry).abstract.startswith("惠州市参保人员")
