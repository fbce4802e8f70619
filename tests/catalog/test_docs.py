"""Everything a user configures or calls is documented (as datasette's tests/test_docs.py):
every setting in the README with its variable name, every API route in the sharing API's
route list, every scheduled audit in the README's audit table, every rule of the default
access policy in the policy docs; the submission contract and the cross-check rules are in
the repository (docs/) and code cites them there."""

from pathlib import Path

import pytest

from catalog.audit_plugins import discover
from catalog.resources import delivered_resources
from catalog.settings import HubSettings
from exchange import create_app
from policies.crosscheck_config import RULE_NAMES
from policies.policy import default_policy

ROOT = Path(__file__).resolve().parents[2]
README = (ROOT / "README.md").read_text(encoding="utf-8")
CONTRACT = (ROOT / "docs" / "contract.md").read_text(encoding="utf-8")
CROSSCHECK = (ROOT / "docs" / "crosscheck.md").read_text(encoding="utf-8")
SHARING_API = (ROOT / "docs" / "sharing-api.md").read_text(encoding="utf-8")
POLICIES_API = (ROOT / "docs" / "policies-api.md").read_text(encoding="utf-8")


@pytest.mark.parametrize("field", sorted(HubSettings.model_fields))
def test_setting_is_documented(field):
    assert f"`HUB_{field.upper()}`" in README


def test_every_route_is_documented(tmp_path):
    """Each operation of the API's OpenAPI document is a row of the route list."""
    app = create_app(HubSettings(home=tmp_path / "hub"))
    routes = [f"{method.upper()} {path}" for path, operations in app.openapi()["paths"].items()
              for method in operations]
    assert routes
    assert [r for r in routes if f"| `{r}` |" not in SHARING_API] == []


@pytest.mark.parametrize("audit", sorted(discover()))
def test_scheduled_audit_is_documented(audit):
    assert f"| `{audit}` |" in README


@pytest.mark.parametrize("rule", [r.id for r in (*default_policy().resource_rules,
                                                 *default_policy().item_rules)])
def test_policy_rule_is_documented(rule):
    assert f"| `{rule}` |" in POLICIES_API


@pytest.mark.parametrize("resource", delivered_resources(), ids=lambda r: r.code)
def test_delivered_resource_is_in_the_contract(resource):
    """Each declared delivery has its section, and every data item's delivered name in it."""
    heading = f"### `{resource.code}`"
    assert heading in CONTRACT
    section = CONTRACT.split(heading, 1)[1].split("\n### ", 1)[0]
    for item in resource.items:
        assert f"| `{item.source}` | `{item.name}` " in section, item.name


@pytest.mark.parametrize("rule", RULE_NAMES)
def test_crosscheck_rule_is_documented(rule):
    assert f"| `{rule}` |" in CROSSCHECK


def test_code_cites_the_docs_in_the_repository():
    """No module cites a specification that lives outside the repository."""
    outside = "shared" + "/spec"  # not one literal, so this file does not cite it
    citing = [
        str(path.relative_to(ROOT))
        for package in ("catalog", "pipelines", "quality", "exchange", "policies", "tests")
        for path in (ROOT / package).rglob("*")
        if path.suffix in (".py", ".toml") and outside in path.read_text(encoding="utf-8")
    ]
    assert citing == []


def test_every_id_number_in_the_docs_passes_its_check_digit():
    """An example a reader copies must be a valid GB 11643 number (18 digits, check char)."""
    import re

    from catalog.identifiers import is_valid_id

    root = Path(__file__).resolve().parents[2]
    texts = [README, *(p.read_text(encoding="utf-8") for p in (root / "docs").glob("*.md"))]
    found = {m for text in texts for m in re.findall(r"(?<![0-9])[0-9]{17}[0-9X](?![0-9])", text)
             if m[6:8] in ("19", "20")}  # a birth year: an ID number, not some other long number
    assert found
    assert sorted(i for i in found if not is_valid_id(i)) == []
