"""The cross-check's policy configuration (`policies/crosscheck.toml`): thresholds and code values
of every rule of docs/crosscheck.md, validated so a typo fails loudly, never silently."""

from __future__ import annotations

import tomllib
from decimal import Decimal
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from catalog.city import current_city
from catalog.i18n import _

__all__ = ["CROSSCHECK_POLICY", "RULE_NAMES", "CrosscheckConfig", "load_crosscheck_config"]

CROSSCHECK_POLICY = Path(__file__).resolve().parent / "crosscheck.toml"
RULE_NAMES = ("deceased", "duplicate_case", "income", "vehicle", "real_estate", "business",
              "provident_fund", "identity")
Severity = Literal["high", "medium", "low", "review"]


class _Section(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Household(_Section):
    active_status: str = "在保"
    applicant_relation: str = "本人"


class Income(_Section):
    insurance_type: str = "养老"
    months: int = Field(default=3, ge=1, le=24)
    pension_status: str = "正常发放"


class Vehicle(_Section):
    status: str = "正常"
    excluded_types: tuple[str, ...] = ("摩托车", "残疾人专用车", "低速车")


class RealEstate(_Section):
    status: str = "现势"
    housing_use: str = "住宅"
    max_housing: int = Field(default=1, ge=0)
    non_residential_uses: tuple[str, ...] = ("商业", "办公", "工业")


class Business(_Section):
    status: str = "存续"
    small_entity_type: str = "个体工商户"
    small_capital_below_wan: float = Field(default=10, ge=0)


class ProvidentFund(_Section):
    status: str = "正常"
    months: int = Field(default=3, ge=1, le=24)
    min_monthly_deposit_fen: int = Field(default=20000, ge=0)


class Deceased(_Section):
    population_status: str = "注销"
    cancel_reason: str = "死亡"


class Sources(_Section):
    salvage_quarantined: bool = True


class CrosscheckConfig(_Section):
    """Every threshold of the default policy; the defaults are the spec's."""

    version: str
    household: Household = Household()
    standards: dict[str, Decimal] = Field(
        default_factory=dict,
        description="Assistance standard, yuan per person per month, by district code; when "
        "the policy names none, the city profile's (`assistance.standards`).")
    income: Income = Income()
    vehicle: Vehicle = Vehicle()
    real_estate: RealEstate = RealEstate()
    business: Business = Business()
    provident_fund: ProvidentFund = ProvidentFund()
    deceased: Deceased = Deceased()
    severity: dict[str, Severity]
    sources: Sources = Sources()

    @field_validator("standards")
    @classmethod
    def _districts(cls, value: dict[str, Decimal]) -> dict[str, Decimal]:
        for code, amount in value.items():
            if not (len(code) in (6, 9) and code.isdigit()) or amount <= 0:
                raise ValueError(_("standard {code} = {amount}: a district code (6 digits, or 9 "
                                   "for a town) and a positive amount are required",
                                   code=code, amount=amount))
        return value

    @field_validator("severity")
    @classmethod
    def _every_rule(cls, value: dict[str, str]) -> dict[str, str]:
        if set(value) != set(RULE_NAMES):
            raise ValueError(_("severity must name exactly the rules {rules}",
                               rules=", ".join(RULE_NAMES)))
        return value


def load_crosscheck_config(path: Path | None = None) -> CrosscheckConfig:
    """Read and validate a policy file; errors name the file and the offending key."""
    path = Path(path or CROSSCHECK_POLICY)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
        if not data.get("standards"):
            data["standards"] = dict(current_city().profile.assistance.standards)
        return CrosscheckConfig.model_validate(data)
    except (OSError, tomllib.TOMLDecodeError, ValidationError) as exc:
        raise ValueError(_("cross-check policy {path}: {problem}", path=path,
                           problem=exc)) from None
