"""Registering resources and revising their schemas: a department's data officer proposes a
declaration, the chief data officer publishes or returns it. The rules are `catalog.entries`'s
(the review workflow text revisions use); the declaration is checked as a city's declaration
files are (`catalog.city`, `docs/schema/resource.schema.json`)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path
from pydantic import BaseModel, ConfigDict, Field

from catalog import RESOURCES, entries
from catalog.i18n import _
from exchange.access import Caller, authorize
from exchange.deps import CurrentCaller, HubDep
from exchange.errors import ApiError
from exchange.paging import Page, PagingDep
from exchange.roles import Action
from exchange.schemas import Instant

router = APIRouter(prefix="/v1", tags=["registration"])
Code = Annotated[str, Path(max_length=64, pattern=r"^[a-z]+\.[a-z_]+$")]


class DeclarationIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    declaration: dict[str, Any] = Field(
        description="The resource's declaration as its file holds it "
                    "(docs/schema/resource.schema.json; `provider` a department code).")


class Note(BaseModel):
    model_config = ConfigDict(extra="forbid")

    note: str = Field(default="", max_length=2000)


class Decision(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: str = Field(min_length=1, max_length=2000, description="Recorded in the history.")


class ChangeOut(BaseModel):
    field: str
    current: str
    proposed: str


class RevisionOut(BaseModel):
    id: int
    resource_code: str
    kind: str = Field(description="`registration` (a new resource), `schema` (a declaration "
                                  "revision) or `text`.")
    status: str = Field(description="draft, submitted or published")
    proposed_by: str
    department: str
    created_at: Instant
    submitted_at: Instant | None
    decided_by: str | None
    reason: str
    changes: list[ChangeOut]


def _actor(caller: Caller) -> entries.Actor:
    return entries.Actor(caller.client_id, caller.department, frozenset(caller.roles))


def _kind(registry, revision: entries.CatalogRevision) -> str:
    """A declaration revision registers a resource if the resource's history starts with it
    (a resource declared in the city's files has none), else it revises the schema."""
    if "declaration" not in revision.changes:
        return "text"
    if revision.status != "published":
        return "schema" if revision.resource_code in RESOURCES else "registration"
    first = entries.history(registry, revision.resource_code)[0]
    return "registration" if first.revision_id == revision.id else "schema"


def _out(hub, revision: entries.CatalogRevision) -> RevisionOut:
    registry = hub.store.registry
    changes = entries.diff(registry, revision) if revision.status != "published" else []
    return RevisionOut(
        id=revision.id, resource_code=revision.resource_code, kind=_kind(registry, revision),
        status=revision.status, proposed_by=revision.proposed_by,
        department=revision.department, created_at=revision.created_at,
        submitted_at=revision.submitted_at, decided_by=revision.decided_by,
        reason=revision.reason,
        changes=[ChangeOut(field=c.field, current=c.current, proposed=c.proposed)
                 for c in changes])


@router.post("/resources", status_code=201, response_model=RevisionOut)
def register(body: DeclarationIn, caller: CurrentCaller, hub: HubDep) -> RevisionOut:
    """Register a new resource of your department: a draft for your data officer to submit."""
    authorize(caller, Action.CATALOG_PROPOSE)
    code = body.declaration.get("code")
    if not isinstance(code, str) or not code:
        raise ApiError(422, "invalid_change", _("The declaration names no code."))
    if code in RESOURCES:
        raise ApiError(409, "exists", _(
            "{code} is catalogued: revise its declaration with "
            "PUT /v1/resources/{code}/declaration.", code=code))
    revision = entries.propose(hub.store.registry, code, {"declaration": body.declaration},
                               _actor(caller))
    return _out(hub, revision)


@router.put("/resources/{code}/declaration", response_model=RevisionOut)
def revise_declaration(code: Code, body: DeclarationIn, caller: CurrentCaller,
                       hub: HubDep) -> RevisionOut:
    """Propose a schema revision of your department's resource (a draft)."""
    authorize(caller, Action.CATALOG_PROPOSE)
    if code not in RESOURCES:
        raise ApiError(404, "not_found", _("No such resource."))
    revision = entries.propose(hub.store.registry, code, {"declaration": body.declaration},
                               _actor(caller))
    return _out(hub, revision)


@router.get("/resources/{code}/revision", response_model=RevisionOut)
def open_revision(code: Code, caller: CurrentCaller, hub: HubDep) -> RevisionOut:
    """The resource's open (draft or submitted) revision and what it would change."""
    authorize(caller, Action.CATALOG_READ)
    revision = entries.pending(hub.store.registry, code)
    if revision is None:
        raise ApiError(404, "not_found", _("{code} has no open revision.", code=code))
    return _out(hub, revision)


@router.post("/resources/{code}/revision/submit", response_model=RevisionOut)
def submit(code: Code, body: Note, caller: CurrentCaller, hub: HubDep) -> RevisionOut:
    """Submit your department's draft for the chief data officer's review."""
    authorize(caller, Action.CATALOG_PROPOSE)
    return _out(hub, entries.submit(hub.store.registry, code, _actor(caller), body.note))


@router.post("/resources/{code}/revision/publish", response_model=RevisionOut)
def publish(code: Code, body: Decision, caller: CurrentCaller, hub: HubDep) -> RevisionOut:
    """Publish the submitted revision (chief data officer): a registered resource enters the
    catalog, deliveries for it are picked up once Dagster reloads its definitions."""
    authorize(caller, Action.CATALOG_REVIEW)
    return _out(hub, entries.publish(hub.store.registry, code, _actor(caller), body.reason))


@router.post("/resources/{code}/revision/return", response_model=RevisionOut)
def return_to_draft(code: Code, body: Decision, caller: CurrentCaller,
                    hub: HubDep) -> RevisionOut:
    """Return the submitted revision to its department as a draft, saying why (CDO)."""
    authorize(caller, Action.CATALOG_REVIEW)
    return _out(hub, entries.return_to_draft(hub.store.registry, code, _actor(caller),
                                             body.reason))


@router.get("/revisions", response_model=Page[RevisionOut])
def review_queue(caller: CurrentCaller, hub: HubDep, paging: PagingDep) -> dict:
    """Revisions submitted for review, the longest waiting first (the CDO's queue)."""
    authorize(caller, Action.QUEUE_READ)
    return paging.cut([_out(hub, r) for r in entries.queue(hub.store.registry)])
