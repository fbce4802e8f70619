"""Registering resources from the web app: a department's data officer uploads its directory
spreadsheet (the national cataloguing template, docs/directory-import.md); each new or changed
resource becomes a submitted revision in the chief data officer's queue (`/queue`). The rules
are `catalog.directory_import`'s."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Form, Request, UploadFile
from starlette.responses import Response

from catalog import entries
from catalog.directory_import import import_template
from catalog.i18n import _
from exchange.deps import AuditCtx, HubDep
from exchange.errors import ApiError
from exchange.roles import Action
from exchange.web.core import CurrentUser, WebRoute, check_csrf, page, require

__all__ = ["router"]

router = APIRouter(route_class=WebRoute, include_in_schema=False)
MAX_BYTES = 20 * 1024 * 1024  # a directory of thousands of resources is a few megabytes
SUFFIXES = (".xlsx", ".xlsm", ".csv")


@router.get("/register")
def register_form(request: Request, user: CurrentUser) -> Response:
    """The upload form."""
    require(user, Action.CATALOG_PROPOSE)
    return page(request, "register.html", {"outcome": None, "name": ""}, user=user)


@router.post("/register")
async def register(request: Request, user: CurrentUser, hub: HubDep, record: AuditCtx,
                   sheet: UploadFile | None = None,
                   csrf: Annotated[str, Form(max_length=128)] = "") -> Response:
    """Import the uploaded sheet for the officer's department and show what it did."""
    require(user, Action.CATALOG_PROPOSE)  # before anything of the request is looked at
    check_csrf(user, csrf)
    if sheet is None:
        raise ApiError(422, "invalid_file", _("Choose the directory file to upload."))
    name = Path(sheet.filename or "").name
    if not name.lower().endswith(SUFFIXES):
        raise ApiError(422, "invalid_file", _("Upload the directory as .xlsx or .csv."))
    data = await sheet.read(MAX_BYTES + 1)
    if len(data) > MAX_BYTES:
        raise ApiError(413, "too_large", _("The file is larger than 20 MB."))
    record.detail = {"catalog": "import", "file": name}
    actor = entries.Actor(user.caller.client_id, user.caller.department,
                          frozenset(user.caller.roles))
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / name
        path.write_bytes(data)
        outcome = import_template(hub.store.registry, path, actor)
    return page(request, "register.html", {"outcome": outcome, "name": name},
                status=422 if outcome.problems else 200, user=user)
