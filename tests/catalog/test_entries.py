"""The catalog entry life cycle: every valid and invalid transition, who may make it, reasons,
the events it leaves, and the published text overlaying the declaration in `describe`."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy.exc import IntegrityError

from catalog import RESOURCES, EntryStatus, Registry
from catalog import entries as e
from catalog.directory import describe

CODE = "rs.social_insurance"
OFFICER = e.Actor("rs-officer", "rs", frozenset({"reviewer"}))
CDO = e.Actor("hub-cdo", "hub", frozenset({"cdo"}))
ABSTRACT = "惠州市参保人员按月、按险种的社会保险缴费记录，含缴费单位与缴费基数。"
CHANGES = {"abstract": ABSTRACT, "items": {"period": "费款所属期（YYYYMM）"}}


@pytest.fixture
def registry(tmp_path: Path) -> Registry:
    registry = Registry(f"sqlite:///{tmp_path / 'registry.db'}")
    registry.sync_declarations(list(RESOURCES.values()))
    return registry


def _error(code: str, action, *args) -> e.EntryError:
    with pytest.raises(e.EntryError) as info:
        action(*args)
    assert info.value.code == code, info.value.message
    assert info.value.message
    return info.value


def _submitted(registry: Registry) -> e.CatalogRevision:
    e.propose(registry, CODE, CHANGES, OFFICER)
    return e.submit(registry, CODE, OFFICER, "补充口径")


def test_declared_entries_start_published(registry):
    assert {e.entry_status(registry, code) for code in RESOURCES} == {EntryStatus.PUBLISHED}
    assert e.queue(registry) == []
    assert describe(registry, RESOURCES[CODE])["status"] == "published"


def test_propose_submit_publish_overlays_the_catalog(registry):
    declared = RESOURCES[CODE]
    revision = e.propose(registry, CODE, CHANGES, OFFICER)
    assert (revision.status, revision.proposed_by) == ("draft", "rs-officer")
    # A draft and a submitted revision change nothing the catalog says yet.
    assert describe(registry, declared)["abstract"] == declared.abstract
    e.submit(registry, CODE, OFFICER)
    assert [r.id for r in e.queue(registry)] == [revision.id]
    assert e.diff(registry, e.queue(registry)[0]) == [
        e.Change("abstract", declared.abstract, ABSTRACT),
        e.Change("items.period", "", "费款所属期（YYYYMM）")]
    assert describe(registry, declared)["abstract"] == declared.abstract

    published = e.publish(registry, CODE, CDO, "摘要更完整")
    assert (published.status, published.decided_by, published.reason) == (
        "published", "hub-cdo", "摘要更完整")
    shown = describe(registry, declared)
    assert shown["abstract"] == ABSTRACT
    assert next(i for i in shown["items"] if i["name"] == "period")["description"] == \
        "费款所属期（YYYYMM）"
    assert shown["open_revision"] is None
    assert e.queue(registry) == []
    # Codes, types and keys stay the declaration's.
    assert e.effective(declared, registry).key == declared.key


def test_later_revisions_layer_over_earlier_ones(registry):
    _submitted(registry)
    e.publish(registry, CODE, CDO, "一")
    e.propose(registry, CODE, {"items": {"contribution_base": "月缴费基数（元）"}}, OFFICER)
    e.submit(registry, CODE, OFFICER)
    e.publish(registry, CODE, CDO, "二")
    current = e.effective(RESOURCES[CODE], registry)
    assert current.abstract == ABSTRACT  # from the first revision
    assert current.item("contribution_base").description == "月缴费基数（元）"
    assert current.item("period").description == "费款所属期（YYYYMM）"
    assert e.effective_all(registry)[CODE] == current
    assert e.effective_all(registry)["ga.population"] == RESOURCES["ga.population"]


def test_return_to_draft_then_edit_and_resubmit(registry):
    revision = _submitted(registry)
    returned = e.return_to_draft(registry, CODE, CDO, "请说明缴费基数口径")
    assert (returned.id, returned.status, returned.reason) == (
        revision.id, "draft", "请说明缴费基数口径")
    assert e.queue(registry) == []
    edited = e.propose(registry, CODE, {**CHANGES, "items": {
        "contribution_base": "按上年度月平均工资核定"}}, OFFICER)
    assert edited.id == revision.id  # the open draft is edited, not a second one opened
    e.submit(registry, CODE, OFFICER)
    e.publish(registry, CODE, CDO, "已补充")
    assert [(ev.action, ev.from_status, ev.to_status) for ev in e.history(registry, CODE)] == [
        ("proposed", None, "draft"), ("submitted", "draft", "submitted"),
        ("returned", "submitted", "draft"), ("edited", "draft", "draft"),
        ("submitted", "draft", "submitted"), ("published", "submitted", "published")]


def test_retire_and_republish(registry):
    entry = e.retire(registry, CODE, CDO, "已由省级平台统一提供")
    assert (EntryStatus(entry.status), entry.status_reason) == (
        EntryStatus.RETIRED, "已由省级平台统一提供")
    assert e.entry_status(registry, CODE) is EntryStatus.RETIRED
    shown = describe(registry, RESOURCES[CODE])
    assert (shown["status"], shown["status_reason"]) == ("retired", "已由省级平台统一提供")
    e.republish(registry, CODE, CDO, "省级接口停用，恢复本地目录")
    assert e.entry_status(registry, CODE) is EntryStatus.PUBLISHED
    events = [(ev.subject, ev.action, ev.from_status, ev.to_status, ev.actor, ev.reason)
              for ev in e.history(registry, CODE)]
    assert events == [
        ("entry", "retired", "published", "retired", "hub-cdo", "已由省级平台统一提供"),
        ("entry", "republished", "retired", "published", "hub-cdo", "省级接口停用，恢复本地目录")]
    assert all(ev.at is not None and ev.actor_department == "hub"
               for ev in e.history(registry, CODE))


def test_a_retired_open_resource_is_not_open(registry):
    enterprises = RESOURCES["sj.enterprises"]
    assert e.is_open(registry, enterprises)
    assert not e.is_open(registry, RESOURCES["ga.population"])
    e.retire(registry, "sj.enterprises", CDO, "数据源变更")
    assert not e.is_open(registry, enterprises)


@pytest.mark.parametrize(("setup", "action", "code"), [
    # Nothing open: nothing to submit, publish or return.
    ("none", "submit", "invalid_transition"),
    ("none", "publish", "invalid_transition"),
    ("none", "return_to_draft", "invalid_transition"),
    # A draft is not yet the CDO's to decide.
    ("draft", "publish", "invalid_transition"),
    ("draft", "return_to_draft", "invalid_transition"),
    # A submitted revision cannot be submitted again, nor edited until it is decided.
    ("submitted", "submit", "invalid_transition"),
    ("submitted", "propose", "revision_pending"),
    # Entries: only published ones retire, only retired ones are re-published.
    ("none", "republish", "invalid_transition"),
    ("retired", "retire", "invalid_transition"),
])
def test_invalid_transitions_are_refused(registry, setup, action, code):
    if setup in ("draft", "submitted"):
        e.propose(registry, CODE, CHANGES, OFFICER)
    if setup == "submitted":
        e.submit(registry, CODE, OFFICER)
    if setup == "retired":
        e.retire(registry, CODE, CDO, "停止")
    before = len(e.history(registry, CODE))
    actor = OFFICER if action in ("submit", "propose") else CDO
    args = {"propose": (CHANGES, actor), "submit": (actor,)}.get(action, (actor, "理由"))
    error = _error(code, getattr(e, action), registry, CODE, *args)
    assert error.status == 409
    assert len(e.history(registry, CODE)) == before  # a refusal leaves no event


@pytest.mark.parametrize("reason", ["", "   ", None, "x" * (e.MAX_REASON + 1)])
@pytest.mark.parametrize("action", ["publish", "return_to_draft", "retire"])
def test_decisions_need_a_reason(registry, action, reason):
    if action != "retire":
        _submitted(registry)
    error = _error("reason_required", getattr(e, action), registry, CODE, CDO, reason)
    assert error.status == 422


def test_republish_needs_a_reason(registry):
    e.retire(registry, CODE, CDO, "停止")
    _error("reason_required", e.republish, registry, CODE, CDO, " ")
    assert e.entry_status(registry, CODE) is EntryStatus.RETIRED


@pytest.mark.parametrize("actor", [
    e.Actor("ga-officer", "ga", frozenset({"reviewer"})),  # another department's officer
    e.Actor("rs-requester", "rs", frozenset({"requester"})),  # the provider, not its officer
    CDO,  # the CDO decides; the department proposes
    e.Actor("nobody", "rs", frozenset()),
])
def test_only_the_providers_officer_proposes_and_submits(registry, actor):
    error = _error("forbidden", e.propose, registry, CODE, CHANGES, actor)
    assert error.status == 403
    e.propose(registry, CODE, CHANGES, OFFICER)
    _error("forbidden", e.submit, registry, CODE, actor)
    assert e.pending(registry, CODE).status == "draft"


@pytest.mark.parametrize("action", ["publish", "return_to_draft", "retire"])
def test_only_the_cdo_decides(registry, action):
    _submitted(registry)
    for actor in (OFFICER, e.Actor("auditor", "hub", frozenset({"auditor", "admin"}))):
        _error("forbidden", getattr(e, action), registry, CODE, actor, "理由")
    assert e.pending(registry, CODE).status == "submitted"
    assert e.entry_status(registry, CODE) is EntryStatus.PUBLISHED


@pytest.mark.parametrize("changes", [
    {},
    {"name": "社保"},  # a name is declared, not revised here
    {"items": {"period": "x"}, "codes": ["养老"]},
    {"items": {"nonexistent": "x"}},
    {"items": {"period": ""}},
    {"items": {"period": "x" * (e.MAX_DESCRIPTION + 1)}},
    {"items": []},
    {"abstract": "   "},
    {"abstract": 42},
    {"abstract": RESOURCES[CODE].abstract},  # changes nothing
    "abstract",
])
def test_invalid_changes_are_refused(registry, changes):
    error = _error("invalid_change", e.propose, registry, CODE, changes, OFFICER)
    assert error.status == 422
    assert e.pending(registry, CODE) is None


def test_unknown_entries_are_not_found(registry):
    for action, args in ((e.propose, (CHANGES, OFFICER)), (e.submit, (OFFICER,)),
                         (e.publish, (CDO, "x")), (e.retire, (CDO, "x"))):
        assert _error("not_found", action, registry, "xx.nothing", *args).status == 404
    _error("not_found", e.history, registry, "xx.nothing")
    _error("not_found", e.entry_status, registry, "xx.nothing")


def test_at_most_one_open_revision_even_if_two_are_written_at_once(registry):
    e.propose(registry, CODE, CHANGES, OFFICER)
    with pytest.raises(IntegrityError), registry.session() as s:
        s.add(e.CatalogRevision(resource_code=CODE, status="draft", changes=CHANGES,
                                proposed_by="other", department="rs"))
    # A published revision is not open: another may be proposed beside it.
    e.submit(registry, CODE, OFFICER)
    e.publish(registry, CODE, CDO, "已核")
    assert e.propose(registry, CODE, {"items": {"period": "所属期"}}, OFFICER).status == "draft"
    assert len(e.revisions(registry, CODE)) == 2
