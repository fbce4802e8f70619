"""PII discovery finds personal data in columns the catalog does not declare as personal."""

from __future__ import annotations

from catalog import Sensitivity, resource
from catalog.identifiers import id_check_char
from quality import discover_pii

ID = "44130219800101001" + id_check_char("44130219800101001")
CARD = "6222020200112233446"  # 19 digits, Luhn-valid


def _vehicles(parquet, brand_sql: str):
    return parquet(f"SELECT '粤L' || range AS plate_number, 'x' AS plate_number_orig, "
                   f"'{ID}' AS owner_id_number, '{ID}' AS owner_id_number_orig, "
                   f"{brand_sql} AS brand, {brand_sql} AS brand_orig FROM range(200)")


def test_planted_mobile_numbers_in_an_undeclared_column_are_reported(hub_settings, parquet):
    path = _vehicles(parquet, "'13' || lpad((range * 7919 % 1000000000)::VARCHAR, 9, '0')")
    findings = discover_pii(hub_settings, resource("ga.vehicles"), [path])
    assert sorted((f.item, f.column, f.kind, f.declared, f.expected, f.share) for f in findings) == [
        ("brand", "brand", "mobile", "none", "phone", 1.0),
        ("brand", "brand_orig", "mobile", "none", "phone", 1.0),
    ]
    assert all("*" in f.example for f in findings)


def test_declared_columns_and_ordinary_values_are_not_reported(hub_settings, parquet):
    path = _vehicles(parquet, "['比亚迪', '广汽', '五菱'][1 + (range % 3)::INTEGER]")
    assert discover_pii(hub_settings, resource("ga.vehicles"), [path]) == []


def test_bank_cards_and_ids_need_valid_check_digits(hub_settings, parquet):
    bad_card = CARD[:-1] + str((int(CARD[-1]) + 1) % 10)
    path = _vehicles(parquet, f"CASE WHEN range % 2 = 0 THEN '{CARD}' ELSE '{bad_card}' END")
    (finding, _orig) = discover_pii(hub_settings, resource("ga.vehicles"), [path])
    assert (finding.kind, finding.share) == ("bank_card", 0.5)


def test_an_address_column_declared_as_nothing_is_found(hub_settings, parquet):
    population = resource("ga.population")
    items = tuple(i.model_copy(update={"sensitivity": Sensitivity.NONE}) if i.name == "address"
                  else i for i in population.items)
    undeclared = population.model_copy(update={"items": items})
    path = parquet("SELECT '惠州市惠城区河南岸街道演达路' || range || '号' AS address, "
                   "'x' AS address_orig FROM range(100)")
    findings = discover_pii(hub_settings, undeclared, [path])
    assert [(f.item, f.column, f.kind) for f in findings] == [("address", "address", "address")]
    assert discover_pii(hub_settings, population, [path]) == []
