"""The policy: rules read from `policies/rules/*.toml`, decided against the catalog's declarations.

Default deny: a resource no rule allows is refused, an item not granted is absent, and a
personal item no item rule names is tokenised. Every decision names its rule and the policy
version, so an audit entry can say why a value was shown, masked or withheld.
"""

from __future__ import annotations

import enum
import functools
import hashlib
import tomllib
from dataclasses import dataclass
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, model_validator

from catalog import RESOURCES, DataItem, Resource
from catalog.i18n import _
from policies.grants import Grant, GrantMode
from policies.masks import DISPLAY_MASKS
from policies.principal import Principal

__all__ = ["Decision", "Outcome", "Policy", "load_policy"]

RULES_DIR = Path(__file__).parent / "rules"


class Outcome(enum.StrEnum):
    VISIBLE = "visible"
    TOKEN = "token"
    DISPLAY = "display"
    ABSENT = "absent"


class _Match(BaseModel):
    """Criteria of a rule; each one named must match, an omitted one matches anything."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str
    clause: str = Field(description="The standard or article the rule implements.")
    departments: frozenset[str] | None = None
    roles: frozenset[str] | None = None
    district_scoped: bool | None = None
    resources: frozenset[str] | None = None
    sharing: frozenset[str] | None = None
    open: frozenset[str] | None = None  # the resource's open attribute (开放属性)
    provider: bool | None = None
    purposes: frozenset[str] | None = None
    modes: frozenset[GrantMode] | None = None

    def matches_context(self, principal: Principal, grant: Grant, resource: Resource) -> bool:
        return (
            _has(self.departments, grant.department)
            and (self.roles is None or bool(self.roles & principal.roles))
            and (self.district_scoped is None
                 or self.district_scoped == (principal.district is not None))
            and _has(self.resources, resource.code)
            and _has(self.sharing, resource.sharing.value)
            and _has(self.open, resource.open.value)
            and (self.provider is None
                 or self.provider == (grant.department == resource.provider.code))
            and _has(self.purposes, grant.purpose)
            and _has(self.modes, grant.mode)
        )


class ResourceRule(_Match):
    outcome: str = Field(pattern="^(allow|deny)$")


class ItemRule(_Match):
    items: frozenset[str] | None = None
    sensitivities: frozenset[str] | None = None
    grades: frozenset[str] | None = None
    outcome: Outcome

    def matches_item(self, item: DataItem) -> bool:
        return (_has(self.items, item.name) and _has(self.sensitivities, item.sensitivity.value)
                and _has(self.grades, item.grade.value))


def _has(allowed: frozenset | None, value: object) -> bool:
    return allowed is None or value in allowed


@dataclass(frozen=True)
class Decision:
    """What one data item becomes for one grant, and which rule said so."""

    item: str
    outcome: Outcome
    rule: str


class Policy(BaseModel):
    """The parsed rule files plus a digest of their text: `version` is `<declared>+<digest>`."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    version: str
    modes: dict[GrantMode, frozenset[str]]
    resource_rules: tuple[ResourceRule, ...] = ()
    item_rules: tuple[ItemRule, ...] = ()

    @model_validator(mode="after")
    def _check(self) -> Policy:
        ids = [r.id for r in (*self.resource_rules, *self.item_rules)]
        if len(ids) != len(set(ids)):
            raise ValueError(_("rule ids must be unique"))
        for rule in self.item_rules:
            if rule.outcome is not Outcome.DISPLAY:
                continue
            for res in RESOURCES.values():
                for item in res.items:
                    if rule.matches_item(item) and item.sensitivity.value not in DISPLAY_MASKS:
                        raise ValueError(_(
                            "rule {rule}: no display mask exists for {item} ({sensitivity}); "
                            "use token or absent", rule=rule.id, item=f"{res.code}.{item.name}",
                            sensitivity=item.sensitivity.value))
        return self

    def roles_for(self, mode: GrantMode) -> frozenset[str]:
        return self.modes.get(mode, frozenset())

    def resource_decision(
        self, principal: Principal, grant: Grant, resource: Resource
    ) -> tuple[bool, str]:
        """Whether this use of the resource is allowed, and the id of the rule that decided."""
        for rule in self.resource_rules:
            if rule.matches_context(principal, grant, resource):
                return rule.outcome == "allow", rule.id
        return False, "default-deny"

    def decide(self, principal: Principal, grant: Grant, resource: Resource) -> list[Decision]:
        """One decision per data item of the resource."""
        decisions = []
        context = [r for r in self.item_rules if r.matches_context(principal, grant, resource)]
        for item in resource.items:
            if item.name not in grant.items:
                decisions.append(Decision(item.name, Outcome.ABSENT, "not-granted"))
                continue
            rule = next((r for r in context if r.matches_item(item)), None)
            if rule is not None:
                decisions.append(Decision(item.name, rule.outcome, rule.id))
            elif item.sensitivity.is_personal:
                decisions.append(Decision(item.name, Outcome.TOKEN, "default-token"))
            else:
                decisions.append(Decision(item.name, Outcome.VISIBLE, "default-visible"))
        return decisions

    def uncovered_items(self) -> list[str]:
        """Sensitive catalog items that no explicit item rule names (should be none). Rules
        limited to some departments, purposes or modes (open data) do not count."""
        return [f"{res.code}.{item.name}" for res in RESOURCES.values() for item in res.items
                if item.sensitivity.is_personal
                and not any(r.matches_item(item) and r.provider is None and
                            r.departments is None and r.purposes is None and r.modes is None
                            for r in self.item_rules)]


def load_policy(directory: Path = RULES_DIR) -> Policy:
    """Every `*.toml` file of the directory, merged in name order."""
    files = sorted(directory.glob("*.toml"))
    if not files:
        raise ValueError(_("no policy files in {directory}", directory=directory))
    merged: dict = {"modes": {}, "resource_rules": [], "item_rules": []}
    digest = hashlib.sha256()
    declared = []
    for path in files:
        text = path.read_bytes()
        digest.update(path.name.encode() + b"\0" + text)
        data = tomllib.loads(text.decode("utf-8"))
        declared.append(str(data.pop("version", "0")))
        merged["modes"].update(data.pop("modes", {}))
        merged["resource_rules"] += data.pop("resource_rules", [])
        merged["item_rules"] += data.pop("item_rules", [])
        if data:
            raise ValueError(_("{file}: unknown keys {keys}", file=path.name,
                               keys=sorted(data)))
    return Policy(version=f"{max(declared)}+{digest.hexdigest()[:12]}", **merged)


@functools.cache
def default_policy() -> Policy:
    """The packaged policy, parsed once per process."""
    return load_policy()
