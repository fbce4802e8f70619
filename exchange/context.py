"""The services one API process shares: settings, stores, keys, audit log, lake reader."""

from __future__ import annotations

from dataclasses import dataclass

from catalog import RESOURCES, HubSettings
from catalog.relocation import ensure_analyst_db_home
from exchange.audit_log import AuditLog
from exchange.keys import KeyRing
from exchange.lakeread import LakeReader
from exchange.store import Store
from policies import GrantStore

__all__ = ["Hub"]


@dataclass
class Hub:
    settings: HubSettings
    store: Store
    keys: KeyRing
    audit: AuditLog
    lake: LakeReader
    grants: GrantStore

    @classmethod
    def build(cls, settings: HubSettings) -> Hub:
        store = Store(settings)
        ensure_analyst_db_home(settings, store.registry, list(RESOURCES.values()))
        return cls(settings=settings, store=store, keys=KeyRing(settings, store),
                   audit=AuditLog(store), lake=LakeReader(settings),
                   grants=GrantStore(store.registry, settings=settings))
