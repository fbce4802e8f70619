"""The vocabulary of the gateway fuzzer's grammar (`tests/policies/sqlgen.py`): the lake's
permitted tables and columns by kind, literals, type spellings, every allowlisted function as
typed templates, and what lies outside the permitted surface (functions, tables, schemas,
files, placeholders), plus the `Generated` query the strategies draw.

Queries that read the lake's directory name it `@LAKE@`; the runner substitutes the path.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = [
    "AGGREGATES",
    "COMMENTS",
    "FUNCTIONS",
    "HIDDEN_COLUMNS",
    "INJECTED",
    "LAKE",
    "LITERALS",
    "OUTSIDE_FUNCTIONS",
    "OUTSIDE_SCALARS",
    "OUTSIDE_TABLES",
    "PLACEHOLDERS",
    "SOURCES",
    "SPELLINGS",
    "SPLICE_BASES",
    "SPLICE_CARRIERS",
    "SPLICE_QUALIFIERS",
    "TYPES",
    "WINDOWS",
    "Generated",
]

LAKE = "@LAKE@"
INJECTED = "leak"  # the alias attack templates give the select item they smuggle in

# Column kinds: V text, I integer, N number (double/decimal), D date, B boolean, L text list.
SOURCES: dict[str, dict[str, str]] = {
    "ga_population": {
        "_batch_id": "V", "_file": "V", "_record_no": "I", "_sha256": "V", "id_number": "V",
        "id_number_valid": "B", "name": "V", "gender": "V", "gender_orig": "V",
        "birth_date": "D", "household_id": "V", "relation_to_head": "V",
        "relation_to_head_orig": "V", "district_code": "V", "district_code_orig": "V",
        "address": "V", "status": "V", "status_orig": "V"},
    "wj_deaths": {
        "_batch_id": "V", "_file": "V", "_record_no": "I", "_sha256": "V",
        "certificate_no": "V", "certificate_no_orig": "V", "id_number": "V",
        "id_number_valid": "B", "name": "V", "death_date": "D", "death_date_orig": "V",
        "district_code": "V", "district_code_orig": "V"},
    "zr_real_estate": {
        "_batch_id": "V", "_file": "V", "_record_no": "I", "_sha256": "V",
        "certificate_no": "V", "owner_id_number": "V", "owner_id_number_valid": "B",
        "co_owner_id_numbers": "L", "property_use": "V", "property_use_orig": "V",
        "area_m2": "N", "area_m2_orig": "V", "location": "V", "district_code": "V",
        "district_code_orig": "V"},
}
# Columns of the lake the analyst's grants never expose (originals, normalised names, items
# outside the grant): referring to them must fail.
HIDDEN_COLUMNS = ("name_orig", "name_norm", "id_number_orig", "address_orig", "ethnicity",
                  "birth_date_orig", "owner_name", "household_id_orig", "__hub_person")

LITERALS = {
    "V": ["'张*'", "'女'", "'男'", "'正常'", "'441302'", "'441303'",
          "'惠州市某区江北街道***'",
          "'户主'", "''", "'%'", "'a''b'", "'注销'", "'住宅'", "'20261101T020000'",
          "NULL::VARCHAR", "'4413'"],
    "I": ["0", "1", "2", "7", "100", "-3", "2147483647", "NULL::INTEGER", "1_000"],
    "N": ["0.5", "1e3", "3.14", "-2.5", "1000.25", "CAST('NaN' AS DOUBLE)"],
    "D": ["DATE '1980-01-01'", "DATE '2020-01-05'", "DATE '1999-12-31'", "'2000-02-29'::DATE",
          "NULL::DATE"],
    "B": ["true", "false", "NULL::BOOLEAN"],
    "L": ["['a', 'b']", "[]::VARCHAR[]", "['441302']", "list_value('x', NULL)"],
}

# Type spellings by the kind a cast to them yields (X: a kind the grammar does not reuse).
TYPES = {
    "V": ["VARCHAR", "varchar", '"VARCHAR"', '"varchar"', "TEXT", "STRING", "CHAR",
          "BPCHAR", "VARCHAR(10)", "CHARACTER VARYING", "main.varchar", "main.VARCHAR",
          '"main"."varchar"', "system.main.varchar", "JSON"],
    "I": ["INTEGER", "INT", "INT4", "BIGINT", "INT8", "SMALLINT", "HUGEINT", "UBIGINT",
          '"INTEGER"', '"bigint"', "main.integer", "LONG", "SIGNED", "BIGINT UNSIGNED",
          "VARINT", "BIGNUM", "UHUGEINT"],
    "N": ["DOUBLE", "FLOAT", "REAL", "DOUBLE PRECISION", "DECIMAL(10,2)", "DECIMAL(18, 3)",
          "NUMERIC(12,4)", "DECIMAL", '"DOUBLE"', "main.double", "FLOAT8"],
    "D": ["DATE", '"DATE"', "main.date", "TIMESTAMP", "TIMESTAMP(3)", "TIMESTAMP_NS",
          "TIMESTAMPTZ", "TIMESTAMP WITH TIME ZONE", "DATETIME"],
    "B": ["BOOLEAN", "BOOL", "LOGICAL", '"BOOLEAN"', "main.boolean"],
    "L": ["VARCHAR[]", "TEXT[]", '"VARCHAR"[]', "VARCHAR[2]", "main.varchar[]",
          "VARCHAR ARRAY"],
    "X": ["INTEGER[]", "INT[3]", "STRUCT(a VARCHAR, b INTEGER)", "STRUCT(\"a\" TEXT)",
          "MAP(VARCHAR, INTEGER)", "UNION(a INTEGER, b VARCHAR)", "ENUM('男', '女')",
          "BLOB", "BYTEA", "UUID", "INTERVAL", "TIME", "TIMETZ", "BIT", "UTINYINT",
          '"x"', "x", '"hub_type"', "main.x", '"INTEGER) FROM standardised.ga_population --"',
          '"VARCHAR) FROM raw.ga_population --"', "hub.main.varchar", "memory.main.varchar",
          "pg_catalog.int4", "information_schema.varchar"],
}

# Every function of `policies.allowlist.FUNCTIONS`, as templates over typed holes
# ({V} text, {I} integer, {N} number, {D} date, {B} boolean, {L} text list), by result kind.
FUNCTIONS: dict[str, list[tuple[str, str]]] = {
    "upper": [("V", "upper({V})")], "lower": [("V", "lower({V})")],
    "ucase": [("V", "ucase({V})")], "lcase": [("V", "lcase({V})")],
    "length": [("I", "length({V})")], "len": [("I", "len({V})")],
    "strlen": [("I", "strlen({V})")],
    "substring": [("V", "substring({V}, {I}, 3)"), ("V", "substring({V} FROM 2 FOR 3)")],
    "substr": [("V", "substr({V}, 2)")], "left": [("V", "left({V}, 2)")],
    "right": [("V", "right({V}, 3)")],
    "trim": [("V", "trim({V})"), ("V", "trim(BOTH '*' FROM {V})")],
    "ltrim": [("V", "ltrim({V}, '惠')")], "rtrim": [("V", "rtrim({V}, '*')")],
    "replace": [("V", "replace({V}, '*', '#')")], "concat": [("V", "concat({V}, '-', {I})")],
    "concat_ws": [("V", "concat_ws('|', {V}, {V})")], "lpad": [("V", "lpad({V}, 8, '0')")],
    "rpad": [("V", "rpad({V}, 8, '.')")], "reverse": [("V", "reverse({V})")],
    "repeat": [("V", "repeat({V}, 2)")], "position": [("I", "position('*' IN {V})")],
    "strpos": [("I", "strpos({V}, '街')")], "instr": [("I", "instr({V}, '4')")],
    "contains": [("B", "contains({V}, '*')")], "starts_with": [("B", "starts_with({V}, '4413')")],
    "ends_with": [("B", "ends_with({V}, '***')")], "prefix": [("B", "prefix({V}, '张')")],
    "suffix": [("B", "suffix({V}, '2')")], "split_part": [("V", "split_part({V}, '-', 2)")],
    "string_split": [("L", "string_split({V}, '-')")],
    "regexp_matches": [("B", "regexp_matches({V}, '^[0-9a-f]{{4}}')")],
    "regexp_replace": [("V", "regexp_replace({V}, '[0-9]', 'x', 'g')")],
    "regexp_extract": [("V", "regexp_extract({V}, '(街道|镇)', 1)")],
    "regexp_full_match": [("B", "regexp_full_match({V}, '.*\\*+')")],
    "md5": [("V", "md5({V})")], "sha256": [("V", "sha256({V})")], "hash": [("I", "hash({V})")],
    "format": [("V", "format('{{}}-{{}}', {V}, {I})")],
    "printf": [("V", "printf('%s:%d', {V}, {I})")],
    "ascii": [("I", "ascii({V})")], "chr": [("V", "chr(65 + abs({I}) % 26)")],
    "unicode": [("I", "unicode({V})")],
    # the 3-argument form: sqlglot drops the cost argument DuckDB would refuse
    "levenshtein": [("I", "levenshtein({V}, {V})"), ("I", "levenshtein({V}, {V}, 2)")],
    "jaro_winkler_similarity": [("N", "jaro_winkler_similarity({V}, {V})")],
    "damerau_levenshtein": [("I", "damerau_levenshtein({V}, {V})")],
    "hamming": [("I", "hamming(left({V}, 1), left({V}, 1))")],
    "nfc_normalize": [("V", "nfc_normalize({V})")], "strip_accents": [("V", "strip_accents({V})")],
    "abs": [("I", "abs({I})")], "round": [("N", "round({N}, 1)")], "floor": [("N", "floor({N})")],
    "ceil": [("N", "ceil({N})")], "ceiling": [("N", "ceiling({N})")],
    "sqrt": [("N", "sqrt(abs({N}))")], "cbrt": [("N", "cbrt({N})")],
    "power": [("N", "power({I}, 2)")], "pow": [("N", "pow(2, {I} % 8)")],
    "ln": [("N", "ln(1 + abs({N}))")], "log": [("N", "log(1 + abs({I}))")],
    "log10": [("N", "log10(1 + abs({N}))")], "log2": [("N", "log2(1 + abs({I}))")],
    "exp": [("N", "exp({I} % 5)")], "sign": [("I", "sign({I})")],
    "greatest": [("I", "greatest({I}, {I})"), ("V", "greatest({V}, {V})")],
    "least": [("D", "least({D}, {D})")], "trunc": [("N", "trunc({N})")], "pi": [("N", "pi()")],
    "isnan": [("B", "isnan({N})")], "isinf": [("B", "isinf({N})")], "even": [("N", "even({N})")],
    "year": [("I", "year({D})")], "month": [("I", "month({D})")], "day": [("I", "day({D})")],
    "quarter": [("I", "quarter({D})")], "week": [("I", "week({D})")],
    "weekday": [("I", "weekday({D})")], "dayofweek": [("I", "dayofweek({D})")],
    "dayofyear": [("I", "dayofyear({D})")], "dayofmonth": [("I", "dayofmonth({D})")],
    "isodow": [("I", "isodow({D})")], "yearweek": [("I", "yearweek({D})")],
    "hour": [("I", "hour({D})")], "minute": [("I", "minute({D})")],
    "second": [("I", "second({D})")], "date_part": [("I", "date_part('year', {D})")],
    "datepart": [("I", "datepart('month', {D})")],
    "date_trunc": [("D", "date_trunc('month', {D})")],
    "datetrunc": [("D", "datetrunc('year', {D})")],
    "date_diff": [("I", "date_diff('day', {D}, {D})")],
    "datediff": [("I", "datediff('year', {D}, {D})")],
    "date_sub": [("I", "date_sub('month', {D}, {D})")],
    "date_add": [("D", "date_add({D}, INTERVAL 1 DAY)")],
    "strftime": [("V", "strftime({D}, '%Y-%m')")],
    "strptime": [("D", "strptime(strftime({D}, '%Y%m%d'), '%Y%m%d')")],
    "try_strptime": [("D", "try_strptime({V}, '%Y%m%d')")],
    "make_date": [("D", "make_date(year({D}), 1, 1)")],
    "make_timestamp": [("D", "make_timestamp(2020, 1, 1 + abs({I}) % 28, 0, 0, 0)")],
    "current_date": [("D", "current_date")], "today": [("D", "today()")],
    "age": [("V", "CAST(age({D}, DATE '2000-01-01') AS VARCHAR)")],
    "last_day": [("D", "last_day({D})")], "monthname": [("V", "monthname({D})")],
    "dayname": [("V", "dayname({D})")], "epoch": [("N", "epoch({D})")],
    "coalesce": [("V", "coalesce({V}, {V})"), ("I", "coalesce({I}, 0)")],
    "ifnull": [("V", "ifnull({V}, '?')")], "nullif": [("V", "nullif({V}, {V})")],
    "if": [("V", "if({B}, {V}, {V})"), ("I", "if({B}, {I}, {I})")],
    "typeof": [("V", "typeof({V})"), ("V", "typeof({D})")],
    "list_value": [("L", "list_value({V}, {V})")], "list_extract": [("V", "list_extract({L}, 1)")],
    "list_element": [("V", "list_element({L}, 2)")],
    "list_contains": [("B", "list_contains({L}, {V})")], "list_has": [("B", "list_has({L}, {V})")],
    "array_contains": [("B", "array_contains({L}, {V})")],
    "array_length": [("I", "array_length({L})")],
    "list_distinct": [("L", "list_sort(list_distinct({L}))")],
    "list_sort": [("L", "list_sort({L})")],
    "list_reverse_sort": [("L", "list_reverse_sort({L})")],
    "list_slice": [("L", "list_slice({L}, 1, 2)")],
    "list_position": [("I", "list_position({L}, {V})")],
    "list_concat": [("L", "list_concat({L}, {L})")], "list_unique": [("I", "list_unique({L})")],
    "flatten": [("L", "flatten([{L}, {L}])")],
    "unnest": [("V", "unnest({L})")],
    "struct_pack": [("V", "CAST(struct_pack(a := {V}, b := {I}) AS VARCHAR)")],
    "struct_extract": [("V", "struct_extract(struct_pack(k := {V}), 'k')")],
    "row": [("V", "CAST(row({V}, {I}) AS VARCHAR)")],
    "list_transform": [("L", "list_transform({L}, lambda x: upper(x))")],
    "list_filter": [("L", "list_filter({L}, lambda x: x LIKE '%1%')")],
    "list_reduce": [("V", "list_reduce(list_append({L}, ''), lambda a, b: a || b)")],
    "array_to_string": [("V", "array_to_string({L}, ',')")],
    "to_json": [("V", "CAST(to_json({V}) AS VARCHAR)")],
    "json_extract": [("V", "CAST(json_extract(json_object('k', {V}), '$.k') AS VARCHAR)")],
    "json_extract_string": [("V", "json_extract_string(json_object('k', {V}), '$.k')")],
    "json_object": [("V", "CAST(json_object('a', {V}, 'b', {I}) AS VARCHAR)")],
    "json_array": [("V", "CAST(json_array({V}, {B}) AS VARCHAR)")],
    "json_keys": [("L", "json_keys(json_object({V}, 1))")],
    "json_valid": [("B", "json_valid({V})")],
    "json_type": [("V", "json_type(to_json({I}))")],
    "json_array_length": [("I", "json_array_length(json_array({V}, {V}))")],
    "json_contains": [("B", "json_contains(json_array({V}), to_json({V}))")],
    "json_structure": [("V", "CAST(json_structure(json_object('k', {V})) AS VARCHAR)")],
}
# Aggregates: (result kind, template, exact) -- inexact ones depend on row order or ties.
AGGREGATES: dict[str, list[tuple[str, str, bool]]] = {
    "count": [("I", "count(*)", True), ("I", "count({V})", True),
              ("I", "count(DISTINCT {V})", True)],
    "sum": [("N", "sum({I})", True)], "avg": [("N", "avg({I})", True)],
    "min": [("V", "min({V})", True), ("D", "min({D})", True)],
    "max": [("V", "max({V})", True), ("I", "max({I})", True)],
    "median": [("N", "median({I})", True)], "mode": [("V", "mode({V})", False)],
    "quantile_cont": [("N", "quantile_cont({I}, 0.5)", True)],
    "quantile_disc": [("I", "quantile_disc({I}, 0.25)", True)],
    "stddev": [("N", "stddev({I})", True)], "stddev_pop": [("N", "stddev_pop({I})", True)],
    "stddev_samp": [("N", "stddev_samp({I})", True)], "var_pop": [("N", "var_pop({I})", True)],
    "var_samp": [("N", "var_samp({I})", True)], "variance": [("N", "variance({I})", True)],
    "string_agg": [("V", "string_agg({V}, ',' ORDER BY {V0})", True)],
    "list": [("L", "list({V} ORDER BY {V0})", True)],
    "array_agg": [("L", "array_agg({V} ORDER BY {V0})", True)],
    "any_value": [("V", "any_value({V})", False)],
    "first": [("V", "first({V} ORDER BY {V0})", True)],
    "last": [("V", "last({V} ORDER BY {V0})", True)],
    "arg_min": [("V", "arg_min({V}, {I})", False)], "arg_max": [("V", "arg_max({V}, {I})", False)],
    "approx_count_distinct": [("I", "approx_count_distinct({V})", True),
                              ("I", "approx_count_distinct({V}, 0.01)", True)],
    "bool_and": [("B", "bool_and({B})", True)], "bool_or": [("B", "bool_or({B})", True)],
    "count_if": [("I", "count_if({B})", True)], "product": [("N", "product({I} % 3 + 1)", True)],
    "corr": [("N", "corr({I}, {I})", True)],
    "histogram": [("V", "CAST(histogram({V}) AS VARCHAR)", True)],
}
# Window functions: (result kind, template, needs a total order). {K} is a total order.
WINDOWS: dict[str, list[tuple[str, str, bool]]] = {
    "row_number": [("I", "row_number() OVER (ORDER BY {K})", True)],
    "rank": [("I", "rank() OVER (ORDER BY {V})", False)],
    "dense_rank": [("I", "dense_rank() OVER (PARTITION BY {V} ORDER BY {D})", False)],
    "percent_rank": [("N", "percent_rank() OVER (ORDER BY {V})", False)],
    "cume_dist": [("N", "cume_dist() OVER (ORDER BY {V})", False)],
    "ntile": [("I", "ntile(4) OVER (ORDER BY {K})", True)],
    "lag": [("V", "lag({V}) OVER (ORDER BY {K})", True)],
    "lead": [("V", "lead({V}, 2, '-') OVER (ORDER BY {K})", True)],
    "first_value": [("V", "first_value({V}) OVER (PARTITION BY {V} ORDER BY {K})", True)],
    "last_value": [("V", "last_value({V}) OVER (ORDER BY {K} ROWS BETWEEN UNBOUNDED PRECEDING "
                         "AND UNBOUNDED FOLLOWING)", True)],
    "nth_value": [("V", "nth_value({V}, 2) OVER (ORDER BY {K})", True)],
    "count": [("I", "count(*) OVER (PARTITION BY {V})", False)],
    "sum": [("N", "sum({I}) OVER (PARTITION BY {V})", False)],
}
# Functions outside the allowlist: reading files, settings, variables, the catalog, running SQL.
OUTSIDE_FUNCTIONS = [
    "read_parquet('@LAKE@/standardised/ga_population/*/*.parquet')",
    "read_parquet(['@LAKE@/standardised/wj_deaths/20261101T020000/accepted.parquet'])",
    "read_csv('/etc/passwd')", "read_csv_auto('/etc/hostname')", "read_text('/etc/passwd')",
    "read_blob('@LAKE@/../hub.duckdb')", "read_json('/etc/hosts')", "glob('@LAKE@/*')",
    "parquet_metadata('@LAKE@/standardised/ga_population/*/*.parquet')",
    "parquet_schema('@LAKE@/standardised/ga_population/*/*.parquet')",
    "duckdb_settings()", "duckdb_tables()", "duckdb_views()", "duckdb_databases()",
    "duckdb_secrets()", "duckdb_functions()", "duckdb_extensions()", "duckdb_columns()",
    "query('SELECT * FROM hub.published.ga_population')",
    "query_table('hub.published.ga_population')", "query_table(['ga_population'])",
    "pragma_table_info('ga_population')", "pragma_database_list()", "pragma_version()",
    "pragma_storage_info('hub.published.ga_population')", "sql_auto_complete('SELECT * FR')",
    "json_serialize_sql('SELECT 1')",
    "json_execute_serialized_sql(json_serialize_sql("
    "'SELECT count(*) FROM hub.published.ga_population'))",
    "range(3)", "generate_series(1, 3)", "unnest([1, 2])", "repeat('x', 2)",
    "which_secret('s3://x', 's3')", "test_all_types()",
]
OUTSIDE_SCALARS = [
    "current_setting('allowed_directories')", "current_setting('secret_directory')",
    "current_setting('home_directory')", "getvariable('x')", "getenv('HOME')",
    "version()", "current_query()", "current_database()", "current_schema()",
    "current_schemas(true)", "random()", "uuid()", "gen_random_uuid()", "setseed(0.5)",
    "nextval('s')", "txid_current()", "error('x')", "stats(1)", "typeof($hub_k0_i)",
    "sql_auto_complete('SELE')", "json_serialize_sql('SELECT 1')",
    "query('SELECT 1')", "read_text('/etc/passwd')", "file_exists('/etc/passwd')",
    "octet_length(encode('a'))", "hex('a')", "to_base64(encode('a'))", "now()",
    "current_user", "session_user", "system('id')", "checkpoint()", "enable_profiling()",
    "list_value(current_setting('TimeZone'))", "in_search_path('hub', 'published')",
]
# Table names outside what a grant covers: other schemas and catalogs, files, the catalog.
OUTSIDE_TABLES = [
    "standardised.ga_population", "raw.ga_population", "quarantine.ga_population",
    "history.ga_population", "current.ga_population", "meta.secrets", "meta.publications",
    "main.ga_population", "hub.raw.ga_population", "hub.standardised.ga_population",
    "hub.meta.secrets", "hub.main.ga_population", "__hub_catalog.published.ga_population",
    "memory.main.ga_population", "system.main.duckdb_tables", "temp.main.ga_population",
    "information_schema.tables", "pg_catalog.pg_tables", "duckdb_tables", "ga_vehicles",
    "mz_recipients", "published.ga_vehicles", "published.rs_social_insurance",
    "'/etc/passwd'", "'@LAKE@/standardised/ga_population/20261101T020000/accepted.parquet'",
    "'@LAKE@/../hub.duckdb'", "'lake/..'", "\"@LAKE@/standardised/wj_deaths/*/*.parquet\"",
    "__hub_cte_0", "__hub_snapshot_0", "hub_k0", "ga_population_orig",
]
# Spellings of the permitted tables (published schema, catalog, quotes, case).
SPELLINGS = {
    "ga_population": ["ga_population", "published.ga_population", "GA_POPULATION",
                      '"ga_population"', 'Published."Ga_Population"', "hub.published.ga_population",
                      '"published"."ga_population"', "PUBLISHED.ga_population"],
    "wj_deaths": ["wj_deaths", "published.wj_deaths", '"WJ_DEATHS"', "hub.published.wj_deaths"],
    "zr_real_estate": ["zr_real_estate", "published.zr_real_estate", "Zr_Real_Estate"],
}
# Type names sqlglot keeps as text: qualified names, and quoted names it does not know that
# DuckDB does (varint, oid), or that neither knows.
SPLICE_QUALIFIERS = ["main.", '"main".', "hub.main.", "system.main.", "memory.main.", "", ""]
SPLICE_BASES = ["INT", "varint", "oid", "INTEGER", " INT", "x"]
# Integer expressions whose verbatim-kept text closes the construct, adds `+ {inner} +` and
# reopens it: the places sqlglot 30 keeps text as it was written and prints back unquoted.
SPLICE_CARRIERS = [
    ("type_name", 'CAST(1 AS {q}"{base}) + {inner} + CAST(0 AS INT")'),
    ("type_name_try_cast", 'TRY_CAST(1 AS {q}"{base}) + {inner} + TRY_CAST(0 AS INT")'),
    ("type_name_colon", '1::{q}"{base}) + {inner} + CAST(0 AS INT"'),
    ("type_name_array", 'CAST(1 AS {q}"{base}) + {inner} + list_sum(CAST([0] AS INT"[]))'),
    ("decimal_scale", 'CAST(1 AS DECIMAL(10, "2)) + {inner} + CAST(0 AS DECIMAL(10, 2"))'),
    ("decimal_precision", 'CAST(1 AS DECIMAL("10)) + {inner} + CAST(0 AS DECIMAL(10", 2))'),
    ("extract_field", "EXTRACT(\"year FROM DATE '2020-01-01') + {inner} + "
                      "EXTRACT(year\" FROM DATE '2020-01-01')"),
    # date_add's third argument, even a string literal, is printed as the interval's unit
    ("date_add_unit", "year(date_add(DATE '2020-01-01', 1, 'day) + {inner_sq} + "
                      "year(DATE ''2020-01-01'' + INTERVAL 1 day'))"),
]
PLACEHOLDERS = ["$1", "?", "$name", "$hub_k0_i", "$hub_k0_o", "$hub_k1_i", "$hub_k2_o",
                "$HUB_K0_I", "$0"]
COMMENTS = [" ", " ", " ", "\n", "\t", " /* c */ ", "/**/", " -- c\n", " /* ; SELECT 1 */ ",
            " --\n", " /* /* nested */ */ ", " /* ) FROM raw.ga_population -- */ "]


@dataclass(frozen=True)
class Generated:
    sql: str
    tags: frozenset[str]
    exact: bool  # False: the answer depends on row order or ties; compare the shape only
