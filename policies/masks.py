"""Masks as SQL expressions: keyed HMAC tokens and display masks (张*), built with sqlglot.

The token key of a grant is derived from the hub's secret and the grant id (HKDF, RFC 5869). It
reaches DuckDB only as bound parameters, so it never appears in SQL text, audit or errors.
"""

from __future__ import annotations

import hashlib
import hmac

import sqlglot
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from sqlglot import exp

__all__ = [
    "DISPLAY_MASKS",
    "TOKEN_HEX_CHARS",
    "display_mask",
    "grant_key",
    "key_parameters",
    "token",
    "token_expression",
]

TOKEN_HEX_CHARS = 32  # 128 bits of HMAC-SHA256: collisions are out of reach for a city
_BLOCK = 64  # SHA-256 block size (RFC 2104)


def grant_key(secret: str, grant_id: str) -> bytes:
    """The 32-byte token key of one grant: same grant, same key; another grant, unrelated key."""
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=b"city-data-hub/grant-token",
                info=grant_id.encode()).derive(secret.encode())


def token(key: bytes, value: str) -> str:
    """The token of one value, as the SQL expression computes it (for extracts and tests)."""
    return hmac.new(key, value.encode(), hashlib.sha256).hexdigest()[:TOKEN_HEX_CHARS]


def key_parameters(key: bytes, name: str) -> dict[str, bytes]:
    """HMAC's inner and outer padded keys (RFC 2104) as named query parameters."""
    padded = key.ljust(_BLOCK, b"\0")
    return {f"{name}_i": bytes(b ^ 0x36 for b in padded),
            f"{name}_o": bytes(b ^ 0x5C for b in padded)}


def _template(sql: str) -> exp.Expr:
    return sqlglot.parse_one(sql, read="duckdb")


def _fill(template: exp.Expr, **values: exp.Expr) -> exp.Expr:
    """The template with each column `__name` replaced by the given expression."""
    def swap(node: exp.Expr) -> exp.Expr:
        if isinstance(node, exp.Column) and not node.table and node.name in values:
            return values[node.name].copy()
        return node
    return template.copy().transform(swap, copy=False)


_HMAC = _template(
    f"left(sha256(__o || unhex(sha256(__i || encode(CAST(__v AS VARCHAR))))), {TOKEN_HEX_CHARS})"
)
_HMAC_LIST = _template("list_transform(__v, lambda __x: __h)")


def token_expression(value: exp.Expr, key_name: str, *, is_list: bool = False) -> exp.Expr:
    """HMAC-SHA256 of the value under the key bound as `$<key_name>_i/_o`; NULL stays NULL."""
    keys = {"__i": exp.Placeholder(this=f"{key_name}_i"),
            "__o": exp.Placeholder(this=f"{key_name}_o")}
    if not is_list:
        return _fill(_HMAC, __v=value, **keys)
    element = _fill(_HMAC, __v=exp.column("__x"), **keys)
    return _fill(_HMAC_LIST, __v=value, __h=element)


# Display masks by sensitivity. Only masks that cannot be undone from other visible items are
# declared: an ID number has none (its address code and birth date follow from district and
# birth date), so a policy asking to display one fails to load.
DISPLAY_MASKS: dict[str, exp.Expr] = {
    # 张三 → 张*, 欧阳娜娜 → 欧***: the surname initial only (GB/T 35273 附录A 屏蔽).
    "name": _template("left(__v, 1) || repeat('*', greatest(length(__v) - 1, 1))"),
    # 惠州市博罗县公庄镇解放路262号 → 惠州市博罗县公庄镇***: down to the town or street office.
    "address": _template(
        "coalesce(nullif(regexp_extract(__v, '^.*?(?:镇|街道|乡)', 0), ''), left(__v, 6)) || '***'"
    ),
    # 1986-11-17 → 1986-01-01: the year only (泛化). Stepping back to 1 January is date
    # arithmetic; date_trunc goes through TIMESTAMP and back and cost 1.8× a citywide
    # count-by-year query, this ~1.3× (docs/bench-gateway.md). Same value for every finite
    # date; ±infinity (never a standardised birth date) masks to NULL.
    "birth_date": _template("CAST(__v AS DATE) - CAST(dayofyear(__v) - 1 AS INTEGER)"),
}


def display_mask(sensitivity: str, value: exp.Expr) -> exp.Expr:
    return _fill(DISPLAY_MASKS[sensitivity], __v=value)
