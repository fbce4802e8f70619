"""The city the generator writes deliveries for: what it takes from the city profile (name,
code, districts, assistance standards) and the local colour a profile does not hold (how
residents spread over the districts, the towns and roads of addresses, the plate prefix).

A district is a GB/T 2260 six-digit code, or, in a city without districts (东莞), a town's
nine-digit 统计用区划代码; an ID number's address code (GB 11643) is always six digits: the
county-level part of the resident's district (441302 in 惠州, 441900 for every 东莞 town).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field

import numpy as np

from catalog.city import DEFAULT_PROFILE, PROFILES, CityProfile, load_city

__all__ = ["Place", "demo_place"]

# GB/T 2260 province codes → the abbreviation on plates and property certificates.
_PROVINCES = {
    "11": "京", "12": "津", "13": "冀", "14": "晋", "15": "蒙", "21": "辽", "22": "吉",
    "23": "黑", "31": "沪", "32": "苏", "33": "浙", "34": "皖", "35": "闽", "36": "赣",
    "37": "鲁", "41": "豫", "42": "鄂", "43": "湘", "44": "粤", "45": "桂", "46": "琼",
    "50": "渝", "51": "川", "52": "贵", "53": "云", "54": "藏", "61": "陕", "62": "甘",
    "63": "青", "64": "宁", "65": "新",
}
_ROADS = ("人民路", "中山路", "新华路", "建设路", "东风路", "解放路", "文明路", "和平路", "环城路",
          "朝阳路", "长寿路", "振兴路", "光明路", "府前路")


@dataclass(frozen=True)
class _Colour:
    """What makes addresses and plates look like one city (none of it decides a truth flag)."""

    plate: str = ""  # 粤L …; default: the province's abbreviation and A
    shares: dict[str, float] = field(default_factory=dict)  # district → share; default: even
    towns: dict[str, tuple[str, ...]] = field(default_factory=dict)  # streets and towns of a district
    roads: tuple[str, ...] = _ROADS


_COLOURS = {
    "441300": _Colour(
        plate="粤L",
        shares={"441302": 0.33, "441303": 0.19, "441322": 0.22, "441323": 0.18, "441324": 0.08},
        towns={
            "441302": ("江北街道", "桥东街道", "桥西街道", "河南岸街道", "江南街道", "陈江街道", "水口街道", "小金口街道", "马安镇", "横沥镇", "汝湖镇"),
            "441303": ("淡水街道", "秋长街道", "三和街道", "沙田镇", "新圩镇", "镇隆镇", "永湖镇", "良井镇", "平潭镇"),
            "441322": ("罗阳街道", "龙溪街道", "石湾镇", "园洲镇", "长宁镇", "福田镇", "湖镇镇", "杨村镇", "柏塘镇", "公庄镇"),
            "441323": ("平山街道", "大岭街道", "吉隆镇", "稔山镇", "铁涌镇", "平海镇", "黄埠镇", "多祝镇", "白花镇", "梁化镇"),
            "441324": ("龙城街道", "平陵街道", "龙华镇", "龙江镇", "龙潭镇", "地派镇", "麻榨镇", "永汉镇", "龙田镇"),
        },
        roads=("人民路", "中山路", "新华路", "建设路", "东风路", "解放路", "文明路", "和平路", "环城路", "江北路", "朝阳路", "长寿路", "下角路", "演达路"),
    ),
    "441900": _Colour(
        plate="粤S",
        roads=("人民路", "中山路", "新华路", "建设路", "东风路", "解放路", "文明路", "和平路", "环城路", "东纵路", "鸿福路", "莞太路", "莞樟路", "运河路"),
    ),
}


@dataclass(frozen=True)
class Place:
    """The generator's view of a city (`Place.of(profile)`)."""

    name: str  # 惠州市
    code: str  # 441300
    districts: tuple[str, ...]  # in the profile's order
    district_names: dict[str, str]
    standards: dict[str, int]  # yuan per person per month, by district
    shares: np.ndarray | None  # residents' share per district; None: even
    towns: dict[str, tuple[str, ...]]
    roads: tuple[str, ...]
    plate_prefix: str
    province: str  # 粤
    unknown_districts: tuple[str, ...]  # codes that are no district of the city (noise)
    foreign_area: str  # an ID address code outside the city

    @classmethod
    def of(cls, profile: CityProfile) -> Place:
        """The place of a city profile; every district needs an assistance standard (the cases
        and the truth's income rule are computed with it)."""
        missing = [code for code in profile.districts if code not in profile.assistance.standards]
        if missing:
            raise ValueError(f"{profile.name}: the city generator needs an assistance standard "
                             f"for every district (assistance.standards lacks {missing[0]})")
        colour = _COLOURS.get(profile.code, _Colour())
        districts = tuple(profile.districts)
        province = _PROVINCES.get(profile.code[:2], "")
        shares = None
        if colour.shares and set(colour.shares) == set(districts):
            shares = np.array([colour.shares[code] for code in districts])
        return cls(
            name=profile.name, code=profile.code, districts=districts,
            district_names=dict(profile.districts), standards=dict(profile.assistance.standards),
            shares=shares, towns=colour.towns, roads=colour.roads,
            plate_prefix=colour.plate or f"{province}A", province=province,
            unknown_districts=_unknown_districts(profile), foreign_area=_elsewhere(profile.code),
        )

    def id_area(self, district: str) -> str:
        """The six-digit address code of the ID numbers of a district's residents."""
        return district[:6]

    def id_areas(self) -> np.ndarray:
        """`id_area` of every district (int64, indexed like `districts`)."""
        return np.array([int(self.id_area(code)) for code in self.districts], dtype=np.int64)


def _unknown_districts(profile: CityProfile) -> tuple[str, ...]:
    """Codes a department might write that are no district of the city: the city's 市辖区 (01)
    and 99 codes, a district of another city, a county-level-city code (81); for a city of
    towns, its own code and a town number that does not exist."""
    city, prefix = profile.code, profile.code[:4]
    other = "440303" if prefix != "4403" else "441302"
    if all(len(code) == 9 for code in profile.districts):
        candidates = (city, f"{city}999", other, f"{prefix}01")
    else:
        candidates = (f"{prefix}01", f"{prefix}99", other, f"{prefix}81")
    return tuple(code for code in candidates if code not in profile.districts)


def _elsewhere(city: str) -> str:
    """An ID address code of another city (揭阳市榕城区, or 深圳市罗湖区 for 揭阳)."""
    return "445202" if city[:4] != "4452" else "440303"


@functools.cache
def demo_place() -> Place:
    """The demo's city, 惠州: the generator's default."""
    return Place.of(load_city(PROFILES / DEFAULT_PROFILE).profile)
