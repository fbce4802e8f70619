"""Who is asking: the authenticated caller as the policy sees it."""

from __future__ import annotations

from dataclasses import dataclass, field

from catalog.i18n import _
from catalog.roles import Role

__all__ = ["ROLES", "Principal"]

# Every role, `public` (the anonymous reader of open data) included: `catalog.roles`.
ROLES = frozenset(r.value for r in Role)


@dataclass(frozen=True)
class Principal:
    """A client or user: its department code (e.g. `hub`, `mz`), roles and, for a district
    officer, the code of the one district whose rows it may see (GB/T 2260, or a town's
    nine-digit code in a city without districts)."""

    subject: str
    department: str
    roles: frozenset[str] = field(default_factory=frozenset)
    district: str | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "roles", frozenset(self.roles))
        unknown = self.roles - ROLES
        if unknown:
            raise ValueError(_("unknown roles: {roles}", roles=sorted(unknown)))
        if not self.subject or not self.department:
            raise ValueError(_("a principal needs a subject and a department"))
        if self.district is not None and not (len(self.district) in (6, 9)
                                              and self.district.isdigit()):
            raise ValueError(_("district must be a six-digit GB/T 2260 code (or a town's "
                               "nine-digit code)"))
