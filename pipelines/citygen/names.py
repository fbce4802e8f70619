"""Chinese personal names with realistic frequencies, so that namesakes (张伟, 王芳 …) occur naturally.

Surname shares are the published national frequencies (percent of the population, 2019-2020
household-registration statistics); given-name characters follow a Zipf-like weighting.
"""

from __future__ import annotations

import functools
import unicodedata
from importlib import resources as importlib_resources

import numpy as np

from catalog.identifiers import traditional_to_simplified_table

__all__ = [
    "FEMALE_CHARS",
    "MALE_CHARS",
    "SURNAMES",
    "sample_given_names",
    "sample_minority_names",
    "sample_surnames",
    "simplified_to_traditional",
]

# (surname, percent of the population)
_SURNAME_TABLE = """
王 7.12 李 7.00 张 6.74 刘 5.10 陈 4.61 杨 3.22 黄 2.45 赵 2.19 吴 2.00 周 1.95
徐 1.45 孙 1.38 马 1.29 朱 1.28 胡 1.16 郭 1.13 何 1.06 林 1.02 高 1.00 罗 0.95
郑 0.93 梁 0.86 谢 0.76 宋 0.70 唐 0.69 许 0.66 韩 0.63 冯 0.62 邓 0.62 曹 0.61
彭 0.58 曾 0.56 肖 0.56 田 0.52 董 0.51 袁 0.49 潘 0.48 于 0.48 蒋 0.48 蔡 0.46
余 0.45 杜 0.42 叶 0.42 程 0.42 苏 0.41 魏 0.40 吕 0.39 丁 0.38 任 0.38 沈 0.36
姚 0.35 卢 0.35 姜 0.34 崔 0.33 钟 0.33 谭 0.32 陆 0.31 汪 0.30 范 0.30 金 0.29
石 0.29 廖 0.28 贾 0.27 夏 0.27 韦 0.27 付 0.26 方 0.26 白 0.25 邹 0.25 孟 0.25
熊 0.24 秦 0.24 邱 0.24 江 0.23 尹 0.23 薛 0.22 闫 0.22 段 0.21 雷 0.21 侯 0.20
龙 0.20 史 0.20 陶 0.19 黎 0.19 贺 0.19 顾 0.18 毛 0.18 郝 0.18 龚 0.18 邵 0.17
万 0.17 钱 0.17 严 0.16 覃 0.16 武 0.16 戴 0.16 莫 0.15 孔 0.15 向 0.15 汤 0.15
欧阳 0.05 司徒 0.02 上官 0.01
"""

SURNAMES: tuple[str, ...] = tuple(_SURNAME_TABLE.split()[0::2])
_SURNAME_P = np.array([float(x) for x in _SURNAME_TABLE.split()[1::2]])
_SURNAME_P /= _SURNAME_P.sum()

# Given-name characters, most common first (the order sets the Zipf weight).
MALE_CHARS: tuple[str, ...] = tuple(
    "伟强磊军勇杰涛斌超明刚平辉鹏华飞鑫波宇浩凯健俊帆帅旭宁龙林峰建国文志海东亮成永春"
    "家子轩睿博思晨嘉豪荣新德兵锋晓庆毅坤彬"
)
FEMALE_CHARS: tuple[str, ...] = tuple(
    "芳娜敏静丽艳娟霞秀玲燕婷兰英红梅琳雪倩颖慧洁萍丹玉晶欣怡佳雨萱涵琪月桂凤莉"
    "云珍蓉薇璐瑶岚晓莹美婉淑"
)


def _zipf(n: int, s: float = 0.9) -> np.ndarray:
    weights = 1.0 / np.arange(1, n + 1) ** s
    return weights / weights.sum()


_MALE_P = _zipf(len(MALE_CHARS))
_FEMALE_P = _zipf(len(FEMALE_CHARS))

# Uyghur names as written in Chinese: given name · father's name.
_MINORITY_FIRST = ("买买提", "艾力", "阿不都", "努尔", "艾合买提", "吐尔逊", "热合曼", "玉素甫")
_MINORITY_FIRST_F = ("古丽", "阿依古丽", "热依拉", "迪丽努尔", "帕提古丽", "阿依努尔", "再娜甫")
_MINORITY_LAST = ("艾力", "买买提", "阿不力孜", "热合曼", "吐尔逊", "依明", "卡德尔", "托乎提")


def sample_surnames(rng: np.random.Generator, n: int) -> np.ndarray:
    """Indices into SURNAMES drawn with the real surname frequencies."""
    return rng.choice(len(SURNAMES), size=n, p=_SURNAME_P)


def sample_given_names(rng: np.random.Generator, male: np.ndarray) -> list[str]:
    """One- or two-character given names (about 1 in 5 single), gendered character pools."""
    n = len(male)
    m1 = rng.choice(len(MALE_CHARS), size=n, p=_MALE_P)
    m2 = rng.choice(len(MALE_CHARS), size=n, p=_MALE_P)
    f1 = rng.choice(len(FEMALE_CHARS), size=n, p=_FEMALE_P)
    f2 = rng.choice(len(FEMALE_CHARS), size=n, p=_FEMALE_P)
    single = rng.random(n) < 0.2
    mc = np.array(MALE_CHARS, dtype=object)
    fc = np.array(FEMALE_CHARS, dtype=object)
    first = np.where(male, mc[m1], fc[f1])
    second = np.where(single, "", np.where(male, mc[m2], fc[f2]))
    return (first + second).tolist()


def sample_minority_names(rng: np.random.Generator, male: np.ndarray) -> list[str]:
    """Uyghur-style names with the middle dot `·` (U+00B7)."""
    n = len(male)
    first_m = rng.choice(len(_MINORITY_FIRST), size=n)
    first_f = rng.choice(len(_MINORITY_FIRST_F), size=n)
    last = rng.choice(len(_MINORITY_LAST), size=n)
    return [
        (_MINORITY_FIRST[a] if is_m else _MINORITY_FIRST_F[b]) + "·" + _MINORITY_LAST[c]
        for is_m, a, b, c in zip(male.tolist(), first_m.tolist(), first_f.tolist(), last.tolist())
    ]


@functools.cache
def simplified_to_traditional() -> dict[str, str]:
    """Simplified → its usual traditional form (OpenCC STCharacters, first candidate), kept only
    where the traditional → simplified table maps it back, so `normalise_name` undoes it."""
    back = traditional_to_simplified_table()
    text = (
        importlib_resources.files("opencc")
        .joinpath("dictionary/STCharacters.txt")
        .read_text(encoding="utf-8")
    )
    table: dict[str, str] = {}
    for line in text.splitlines():
        if "\t" not in line:
            continue
        simp, targets = line.split("\t", 1)
        trad = targets.split()[0]
        if trad != simp and back.get(trad) == simp and unicodedata.normalize("NFKC", trad) == trad:
            table[simp] = trad
    return table
