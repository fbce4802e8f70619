"""Attack templates for the gateway fuzzer: a payload that reads what the analyst's grants
do not cover, spliced into a place where sqlglot keeps text verbatim (issue 14), closed and
reopened so that the printed SQL stays valid."""

from __future__ import annotations

from hypothesis import strategies as st

from tests.policies.sqlvocab import Generated

__all__ = ["CARRIERS", "PAYLOADS", "attacks"]

# What an injected select item reads: every one is something the analyst must never see.
PAYLOADS = {
    "citywide_count": "(SELECT count(*) FROM hub.published.ga_population)",
    "other_districts": "(SELECT list(name || id_number || address ORDER BY id_number) FROM "
                       "hub.published.ga_population WHERE district_code <> '441302')",
    "raw_schema": "(SELECT count(*) FROM hub.raw.ga_population)",
    "hmac_key": "(SELECT hex($hub_k0_i))",
    "hmac_key_length": "(SELECT octet_length($hub_k0_o))",
    "lake_file": "(SELECT count(*) FROM "
                 "read_parquet('@LAKE@/standardised/ga_population/*/*.parquet'))",
    "lake_path": "(SELECT count(*) FROM "
                 "'@LAKE@/standardised/ga_population/20261101T020000/accepted.parquet')",
    "meta_secret": "(SELECT s FROM hub.meta.secrets)",
    "setting": "current_setting('allowed_directories')",
}
# Carriers: (name, template) -- {P} is the payload; the text around it closes and reopens
# the construct so that the printed SQL stays valid.
CARRIERS = [
    ("cast_qualified", 'CAST(1 AS main."INT), {P} AS leak, CAST(1 AS INT")'),
    ("cast_qualified_quoted", 'CAST(1 AS "main"."INT), {P} AS leak, CAST(1 AS INT")'),
    ("cast_catalog_qualified", 'CAST(1 AS hub.main."INT), {P} AS leak, CAST(1 AS INT")'),
    ("cast_system_qualified", 'CAST(1 AS system.main."INT), {P} AS leak, CAST(1 AS INT")'),
    ("cast_unknown_quoted", 'CAST(1 AS "int4x), {P} AS leak, CAST(1 AS INT")'),
    ("cast_quoted_varint", 'CAST(1 AS "varint), {P} AS leak, CAST(1 AS INT")'),
    ("cast_quoted_oid", 'CAST(1 AS "oid), {P} AS leak, CAST(1 AS INT")'),
    ("cast_quoted_guid", "CAST('00000000-0000-0000-0000-000000000000' AS \"guid), {P} AS leak, "
                         "CAST(1 AS INT\")"),
    ("colon_cast_varint", '1::"varint), {P} AS leak, CAST(1 AS INT"'),
    ("try_cast_oid", 'TRY_CAST(1 AS "oid), {P} AS leak, CAST(1 AS INT")'),
    ("cast_known_prefix", 'CAST(1 AS "INTEGER) FROM (SELECT {P} AS leak) --")'),
    ("cast_leading_space", 'CAST(1 AS " INT), {P} AS leak, CAST(1 AS INT")'),
    ("colon_cast", '1::main."INT), {P} AS leak, CAST(1 AS INT"'),
    ("colon_cast_unknown", '1::"x), {P} AS leak, CAST(1 AS INT"'),
    ("try_cast", 'TRY_CAST(1 AS main."INT), {P} AS leak, CAST(1 AS INT")'),
    ("try_cast_unknown", 'TRY_CAST(1 AS "y), {P} AS leak, TRY_CAST(1 AS INT")'),
    ("cast_array", 'CAST(1 AS main."INT), {P} AS leak, CAST([1] AS INT"[])'),
    ("cast_array_keyword", 'CAST(1 AS main."INT), {P} AS leak, CAST([1] AS INT" ARRAY)'),
    ("cast_map_key", 'CAST(NULL AS MAP(main."INT, INT)), {P} AS leak, '
                     'CAST(NULL AS MAP(INT", INT))'),
    ("cast_map_value", 'CAST(NULL AS MAP(VARCHAR, main."INT)), {P} AS leak, '
                       'CAST(NULL AS MAP(INT, INT"))'),
    ("cast_struct", 'CAST(NULL AS STRUCT(a main."INT), {P} AS leak, CAST(1 AS INT"))'),
    ("cast_union", 'CAST(NULL AS UNION(a main."INT), {P} AS leak, CAST(1 AS INT"))'),
    ("decimal_precision", 'CAST(1 AS DECIMAL("10)), {P} AS leak, CAST(1 AS DECIMAL(10", 2))'),
    ("decimal_scale", 'CAST(1 AS DECIMAL(10, "2)), {P} AS leak, CAST(1 AS DECIMAL(10, 2"))'),
    ("numeric_param", 'CAST(1 AS NUMERIC("10)), {P} AS leak, CAST(1 AS NUMERIC(10"))'),
    ("timestamp_precision", 'CAST(NULL AS TIMESTAMP("3)), {P} AS leak, '
                            'CAST(NULL AS TIMESTAMP(3"))'),
    ("bit_length", 'CAST(NULL AS BIT("1)), {P} AS leak, CAST(NULL AS BIT(1"))'),
    ("extract_field", "EXTRACT(\"year FROM DATE '2020-01-01'), {P} AS leak, "
                      "EXTRACT(year\" FROM DATE '2020-01-01')"),
    ("date_add_unit", "date_add(DATE '2020-01-01', 1, 'day, {PQ} AS leak, 1')"),
    ("date_add_unit_ident", 'date_add(DATE \'2020-01-01\', 1, "day, {P} AS leak, 1")'),
    ("varchar_param", 'CAST(1 AS VARCHAR("10), {P} AS leak, CAST(1 AS VARCHAR(10"))'),
    ("enum_quote", "CAST('a' AS ENUM('a''), {P} AS leak, CAST(''a'' AS ENUM(''a'))"),
    ("typed_literal", 'main."INT), {P} AS leak, CAST(1 AS INT" \'1\''),
    ("interval_unit", 'INTERVAL 1 "DAY), {P} AS leak, INTERVAL (1"'),
    ("collate", "'a' COLLATE \"nocase), {P} AS leak, ('a'\""),
    ("line_comment", "1 -- */, {P} AS leak /*\n"),
    ("block_comment", "1 /* */, {P} AS leak /* */"),
    ("column_alias", '1 AS "x), {P} AS leak, (1"'),
    ("values_alias", "x FROM (VALUES (1)) v(\"x), {P} AS leak, (1\")"),
    ("cast_in_where", None),  # filled below: the cast sits in a WHERE clause over a table
]


@st.composite
def attacks(draw) -> Generated:
    """A known carrier of verbatim text with a payload, in a query that reads a table (so its
    lake directory is reachable) or reads none."""
    carrier, template = draw(st.sampled_from(CARRIERS))
    payload_name, payload = draw(st.sampled_from(sorted(PAYLOADS.items())))
    with_table = draw(st.booleans())
    tags = {"attack", "attack:" + carrier, "payload:" + payload_name}
    if template is None:
        sql = (f'SELECT name FROM ga_population WHERE CAST(1 AS main."INT) = 1 AND {payload} '
               f'IS NOT NULL AND CAST(1 AS INT") = 1 LIMIT 1')
        return Generated(sql, frozenset(tags), True)
    item = (template.replace("{PQ}", payload.replace("'", "''")).replace("{P}", payload)
            .replace("{{", "{").replace("}}", "}"))
    if template.startswith("x FROM"):
        return Generated(f"SELECT {item}", frozenset(tags), True)
    if with_table:
        sql = f"SELECT name, {item} FROM ga_population LIMIT 1"
        if carrier.endswith("comment"):
            sql = f"SELECT name, {item} FROM ga_population LIMIT 1"
    else:
        sql = f"SELECT {item}"
    return Generated(sql, frozenset(tags), True)
