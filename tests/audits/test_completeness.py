"""catalog_completeness: undescribed or unclassified entries and data items, read from the
catalog as the registry holds it."""

from __future__ import annotations

from datetime import UTC, datetime

from catalog import EntryStatus, entries, resource
from catalog.audits import catalog_completeness
from catalog.entries import Actor
from catalog.findings import Severity
from catalog.registry import ResourceEntry


def _plant(registry, code: str, change) -> None:
    with registry.session() as s:
        entry = s.get(ResourceEntry, code)
        declaration = dict(entry.declaration)
        change(declaration)
        entry.declaration = declaration


def _of(result, code: str) -> dict[str, object]:
    return {f.key: f for f in result.findings if f.subject == f"resource:{code}"}


def test_the_declared_catalog_has_only_undescribed_items(city_settings, registry):
    result = catalog_completeness(city_settings, datetime.now(UTC))
    vehicles = resource("ga.vehicles")
    found = _of(result, "ga.vehicles")
    assert set(found) == {"undescribed_items"}
    assert found["undescribed_items"].severity is Severity.INFO
    assert found["undescribed_items"].evidence["items"] == [
        i.name for i in vehicles.items if not i.description]
    assert _of(result, "hub.audit_findings") == {}  # every item described and classified
    assert result.checked["resources"] >= 12


def test_unclassified_and_undescribed_entries_are_found(city_settings, registry):
    def damage(declaration: dict) -> None:
        declaration["abstract"] = " "
        items = {i["name"]: dict(i) for i in declaration["items"]}
        items["owner_name"]["sensitivity"] = "none"  # a NAME item untagged
        items["brand"].update(zh_name="联系电话")  # reads as a phone number, tagged none
        items["owner_id_number"]["grade"] = "一般"  # personal data graded general
        items["vehicle_type"]["codes"] = []
        declaration["items"] = list(items.values())

    _plant(registry, "ga.vehicles", damage)
    found = _of(catalog_completeness(city_settings, datetime.now(UTC)), "ga.vehicles")
    assert {k: f.severity for k, f in found.items()} == {
        "abstract": Severity.WARNING,
        "item:owner_name:sensitivity": Severity.HIGH,
        "item:brand:sensitivity": Severity.WARNING,
        "item:owner_id_number:grade": Severity.WARNING,
        "item:vehicle_type:codes": Severity.WARNING,
        "undescribed_items": Severity.INFO,
    }
    assert "联系电话" in found["item:brand:sensitivity"].message


def test_descriptions_published_as_a_revision_count(city_settings, registry):
    officer = Actor("ga-data-officer", "ga", frozenset({"reviewer"}))
    cdo = Actor("hub-cdo", "hub", frozenset({"cdo"}))
    items = {"plate_number": "号牌号码，含省份简称", "brand": "厂牌"}
    entries.propose(registry, "ga.vehicles", {"items": items}, officer)
    entries.submit(registry, "ga.vehicles", officer)
    entries.publish(registry, "ga.vehicles", cdo, "口径清楚")
    found = _of(catalog_completeness(city_settings, datetime.now(UTC)), "ga.vehicles")
    assert found["undescribed_items"].evidence["items"] == [
        i.name for i in resource("ga.vehicles").items if i.name not in items]


def test_a_retired_entry_is_not_audited(city_settings, registry):
    _plant(registry, "ga.vehicles", lambda d: d.update(abstract=""))
    with registry.session() as s:
        s.get(ResourceEntry, "ga.vehicles").status = EntryStatus.RETIRED
    assert _of(catalog_completeness(city_settings, datetime.now(UTC)), "ga.vehicles") == {}
