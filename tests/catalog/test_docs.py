"""Every setting is documented in the README, with its variable name."""

from pathlib import Path

import pytest

from catalog.settings import HubSettings

README = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")


@pytest.mark.parametrize("field", sorted(HubSettings.model_fields))
def test_setting_is_documented(field):
    assert f"`HUB_{field.upper()}`" in README
