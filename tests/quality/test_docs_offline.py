"""Data Docs offline: every address GX's page templates load is replaced by a file the hub
ships (or dropped), so a GX upgrade that adds a CDN fails here, not on an offline network."""

from __future__ import annotations

import re
from pathlib import Path

import great_expectations

from quality.docs_offline import ASSETS, CDN, localised

TEMPLATES = Path(great_expectations.__file__).parent / "render" / "view" / "templates"
LOADED = re.compile(r'<(?:script|link|img)\b[^>]*?\b(?:src|href)="(https?://[^"{]+)"')


def _template_text() -> str:
    return "\n".join(p.read_text(encoding="utf-8") for p in sorted(TEMPLATES.glob("*.j2")))


def test_every_shipped_replacement_exists():
    assert all((ASSETS / name).is_file() for name in CDN.values())
    css = (ASSETS / "fontawesome" / "css" / "all.min.css").read_text()
    fonts = set(re.findall(r"\.\./webfonts/([a-z0-9-]+\.woff2)", css))
    assert fonts and all((ASSETS / "fontawesome" / "webfonts" / f).is_file() for f in fonts)


def test_no_address_gx_templates_load_survives():
    text = _template_text()
    assert LOADED.findall(text)  # the templates do name CDNs (else this test checks nothing)
    assert LOADED.findall(localised(text, "static")) == []


def test_the_logo_comes_from_the_docs_own_images_without_the_tracking_query():
    page = ('<img class="NO-CACHE" src="https://great-expectations-web-assets.s3.us-east-2.'
            'amazonaws.com/logo-long.png?d=0f1e2d3c" alt="Great Expectations"/>')
    assert localised(page, "../../static") == (
        '<img class="NO-CACHE" src="../../static/images/logo-long.png" alt="Great Expectations"/>')
