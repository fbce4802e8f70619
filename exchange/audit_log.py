"""The append-only audit log: every request, allowed or denied, hash-chained.

Entry `n` stores `hash_n = SHA-256(hash_{n-1} ‖ canonical JSON of entry n)` with `seq` inside the
hashed content, so an edited, deleted, inserted or reordered entry breaks the chain at that
point. Removing the newest entries is caught against a checkpoint (the head `seq` and `hash`,
signed with the hub's token key) exported to an outside witness.
"""

from __future__ import annotations

import hashlib
import json
import threading
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime

from joserfc import jws
from sqlalchemy import insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from catalog.i18n import _
from catalog.registry import utcnow
from catalog.timefmt import beijing_iso
from exchange.keys import ALGORITHM, KeyRing
from exchange.models import AuditEntry
from exchange.store import Store

__all__ = ["GENESIS", "AuditLog", "AuditRecord", "ChainBreak", "entry_hash"]

GENESIS = "0" * 64
_COLUMNS = tuple(AuditEntry.__table__.columns)
_RETRIES = 20


@dataclass
class AuditRecord:
    """What one request contributes to the log (filled in as the request is handled)."""

    method: str
    route: str
    client_id: str | None = None
    department: str | None = None
    roles: list[str] = field(default_factory=list)
    order_id: str | None = None
    purpose: str | None = None
    resource_code: str | None = None
    items: list[str] = field(default_factory=list)
    decision: str = "deny"
    status: int = 0
    rows: int | None = None
    result_sha256: str | None = None
    detail: dict = field(default_factory=dict)
    written: int | None = None  # the entry's seq once appended (not itself logged)
    charged: list[str] = field(default_factory=list)  # orders metered with it (not logged)

    def columns(self) -> dict:
        return {k: v for k, v in asdict(self).items() if k not in ("written", "charged")}


@dataclass(frozen=True)
class ChainBreak:
    """Where the hash chain breaks, and how (not a scheduled audit's `catalog.findings.Finding`)."""

    seq: int
    problem: str


def _content(entry: AuditEntry) -> dict:
    return {
        "seq": entry.seq, "at": entry.at.astimezone(UTC).isoformat(timespec="microseconds"),
        "client_id": entry.client_id, "department": entry.department, "roles": entry.roles,
        "method": entry.method, "route": entry.route, "order_id": entry.order_id,
        "purpose": entry.purpose, "resource_code": entry.resource_code, "items": entry.items,
        "decision": entry.decision, "status": entry.status, "rows": entry.rows,
        "result_sha256": entry.result_sha256, "detail": entry.detail,
    }


def entry_hash(prev_hash: str, entry: AuditEntry) -> str:
    canonical = json.dumps(_content(entry), sort_keys=True, ensure_ascii=False,
                           separators=(",", ":"), default=str)
    return hashlib.sha256(prev_hash.encode() + canonical.encode()).hexdigest()


class AuditLog:
    """Appends entries (one writer at a time per chain position) and verifies the chain."""

    def __init__(self, store: Store) -> None:
        self._store = store
        self._lock = threading.Lock()
        self._cached_head: tuple[int, str] | None = None

    def _head(self, s: Session) -> tuple[int, str]:
        last = s.execute(select(AuditEntry.seq, AuditEntry.hash)
                         .order_by(AuditEntry.seq.desc()).limit(1)).first()
        return (last.seq, last.hash) if last else (0, GENESIS)

    def _append_in(self, s: Session, record: AuditRecord) -> AuditEntry:
        # The head is cached under the process lock; another process appending first makes
        # the insert collide on `seq`, and the retry re-reads it.
        if self._cached_head is None:
            self._cached_head = self._head(s)
        seq, prev = self._cached_head[0] + 1, self._cached_head[1]
        # Microseconds are what the database keeps: hash exactly what will be read back.
        entry = AuditEntry(seq=seq, at=utcnow(), prev_hash=prev, hash="", **record.columns())
        entry.hash = entry_hash(prev, entry)
        # One INSERT statement rather than the unit of work's flush: this is every call's path.
        s.execute(insert(AuditEntry), [{c.key: getattr(entry, c.key) for c in _COLUMNS}])
        return entry

    def append(self, record: AuditRecord,
               before: Callable[[Session], None] | None = None) -> AuditEntry:
        """Append in one transaction, after `before(session)` (e.g. metering) in the same one.

        If `before` raises, nothing is written and the exception propagates. Two processes
        racing for the same `seq` collide on the primary key; the loser retries.
        """
        for _attempt in range(_RETRIES):
            with self._lock:
                try:
                    with self._store.session() as s:
                        if before is not None:
                            before(s)
                        entry = self._append_in(s, record)
                except IntegrityError:
                    self._cached_head = None
                    continue
                except BaseException:
                    self._cached_head = None
                    raise
                self._cached_head = (entry.seq, entry.hash)
            record.written = entry.seq
            return entry
        raise RuntimeError("audit log busy: could not append")

    def entries(self, session: Session) -> Iterable[AuditEntry]:
        return session.scalars(select(AuditEntry).order_by(AuditEntry.seq)
                               .execution_options(yield_per=1000))

    def verify(self, checkpoints: Iterable[dict] = ()) -> tuple[int, list[ChainBreak]]:
        """Walk the chain; return the number of entries and every break found."""
        wanted = {int(c["seq"]): c["hash"] for c in checkpoints}
        findings: list[ChainBreak] = []
        prev, expected, count = GENESIS, 1, 0
        with self._store.session() as s:
            for entry in self.entries(s):
                count += 1
                if entry.seq != expected:
                    findings.append(ChainBreak(entry.seq, _(
                        "sequence jumps from {last} to {seq}: entries missing",
                        last=expected - 1, seq=entry.seq)))
                if entry.prev_hash != prev:
                    findings.append(ChainBreak(entry.seq,
                                               _("does not link to the entry before it")))
                if entry_hash(entry.prev_hash, entry) != entry.hash:
                    findings.append(ChainBreak(entry.seq, _("content does not match its hash")))
                if entry.seq in wanted and wanted.pop(entry.seq) != entry.hash:
                    findings.append(ChainBreak(entry.seq,
                                               _("differs from the witnessed checkpoint")))
                prev, expected = entry.hash, entry.seq + 1
        for seq in sorted(wanted):
            findings.append(ChainBreak(seq, _("witnessed checkpoint entry is missing: log "
                                             "truncated")))
        return count, findings

    def checkpoint(self, keys: KeyRing) -> dict:
        """The head of the chain, signed (JWS) with the hub's current token key."""
        with self._store.session() as s:
            head = s.execute(select(AuditEntry.seq, AuditEntry.hash)
                             .order_by(AuditEntry.seq.desc()).limit(1)).first()
        seq, digest = (head.seq, head.hash) if head else (0, GENESIS)
        claims = {"seq": seq, "hash": digest,
                  "at": beijing_iso(datetime.now(UTC), "seconds")}
        signed = jws.serialize_compact({"alg": ALGORITHM, "typ": "hub-audit-checkpoint"},
                                       json.dumps(claims, sort_keys=True), keys.signing_keys())
        return {**claims, "signature": signed}
