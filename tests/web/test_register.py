"""Registering resources in the web app: public security's data officer uploads its directory
sheet, the chief data officer publishes the registration from the queue, and the catalog shows
the new resource; a bad sheet is refused row by row and imports nothing."""

from __future__ import annotations

import re

import pytest

from catalog import HubSettings
from exchange.app import create_app
from exchange.clients import create_client
from tests.catalog.test_directory_import import _only
from tests.web.conftest import PASSWORD, PEOPLE, Web, parse


@pytest.fixture
def web(tmp_path) -> Web:
    """The web app on a home of its own: a publication writes into the home's city, which
    the shared test lake's must not see."""
    app = create_app(HubSettings(home=tmp_path / "hub"))
    for user_name, department, role in PEOPLE.values():
        create_client(app.state.hub.store, user_name, f"{user_name} (test person)", department,
                      [role], kind="user", password=PASSWORD)
    return Web(app, app.state.hub.settings)


def _csv(rows: list[list[str]]) -> bytes:
    import csv
    import io

    out = io.StringIO()
    csv.writer(out).writerows(rows)
    return out.getvalue().encode("utf-8-sig")


def test_an_officer_registers_by_upload_and_the_cdo_publishes(web):
    officer = web.client("reviewer")
    form = officer.get("/register")
    assert form.status_code == 200 and 'enctype="multipart/form-data"' in form.text
    csrf = parse(form.text).values["csrf"]
    sheet = _csv(_only("ga.residence_permits"))
    done = officer.post("/register", data={"csrf": csrf},
                        files={"sheet": ("居住证目录.csv", sheet, "text/csv")})
    assert done.status_code == 200, done.text
    assert re.search(r"1 registered, 0 revised, 0 unchanged", done.text)

    cdo = web.client("cdo")
    queue = cdo.get("/queue").text
    assert 'action="/queue/entries/ga.residence_permits/publish"' in queue and "居住证登记" in queue
    published = cdo.post("/queue/entries/ga.residence_permits/publish",
                         data={"reason": "目录要素齐全", "csrf": web.csrf("cdo")})
    assert published.status_code == 303, published.text
    page = cdo.get("/resources/ga.residence_permits")
    assert page.status_code == 200 and "居住证登记" in page.text

    again = officer.post("/register", data={"csrf": csrf},
                         files={"sheet": ("居住证目录.csv", sheet, "text/csv")})
    assert "0 registered, 0 revised, 1 unchanged" in again.text


def test_a_refused_sheet_imports_nothing_and_others_may_not_upload(web):
    officer = web.client("reviewer")
    csrf = parse(officer.get("/register").text).values["csrf"]
    rows = _only("ga.residence_permits")
    rows[2][rows[0].index("信息项类型")] = "颜色型"
    refused = officer.post("/register", data={"csrf": csrf},
                           files={"sheet": ("bad.csv", _csv(rows), "text/csv")})
    assert refused.status_code == 422 and "nothing was imported" in refused.text
    assert "颜色型" in refused.text or "信息项类型" in refused.text
    assert "ga.residence_permits" not in web.client("cdo").get("/queue").text
    assert web.client("requester").get("/register").status_code == 403
    wrong = officer.post("/register", data={"csrf": "forged"},
                         files={"sheet": ("a.csv", _csv(rows), "text/csv")})
    assert wrong.status_code == 403
