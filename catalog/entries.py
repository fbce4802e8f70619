"""The life cycle of catalog entries: registration, reviewed revisions, retirement.

Declarations are data (`catalog.city`): a declared entry starts *published*. What departments
change goes through a *revision* their data officer proposes and the chief data officer
decides. A revision is either

- text: the abstract and data items' descriptions, overlaid on the declaration; or
- a declaration (`{"declaration": {...}}`): a new resource the department registers, or a
  schema revision of one of its own (items, format, keys, attributes). Published, it is
  written into the home's city as the resource's declaration file, and batches read from
  then on record its schema revision (`Resource.schema_digest`).

    draft ──submit (provider)──▶ submitted ──publish (CDO, reason)──▶ published
      ▲                              │
      └──── return_to_draft (CDO, reason)

A published entry can be retired by the chief data officer (with a reason; new orders for it
are refused, it leaves open data and the DCAT export) and a retired one re-published. An entry
has at most one open (draft or submitted) revision. Published revisions overlay the
declaration, oldest first, wherever the catalog is described (`effective`). Every transition
is a `CatalogEvent`: who, when, from, to and why.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import JSON, Index, Integer, String, Text, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, Session, mapped_column

from catalog.city import ProfileError, declaration_data, parse_declaration, write_declaration
from catalog.errors import CodedError
from catalog.i18n import _
from catalog.model import OpenAttribute, Resource
from catalog.tables import Base, EntryStatus, ResourceEntry, utcnow

if TYPE_CHECKING:  # only annotated: the registry imports this module
    from catalog.registry import Registry
from catalog.resources import DEPARTMENTS, RESOURCES
from catalog.roles import Role

__all__ = [
    "Actor",
    "CatalogEvent",
    "CatalogRevision",
    "Change",
    "EntryError",
    "check_proposal",
    "diff",
    "effective",
    "effective_all",
    "entry_status",
    "entry_statuses",
    "history",
    "is_open",
    "open_revisions",
    "pending",
    "propose",
    "publish",
    "queue",
    "republish",
    "retire",
    "return_to_draft",
    "revisions",
    "subject",
    "submit",
]

MAX_ABSTRACT = 2000
MAX_DESCRIPTION = 500
MAX_REASON = 2000
_OPEN = (EntryStatus.DRAFT.value, EntryStatus.SUBMITTED.value)

class EntryError(CodedError):
    """A catalog change that cannot be made: `code` is stable (one of `CODES`), `message` is
    a clause for a person, `status` is the HTTP status the code stands for."""

    CODES = {"not_found": 404, "forbidden": 403, "invalid_transition": 409,
             "revision_pending": 409, "invalid_change": 422, "reason_required": 422}
    SENTENCES = True


@dataclass(frozen=True)
class Actor:
    """Who acts: a person or client (`name`), their department code and their hub roles."""

    name: str
    department: str
    roles: frozenset[str]


@dataclass(frozen=True)
class Change:
    """One field a revision changes (`abstract` or `items.<name>`): its text now and proposed."""

    field: str
    current: str
    proposed: str


class CatalogRevision(Base):
    """Proposed descriptive text of one entry. `changes` holds only what the proposer changed:
    `abstract` and/or `items` (data item name → description). Status: draft, submitted,
    published (the values of `EntryStatus` a revision goes through)."""

    __tablename__ = "catalog_revisions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    resource_code: Mapped[str] = mapped_column(String(64), index=True)
    status: Mapped[str] = mapped_column(String(16), index=True)
    changes: Mapped[dict] = mapped_column(JSON)
    proposed_by: Mapped[str] = mapped_column(String(128))
    department: Mapped[str] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    submitted_at: Mapped[datetime | None]
    decided_by: Mapped[str | None] = mapped_column(String(128))
    decided_at: Mapped[datetime | None]
    reason: Mapped[str] = mapped_column(Text, default="", doc="The latest decision's reason.")


# At most one open revision per entry, even when two officers propose at the same moment.
_OPEN_WHERE = CatalogRevision.status.in_(_OPEN)
Index("uq_catalog_revisions_open", CatalogRevision.resource_code, unique=True,
      sqlite_where=_OPEN_WHERE, postgresql_where=_OPEN_WHERE)


class CatalogEvent(Base):
    """One transition of an entry (`subject` = entry) or of one of its revisions."""

    __tablename__ = "catalog_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    resource_code: Mapped[str] = mapped_column(String(64), index=True)
    subject: Mapped[str] = mapped_column(String(16))  # entry | revision
    revision_id: Mapped[int | None] = mapped_column(Integer)
    action: Mapped[str] = mapped_column(String(32))
    from_status: Mapped[str | None] = mapped_column(String(16))
    to_status: Mapped[str] = mapped_column(String(16))
    actor: Mapped[str] = mapped_column(String(128))
    actor_department: Mapped[str] = mapped_column(String(32))
    reason: Mapped[str] = mapped_column(Text, default="")
    at: Mapped[datetime] = mapped_column(default=utcnow)




# --- reading ---------------------------------------------------------------------------------

def _declared(code: str) -> Resource:
    try:
        return RESOURCES[code]
    except KeyError:
        raise EntryError("not_found", _("no catalog entry {code!r}", code=code)) from None


def _proposed(revision: CatalogRevision | None) -> Resource | None:
    """The resource a declaration revision proposes (None for a text revision)."""
    if revision is None or "declaration" not in revision.changes:
        return None
    return parse_declaration(revision.changes["declaration"], dict(DEPARTMENTS),
                             _("revision {id}", id=revision.id))


def subject(registry: Registry, code: str) -> Resource:
    """The declared resource, or the one an open registration proposes under this code."""
    if code in RESOURCES:
        return RESOURCES[code]
    proposed = _proposed(pending(registry, code))
    if proposed is None:
        raise EntryError("not_found", _("no catalog entry {code!r}", code=code))
    return proposed


def entry_status(registry: Registry, code: str) -> EntryStatus:
    """The entry's status; a declared entry the registry has not stored yet is published."""
    _declared(code)
    with registry.session() as s:
        entry = s.get(ResourceEntry, code)
        return EntryStatus(entry.status) if entry else EntryStatus.PUBLISHED


def entry_statuses(registry: Registry, codes: Iterable[str]) -> dict[str, EntryStatus]:
    """`entry_status` of many entries in one query (a list of 10,000 asked one at a time
    took seconds)."""
    codes = list(codes)
    with registry.session() as s:
        stored = dict(s.execute(select(ResourceEntry.code, ResourceEntry.status)).all())
    return {code: EntryStatus(stored[code]) if code in stored else EntryStatus.PUBLISHED
            for code in codes}


def open_revisions(registry: Registry) -> dict[str, str]:
    """The status of each entry's open (draft or submitted) revision, in one query."""
    with registry.session() as s:
        return dict(s.execute(select(CatalogRevision.resource_code, CatalogRevision.status)
                              .where(CatalogRevision.status.in_(_OPEN))).all())


def is_open(registry: Registry, resource: Resource) -> bool:
    """Whether the resource is open data: its open attribute allows it and it is published."""
    return (resource.open is not OpenAttribute.NOT_OPEN
            and entry_status(registry, resource.code) is EntryStatus.PUBLISHED)


def _published_changes(registry: Registry, codes: Iterable[str] | None = None,
                       ) -> dict[str, list[dict]]:
    query = (select(CatalogRevision.resource_code, CatalogRevision.changes)
             .where(CatalogRevision.status == EntryStatus.PUBLISHED.value)
             .order_by(CatalogRevision.decided_at, CatalogRevision.id))
    if codes is not None:
        query = query.where(CatalogRevision.resource_code.in_(list(codes)))
    out: dict[str, list[dict]] = {}
    with registry.session() as s:
        for code, changes in s.execute(query):
            out.setdefault(code, []).append(changes)
    return out


def _overlay(resource: Resource, layers: list[dict]) -> Resource:
    abstract = resource.abstract
    descriptions = {i.name: i.description for i in resource.items}
    for changes in layers:
        if "declaration" in changes:  # a newer declaration: its text is the file's
            abstract = resource.abstract
            descriptions = {i.name: i.description for i in resource.items}
            continue
        abstract = changes.get("abstract", abstract)
        for name, text in changes.get("items", {}).items():
            if name in descriptions:  # an item since removed from the declaration is skipped
                descriptions[name] = text
    items = tuple(i if i.description == descriptions[i.name]
                  else i.model_copy(update={"description": descriptions[i.name]})
                  for i in resource.items)
    return resource.model_copy(update={"abstract": abstract, "items": items})


def effective(resource: Resource, registry: Registry) -> Resource:
    """The resource as the catalog describes it: its declaration overlaid with every published
    revision, oldest first."""
    layers = _published_changes(registry, [resource.code]).get(resource.code)
    return _overlay(resource, layers) if layers else resource


def effective_all(registry: Registry) -> dict[str, Resource]:
    """`effective` for every declared resource, in one query."""
    layers = _published_changes(registry)
    return {code: _overlay(r, layers[code]) if code in layers else r
            for code, r in RESOURCES.items()}


def pending(registry: Registry, code: str) -> CatalogRevision | None:
    """The entry's open (draft or submitted) revision, if any."""
    with registry.session() as s:
        return _pending(s, code)


def revisions(registry: Registry, code: str) -> list[CatalogRevision]:
    """Every revision of the entry, oldest first."""
    with registry.session() as s:
        return list(s.scalars(select(CatalogRevision)
                              .where(CatalogRevision.resource_code == code)
                              .order_by(CatalogRevision.id)))


def queue(registry: Registry) -> list[CatalogRevision]:
    """Revisions submitted for publication, the longest waiting first (the CDO's queue)."""
    with registry.session() as s:
        return list(s.scalars(select(CatalogRevision)
                              .where(CatalogRevision.status == EntryStatus.SUBMITTED.value)
                              .order_by(CatalogRevision.submitted_at, CatalogRevision.id)))


def history(registry: Registry, code: str) -> list[CatalogEvent]:
    """Every transition of the entry and its revisions, oldest first."""
    _declared(code)
    with registry.session() as s:
        return list(s.scalars(select(CatalogEvent).where(CatalogEvent.resource_code == code)
                              .order_by(CatalogEvent.id)))


def diff(registry: Registry, revision: CatalogRevision) -> list[Change]:
    """What the revision would change against the entry as the catalog describes it now."""
    return _changes(registry, revision.resource_code, revision.changes)


def _changes(registry: Registry, code: str, changes: dict) -> list[Change]:
    if "declaration" in changes:
        return _declaration_diff(RESOURCES.get(code), changes["declaration"])
    return _diff(effective(_declared(code), registry), changes)


def _shown(value: object) -> str:
    if value is None:
        return ""
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)


def _declaration_diff(current: Resource | None, proposed: dict) -> list[Change]:
    """Field by field (each data item by name) what a declaration changes; for a new resource,
    everything it declares."""
    before = declaration_data(current) if current else {}
    out = [Change(field, _shown(before.get(field)), _shown(proposed.get(field)))
           for field in sorted((set(before) | set(proposed)) - {"items"})
           if before.get(field) != proposed.get(field)]
    old = {i["name"]: i for i in before.get("items", [])}
    new = {i["name"]: i for i in proposed.get("items", [])}
    out += [Change(f"items.{name}", _shown(old.get(name)), _shown(new.get(name)))
            for name in [*old, *(n for n in new if n not in old)] if old.get(name) != new.get(name)]
    return out


def _diff(current: Resource, changes: dict) -> list[Change]:
    out = []
    if "abstract" in changes and changes["abstract"] != current.abstract:
        out.append(Change("abstract", current.abstract, changes["abstract"]))
    for name, text in changes.get("items", {}).items():
        if text != current.item(name).description:
            out.append(Change(f"items.{name}", current.item(name).description, text))
    return out


# --- changing --------------------------------------------------------------------------------

def _text(value: object, limit: int, refusal: str) -> str:
    """`value` stripped, or `refusal` (the sentence naming the field and `limit`)."""
    if not isinstance(value, str) or not value.strip() or len(value.strip()) > limit:
        raise EntryError("invalid_change", refusal)
    return value.strip()


def _validate(declared: Resource, changes: object) -> dict:
    """The changes, cleaned: only the abstract and descriptions of declared data items."""
    if not isinstance(changes, dict) or not changes:
        raise EntryError("invalid_change", _("name the abstract or data item descriptions to "
                                             "change"))
    unknown = sorted(set(changes) - {"abstract", "items"})
    if unknown:
        raise EntryError("invalid_change", _(
            "only the abstract and data item descriptions are revised here, not {field!r}: "
            "codes, types and keys are code", field=unknown[0]))
    clean: dict = {}
    if "abstract" in changes:
        clean["abstract"] = _text(changes["abstract"], MAX_ABSTRACT, _(
            "the abstract must be text of 1 to {limit} characters", limit=MAX_ABSTRACT))
    if "items" in changes:
        items = changes["items"]
        if not isinstance(items, dict) or not items:
            raise EntryError("invalid_change",
                             _("items must map data item names to descriptions"))
        names = {i.name for i in declared.items}
        clean["items"] = {}
        for name, text in items.items():
            if name not in names:
                raise EntryError("invalid_change", _("{code} has no data item {name!r}",
                                                     code=declared.code, name=name))
            clean["items"][name] = _text(text, MAX_DESCRIPTION, _(
                "the description of {name} must be text of 1 to {limit} characters", name=name,
                limit=MAX_DESCRIPTION))
    return clean


def _reason(reason: str | None) -> str:
    text = (reason or "").strip()
    if not text or len(text) > MAX_REASON:
        raise EntryError("reason_required", _("a reason of 1 to {limit} characters is required",
                                              limit=MAX_REASON))
    return text


def _require_officer(actor: Actor, declared: Resource) -> None:
    # A provider department's reviewer is its catalog data officer.
    if Role.REVIEWER not in actor.roles or actor.department != declared.provider.code:
        raise EntryError("forbidden", _("only {provider}'s data officers (role {role}) revise "
                                        "the entry {code}", provider=declared.provider.short_name,
                                        role=Role.REVIEWER, code=declared.code))


def _require_cdo(actor: Actor) -> None:
    if Role.CDO not in actor.roles:
        raise EntryError("forbidden", _("this decision is the chief data officer's"))


def _pending(s: Session, code: str) -> CatalogRevision | None:
    return s.scalars(select(CatalogRevision).where(CatalogRevision.resource_code == code,
                                                   CatalogRevision.status.in_(_OPEN))).first()


def _event(s: Session, code: str, actor: Actor, action: str, before: str | None, after: str,
           reason: str = "", revision: CatalogRevision | None = None) -> None:
    s.add(CatalogEvent(resource_code=code, subject="revision" if revision else "entry",
                       revision_id=revision.id if revision else None, action=action,
                       from_status=before, to_status=after, actor=actor.name,
                       actor_department=actor.department, reason=reason, at=utcnow()))


def propose(registry: Registry, code: str, changes: dict, actor: Actor) -> CatalogRevision:
    """The provider's data officer proposes a change: a new draft revision, or the open draft
    edited. Refused while a revision is submitted, or when nothing would change. A change is
    new text (`abstract`, `items`) or a whole declaration (`declaration`): a new resource of
    the officer's department, or a schema revision of one of its resources."""
    return _save_draft(registry, code, check_proposal(registry, code, changes, actor), actor)


def check_proposal(registry: Registry, code: str, changes: dict, actor: Actor) -> dict:
    """The proposal cleaned, or the `EntryError` `propose` would refuse it with (nothing is
    written: a bulk import checks every row before it proposes any)."""
    if isinstance(changes, dict) and "declaration" in changes:
        clean = _validate_declaration(code, changes, actor)
    else:
        declared = _declared(code)
        _require_officer(actor, declared)
        clean = _validate(declared, changes)
    if not _changes(registry, code, clean):
        raise EntryError("invalid_change",
                         _("the proposal changes nothing the catalog says now"))
    revision = pending(registry, code)
    if revision is not None and revision.status == EntryStatus.SUBMITTED.value:
        raise EntryError("revision_pending", _(
            "revision {id} of {code} is submitted: wait for the decision or have it returned",
            id=revision.id, code=code))
    return clean


def _validate_declaration(code: str, changes: dict, actor: Actor) -> dict:
    """The declaration, checked as a declaration file is (`catalog.city.parse_declaration`)
    and proposed by a data officer of its provider, which a revision never changes."""
    if set(changes) != {"declaration"}:
        raise EntryError("invalid_change", _("a declaration is proposed on its own, not with "
                                             "text changes"))
    data = changes["declaration"]
    if not isinstance(data, dict) or data.get("code", code) != code:
        raise EntryError("invalid_change",
                         _("the declaration must be a JSON object for {code}", code=code))
    try:
        proposed = parse_declaration({**data, "code": code}, dict(DEPARTMENTS),
                                     _("the declaration of {code}", code=code))
    except ProfileError as exc:
        raise EntryError("invalid_change", str(exc)) from None
    existing = RESOURCES.get(code)
    _require_officer(actor, existing or proposed)
    if existing is not None and proposed.provider.code != existing.provider.code:
        raise EntryError("invalid_change", _(
            "{code} is {provider}'s: a revision does not change its provider", code=code,
            provider=existing.provider.short_name))
    return {"declaration": declaration_data(proposed)}


def _save_draft(registry: Registry, code: str, clean: dict, actor: Actor) -> CatalogRevision:
    now = utcnow()
    try:
        with registry.session() as s:
            revision = _pending(s, code)
            if revision is not None and revision.status == EntryStatus.SUBMITTED.value:
                raise EntryError("revision_pending", _(
                    "revision {id} of {code} is submitted: wait for the decision or have it "
                    "returned", id=revision.id, code=code))
            if revision is None:
                revision = CatalogRevision(resource_code=code, status=EntryStatus.DRAFT.value,
                                           changes=clean, proposed_by=actor.name,
                                           department=actor.department, created_at=now,
                                           updated_at=now)
                s.add(revision)
                s.flush()
                _event(s, code, actor, "proposed", None, revision.status, revision=revision)
            else:
                if ("declaration" in revision.changes) != ("declaration" in clean):
                    raise EntryError("revision_pending", _(
                        "{code} has an open draft of another kind (text or declaration): "
                        "submit or finish it first", code=code))
                revision.changes, revision.updated_at = clean, now
                revision.proposed_by = actor.name
                _event(s, code, actor, "edited", revision.status, revision.status,
                       revision=revision)
    except IntegrityError:  # another officer opened a revision at the same moment
        raise EntryError("revision_pending",
                         _("{code} already has an open revision", code=code)) from None
    return revision


def _open_revision(s: Session, code: str, status: EntryStatus, verb: str) -> CatalogRevision:
    revision = _pending(s, code)
    if revision is None or revision.status != status.value:
        now = revision.status if revision else _("no open revision")
        raise EntryError("invalid_transition", _(
            "cannot {verb}: {code} has no {status} revision ({now})", verb=verb, code=code,
            status=status.value, now=now))
    return revision


def submit(registry: Registry, code: str, actor: Actor, note: str = "") -> CatalogRevision:
    """The provider submits its draft for publication (draft → submitted)."""
    _require_officer(actor, subject(registry, code))
    with registry.session() as s:
        revision = _open_revision(s, code, EntryStatus.DRAFT, "submit")
        if not _changes(registry, code, revision.changes):
            raise EntryError("invalid_change",
                             _("the draft changes nothing the catalog says now"))
        now = utcnow()
        revision.status, revision.submitted_at, revision.updated_at = (
            EntryStatus.SUBMITTED.value, now, now)
        _event(s, code, actor, "submitted", EntryStatus.DRAFT.value, revision.status,
               (note or "").strip()[:MAX_REASON], revision)
    return revision


def _decide(registry: Registry, code: str, actor: Actor, reason: str, to: EntryStatus,
            verb: str, action: str) -> CatalogRevision:
    subject(registry, code)
    _require_cdo(actor)
    reason = _reason(reason)
    with registry.session() as s:
        revision = _open_revision(s, code, EntryStatus.SUBMITTED, verb)
        proposed = _proposed(revision)
        if to is EntryStatus.PUBLISHED and proposed is not None:
            # The declaration file is the directory: written before the decision commits, so
            # a failed write leaves the revision submitted.
            if registry.home is None:
                raise EntryError("invalid_transition", _(
                    "this registry serves no hub home to publish a declaration into"))
            write_declaration(registry.home, proposed)
        now = utcnow()
        revision.status, revision.updated_at = to.value, now
        revision.decided_by, revision.decided_at, revision.reason = actor.name, now, reason
        _event(s, code, actor, action, EntryStatus.SUBMITTED.value, to.value, reason, revision)
    if to is EntryStatus.PUBLISHED and proposed is not None:
        registry.sync_declarations([proposed])  # its entry, for batches and orders to name
    return revision


def publish(registry: Registry, code: str, actor: Actor, reason: str) -> CatalogRevision:
    """The CDO publishes the submitted revision: its text is the catalog's from now on; a
    declaration becomes the resource's declaration file (a new resource is catalogued)."""
    return _decide(registry, code, actor, reason, EntryStatus.PUBLISHED, "publish",
                   "published")


def return_to_draft(registry: Registry, code: str, actor: Actor, reason: str) -> CatalogRevision:
    """The CDO sends the submitted revision back to its department as a draft, saying why."""
    return _decide(registry, code, actor, reason, EntryStatus.DRAFT, "return", "returned")


def _set_entry(registry: Registry, code: str, actor: Actor, reason: str, before: EntryStatus,
               after: EntryStatus, verb: str, action: str) -> ResourceEntry:
    declared = _declared(code)
    _require_cdo(actor)
    reason = _reason(reason)
    with registry.session() as s:
        entry = s.get(ResourceEntry, code)
        if entry is None:  # declared but not stored yet: stored as declared (published)
            entry = ResourceEntry(code=code, name=declared.name,
                                  provider_code=declared.provider.code,
                                  status=EntryStatus.PUBLISHED,
                                  declaration=declared.model_dump(mode="json"))
            s.add(entry)
        if EntryStatus(entry.status) is not before:
            raise EntryError("invalid_transition", _(
                "cannot {verb} {code}: it is {status}, not {expected}", verb=verb, code=code,
                status=EntryStatus(entry.status).value, expected=before.value))
        entry.status, entry.status_reason, entry.updated_at = after, reason, utcnow()
        _event(s, code, actor, action, before.value, after.value, reason)
    return entry


def retire(registry: Registry, code: str, actor: Actor, reason: str) -> ResourceEntry:
    """The CDO retires a published entry: no new orders, no open data, not in DCAT."""
    return _set_entry(registry, code, actor, reason, EntryStatus.PUBLISHED, EntryStatus.RETIRED,
                      "retire", "retired")


def republish(registry: Registry, code: str, actor: Actor, reason: str) -> ResourceEntry:
    """The CDO puts a retired entry back in the catalog."""
    return _set_entry(registry, code, actor, reason, EntryStatus.RETIRED, EntryStatus.PUBLISHED,
                      "republish", "republished")
