"""Data Docs that work offline: GX's pages load Bootstrap, jQuery, Font Awesome and friends from
CDNs and their logo from GX's bucket (with the data context's id: a tracking request). After
each build the hub rewrites every page to read the copies it ships (`quality/docs_assets`,
copied beside the pages) and its own copy of the logo, and drops the Vega scripts (graphs of
profiling pages, which the hub does not build), so a page renders complete with the network
cut and no request leaves the machine."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

__all__ = ["ASSETS", "CDN", "localise_data_docs"]

ASSETS = Path(__file__).with_name("docs_assets")
_LOCAL = "static/hub"  # under the docs root
# Every external address GX 1.24's templates load, and the shipped file that replaces it.
CDN = {
    "https://maxcdn.bootstrapcdn.com/bootstrap/4.3.1/css/bootstrap.min.css": "bootstrap.min.css",
    "https://stackpath.bootstrapcdn.com/bootstrap/4.3.1/js/bootstrap.min.js": "bootstrap.min.js",
    "https://code.jquery.com/jquery-3.7.1.min.js": "jquery.min.js",
    "https://cdnjs.cloudflare.com/ajax/libs/popper.js/1.12.9/umd/popper.min.js": "popper.min.js",
    "https://unpkg.com/bootstrap-table@1.19.1/dist/bootstrap-table.min.css":
        "bootstrap-table.min.css",
    "https://unpkg.com/bootstrap-table@1.19.1/dist/bootstrap-table.min.js":
        "bootstrap-table.min.js",
    "https://unpkg.com/bootstrap-table@1.19.0/dist/extensions/filter-control/"
    "bootstrap-table-filter-control.css": "bootstrap-table-filter-control.min.css",
    "https://unpkg.com/bootstrap-table@1.19.0/dist/extensions/filter-control/"
    "bootstrap-table-filter-control.min.css": "bootstrap-table-filter-control.min.css",
    "https://unpkg.com/bootstrap-table@1.19.1/dist/extensions/filter-control/"
    "bootstrap-table-filter-control.min.js": "bootstrap-table-filter-control.min.js",
    "https://cdnjs.cloudflare.com/ajax/libs/bootstrap-datepicker/1.9.0/css/"
    "bootstrap-datepicker.min.css": "bootstrap-datepicker.min.css",
    "https://cdnjs.cloudflare.com/ajax/libs/bootstrap-datepicker/1.9.0/js/"
    "bootstrap-datepicker.min.js": "bootstrap-datepicker.min.js",
    "https://cdn.jsdelivr.net/npm/@forevolve/bootstrap-dark@1.1.0/dist/css/"
    "bootstrap-prefers-dark.css": "bootstrap-prefers-dark.min.css",
    "https://cdnjs.cloudflare.com/ajax/libs/font-awesome/6.6.0/css/all.min.css":
        "fontawesome/css/all.min.css",
}
_DROPPED = (  # whole tags: Vega draws profiling graphs only
    '<script src="https://cdn.jsdelivr.net/npm/vega@5"></script>',
    '<script src="https://cdn.jsdelivr.net/npm/vega-lite@5"></script>',
    '<script src="https://cdn.jsdelivr.net/npm/vega-embed@6"></script>',
    # subresource integrity with CORS: a local file (file://) would be refused
    ' integrity="sha384-ApNbgh9B+Y1QKtv3Rn7W3mgPxhU9K/ScQsAP7hUibX39j7fakFPskvXusvfa0b4Q"'
    ' crossorigin="anonymous"',
    ' integrity="sha384-JjSmVgyd0p3pXB1rRibZUAYoIIy6OrQ6VrjIEaFf/nJGzIxFDsf4x0xIM+B07jRM"'
    ' crossorigin="anonymous"',
)
_BUCKET = '"https://great-expectations-web-assets.s3.us-east-2.amazonaws.com/'


def localise_data_docs(docs: Path) -> int:
    """Ship the assets into `docs` and rewrite every page that still names an outside address;
    returns the pages rewritten (pages already local are left alone)."""
    if not docs.is_dir():
        return 0
    shutil.copytree(ASSETS, docs / _LOCAL, dirs_exist_ok=True,
                    ignore=shutil.ignore_patterns("*.md", "*.txt"))
    rewritten = 0
    for page in docs.rglob("*.html"):
        text = page.read_text(encoding="utf-8")
        if "https://" not in text:
            continue
        local = localised(text, os.path.relpath(docs / "static", page.parent))
        if local != text:
            page.write_text(local, encoding="utf-8")
            rewritten += 1
    return rewritten


def localised(text: str, static: str) -> str:
    """The page with every loaded address made local; `static` is the relative path from the
    page to the docs' `static` folder."""
    for tag in _DROPPED:
        text = text.replace(tag, "")
    for url, name in CDN.items():
        text = text.replace(f'"{url}"', f'"{static}/hub/{name}"')
    while (start := text.find(_BUCKET)) >= 0:  # the logo, with the context id as a query
        end = text.index('"', start + 1)
        name = text[start + len(_BUCKET):end].split("?", 1)[0]
        text = f'{text[:start]}"{static}/images/{name}"{text[end + 1:]}'
    return text
