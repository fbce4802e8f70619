"""The verification (核验) questions: which published resource each reads, which items, how.

Each is a fixed, parameterised count over the standardised columns (`*_valid` ID numbers,
`*_norm` names), within the order's row scope; the answer is count > `more_than`.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["CHECKS", "Check"]

_SCOPE = "AND (len($districts) = 0 OR list_contains($districts, district_code))"


@dataclass(frozen=True)
class Check:
    name: str
    resource: str
    question: str
    items: tuple[str, ...]
    sql: str  # counts matching rows; the answer is count > more_than
    more_than: int = 0
    needs_name: bool = False


CHECKS: dict[str, Check] = {c.name: c for c in (
    Check("identity", "ga.population",
          "身份证号与姓名一致 — is this a registered resident's valid ID number and name?",
          ("id_number", "name", "district_code"),
          "SELECT count(*) FROM published.ga_population WHERE id_number = $id "
          f"AND id_number_valid AND name_norm = $name {_SCOPE}", needs_name=True),
    Check("deceased", "wj.deaths", "是否死亡 — has a medical death certificate been issued?",
          ("id_number", "district_code"),
          f"SELECT count(*) FROM published.wj_deaths WHERE id_number = $id AND id_number_valid "
          f"{_SCOPE}"),
    Check("vehicle", "ga.vehicles",
          "名下有车 — does the person own a motor vehicle in status 正常?",
          ("owner_id_number", "status"),
          "SELECT count(*) FROM published.ga_vehicles WHERE owner_id_number = $id "
          "AND owner_id_number_valid AND status = '正常'"),
    Check("multiple_homes", "zr.real_estate",
          "多套住房 — owner or co-owner of more than one current (现势) 住宅 certificate?",
          ("certificate_no", "owner_id_number", "co_owner_id_numbers", "property_use", "status",
           "district_code"),
          "SELECT count(DISTINCT certificate_no) FROM published.zr_real_estate "
          "WHERE status = '现势' AND property_use = '住宅' AND (owner_id_number = $id "
          f"OR list_contains(co_owner_id_numbers, $id)) {_SCOPE}", more_than=1),
    Check("legal_rep_active", "sj.enterprises",
          "企业法人 — legal representative of a market entity in status 存续?",
          ("legal_rep_id_number", "status", "district_code"),
          "SELECT count(*) FROM published.sj_enterprises WHERE legal_rep_id_number = $id "
          f"AND legal_rep_id_number_valid AND status = '存续' {_SCOPE}"),
    Check("provident_fund", "gjj.deposits",
          "公积金缴存 — holds a provident-fund account in status 正常?",
          ("id_number", "status"),
          "SELECT count(*) FROM published.gjj_deposits WHERE id_number = $id "
          "AND id_number_valid AND status = '正常'"),
)}
