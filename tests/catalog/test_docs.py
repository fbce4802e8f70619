"""Every setting is documented in the README, with its variable name."""

from pathlib import Path

import pytest

from catalog.settings import HubSettings

README = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")


@pytest.mark.parametrize("field", sorted(HubSettings.model_fields))
def test_setting_is_documented(field):
    assert f"`HUB_{field.upper()}`" in README


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
