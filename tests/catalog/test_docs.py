"""Every setting is documented in the README, with its variable name; the submission contract
and the cross-check rules are documented in the repository (docs/) and code cites them there."""

from pathlib import Path

import pytest

from catalog.resources import delivered_resources
from catalog.settings import HubSettings
from policies.crosscheck_config import RULE_NAMES

ROOT = Path(__file__).resolve().parents[2]
README = (ROOT / "README.md").read_text(encoding="utf-8")
CONTRACT = (ROOT / "docs" / "contract.md").read_text(encoding="utf-8")
CROSSCHECK = (ROOT / "docs" / "crosscheck.md").read_text(encoding="utf-8")


@pytest.mark.parametrize("field", sorted(HubSettings.model_fields))
def test_setting_is_documented(field):
    assert f"`HUB_{field.upper()}`" in README


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
