"""A grammar of DuckDB queries over the policy tests' lake, as Hypothesis strategies.

`queries()` draws a `Generated` query: SQL text, the constructs it uses (tags, to count
refusals by construct) and whether its answer is deterministic enough to compare exactly.
The grammar covers what an analyst may write (joins, WITH and WITH RECURSIVE, set
operations, windows, aggregates, nested subqueries, every allowlisted function, casts to every
type spelling DuckDB accepts, quoted and case-varied identifiers, comments in odd places) and
what an attacker would (functions and tables outside the allowlist, other schemas and
catalogs, file paths, placeholders, and text spliced into the places sqlglot keeps verbatim).

Queries that read the lake's directory name it `@LAKE@`; the runner substitutes the path.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from hypothesis import strategies as st

__all__ = ["AGGREGATES", "FUNCTIONS", "Generated", "LAKE", "OUTSIDE_FUNCTIONS", "SOURCES",
           "WINDOWS", "attacks", "queries"]

LAKE = "@LAKE@"

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
    "V": ["'张*'", "'女'", "'男'", "'正常'", "'441302'", "'441303'", "'惠州市某区江北街道***'",
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
    "right": [("V", "right({V}, 3)")], "trim": [("V", "trim({V})"), ("V", "trim(BOTH '*' FROM {V})")],
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
    "format": [("V", "format('{{}}-{{}}', {V}, {I})")], "printf": [("V", "printf('%s:%d', {V}, {I})")],
    "ascii": [("I", "ascii({V})")], "chr": [("V", "chr(65 + abs({I}) % 26)")],
    "unicode": [("I", "unicode({V})")], "levenshtein": [("I", "levenshtein({V}, {V})")],
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
    "date_trunc": [("D", "date_trunc('month', {D})")], "datetrunc": [("D", "datetrunc('year', {D})")],
    "date_diff": [("I", "date_diff('day', {D}, {D})")], "datediff": [("I", "datediff('year', {D}, {D})")],
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
    "list_distinct": [("L", "list_sort(list_distinct({L}))")], "list_sort": [("L", "list_sort({L})")],
    "list_reverse_sort": [("L", "list_reverse_sort({L})")],
    "list_slice": [("L", "list_slice({L}, 1, 2)")], "list_position": [("I", "list_position({L}, {V})")],
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
    "count": [("I", "count(*)", True), ("I", "count({V})", True), ("I", "count(DISTINCT {V})", True)],
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
    "approx_count_distinct": [("I", "approx_count_distinct({V})", True)],
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
    "json_execute_serialized_sql(json_serialize_sql('SELECT count(*) FROM hub.published.ga_population'))",
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
PLACEHOLDERS = ["$1", "?", "$name", "$hub_k0_i", "$hub_k0_o", "$hub_k1_i", "$hub_k2_o",
                "$HUB_K0_I", "$0"]
COMMENTS = [" ", " ", " ", "\n", "\t", " /* c */ ", "/**/", " -- c\n", " /* ; SELECT 1 */ ",
            " --\n", " /* /* nested */ */ ", " /* ) FROM raw.ga_population -- */ "]


@dataclass(frozen=True)
class Generated:
    sql: str
    tags: frozenset[str]
    exact: bool  # False: the answer depends on row order or ties; compare the shape only


@dataclass
class _Source:
    alias: str
    columns: dict[str, str]
    key: str | None  # a column unique per row of this source (for total orders)


@dataclass
class _Gen:
    draw: object
    tags: set[str] = field(default_factory=set)
    exact: bool = True
    ctes: list[tuple[str, dict[str, str]]] = field(default_factory=list)
    n: int = 0
    hostile: int = 0  # how many constructs outside the permitted surface may still be drawn

    # -- helpers --------------------------------------------------------------------------
    def pick(self, seq):
        return self.draw(st.sampled_from(list(seq)))

    def coin(self, p: float = 0.5) -> bool:
        return self.draw(st.integers(0, 999)) < p * 1000

    def spend(self) -> bool:
        """Whether a hostile construct may be drawn here (one per hostile query)."""
        if self.hostile > 0 and self.coin(0.3):
            self.hostile -= 1
            return True
        return False

    def fresh(self, prefix: str) -> str:
        self.n += 1
        return f"{prefix}{self.n}"

    def sp(self) -> str:
        """Whitespace, or a comment in an odd place."""
        s = self.pick(COMMENTS)
        if s.strip():
            self.tags.add("comment")
        return s

    def ident(self, name: str) -> str:
        """A spelling of an identifier DuckDB resolves to `name` (case-insensitive)."""
        how = self.pick(["plain", "plain", "plain", "quoted", "upper", "mixed"])
        if how == "plain":
            return name
        self.tags.add("ident:" + how)
        if how == "quoted":
            return f'"{name}"'
        if how == "upper":
            return name.upper()
        return "".join(c.upper() if i % 2 else c for i, c in enumerate(name))

    # -- sources --------------------------------------------------------------------------
    def table_source(self, depth: int) -> tuple[str, _Source]:
        choice = self.pick(["table"] * 6 + ["subquery", "cte", "values"])
        if self.spend():
            choice = self.pick(["outside", "tfunc"])
        alias = self.fresh("t")
        if choice == "cte" and self.ctes:
            name, cols = self.pick(self.ctes)
            self.tags.add("cte_ref")
            return f"{name} {alias}", _Source(alias, cols, None)
        if choice == "subquery" and depth > 0:
            sql, cols, key = self.select(depth - 1)
            self.tags.add("subquery_from")
            return f"({sql}) AS {alias}", _Source(alias, cols, key)
        if choice == "values":
            self.tags.add("values")
            rows = ", ".join(f"({self.pick(LITERALS['V'][:8])}, {i})" for i in range(3))
            return f"(VALUES {rows}) {alias}(v, i)", _Source(alias, {"v": "V", "i": "I"}, "i")
        if choice == "outside":
            name = self.pick(OUTSIDE_TABLES)
            self.tags.add("outside_table")
            return f"{name} {alias}", _Source(alias, dict(SOURCES["ga_population"]), None)
        if choice == "tfunc":
            fn = self.pick(OUTSIDE_FUNCTIONS)
            self.tags.add("table_function:" + fn.split("(")[0])
            return f"{fn} {alias}", _Source(alias, {}, None)
        table = self.pick(["ga_population"] * 3 + ["wj_deaths", "zr_real_estate"])
        spelled = self.pick(SPELLINGS[table])
        if spelled.startswith("hub.") and not self.coin(0.3):
            spelled = table
        if spelled != table:
            self.tags.add("table_spelling")
        if spelled.startswith("hub."):
            self.tags.add("catalog_qualified")
        return f"{spelled}{self.sp()}{self.pick(['', 'AS '])}{alias}", \
            _Source(alias, dict(SOURCES[table]), "_record_no")

    # -- expressions ----------------------------------------------------------------------
    def column(self, scope: list[_Source], kind: str) -> str | None:
        found = [(s, c) for s in scope for c, k in s.columns.items() if k == kind]
        if not found:
            return None
        source, col = self.pick(found)
        return f"{source.alias}.{self.ident(col)}"

    def expr(self, scope: list[_Source], kind: str, depth: int) -> str:
        options = ["column"] * 5 + ["literal"] * 2 + ["function"] * 3 + ["cast", "case"]
        if depth <= 0:
            options = ["column", "column", "literal"]
        else:
            options += ["scalar_subquery", "operator"]
        choice = "weird" if self.spend() else self.pick(options)
        if choice == "column":
            col = self.column(scope, kind)
            if col is not None:
                return col
            choice = "literal"
        if choice == "literal":
            return self.pick(LITERALS[kind])
        if choice == "function":
            candidates = [(n, t) for n, forms in FUNCTIONS.items() for k, t in forms if k == kind]
            name, template = self.pick(candidates)
            self.tags.add("fn:" + name)
            return self.fill(template, scope, depth - 1)
        if choice == "cast":
            return self.cast(scope, kind, depth)
        if choice == "case":
            self.tags.add("case")
            return (f"CASE WHEN {self.pred(scope, depth - 1)} THEN {self.expr(scope, kind, depth - 1)}"
                    f" ELSE {self.expr(scope, kind, depth - 1)} END")
        if choice == "scalar_subquery":
            self.tags.add("scalar_subquery")
            return self.scalar_subquery(kind, depth - 1)
        if choice == "operator":
            a, b = self.expr(scope, kind, depth - 1), self.expr(scope, kind, depth - 1)
            op = {"V": "||", "I": self.pick(["+", "-", "*", "%", "//"]),
                  "N": self.pick(["+", "*", "/", "-"]), "D": None, "B": self.pick(["AND", "OR"]),
                  "L": "||"}[kind]
            if op is None:
                step = self.pick(["1", "INTERVAL 1 DAY", "INTERVAL '1' YEAR"])
                return f"({a} + {step})"
            self.tags.add("operator")
            return f"({a}{self.sp()}{op} {b})"
        # weird: placeholders, functions outside the allowlist, hidden columns
        what = self.pick(["placeholder", "outside_fn", "hidden_column"])
        self.tags.add(what)
        if what == "placeholder":
            return self.pick(PLACEHOLDERS)
        if what == "outside_fn":
            fn = self.pick(OUTSIDE_SCALARS)
            self.tags.add("outside_fn:" + fn.split("(")[0])
            return fn
        src = self.pick(scope) if scope else None
        col = self.pick(HIDDEN_COLUMNS)
        return f"{src.alias}.{col}" if src else col

    def fill(self, template: str, scope: list[_Source], depth: int) -> str:
        out, first_v = template, None
        for hole in ("V0", "V", "I", "N", "D", "B", "L"):
            while "{" + hole + "}" in out:
                if hole == "V0":
                    value = first_v or "NULL"
                else:
                    value = self.expr(scope, hole, depth)
                    if hole == "V" and first_v is None:
                        first_v = value
                out = out.replace("{" + hole + "}", value, 1)
        return out.replace("{{", "{").replace("}}", "}")

    def cast(self, scope: list[_Source], kind: str, depth: int) -> str:
        target = self.pick(TYPES[kind] + TYPES["X"] if self.spend() else TYPES[kind])
        source_kind = self.pick(["V", "I", "N", "D", "B", kind, kind, kind])
        value = self.expr(scope, source_kind, depth - 1)
        form = self.pick(["CAST", "TRY_CAST", "::", "typed"])
        self.tags.add("cast:" + ("quoted" if '"' in target else "qualified" if "." in target
                                 else "param" if "(" in target else "array" if "[" in target
                                 else "plain"))
        self.tags.add("cast_form:" + form)
        if target in TYPES["X"]:
            self.tags.add("cast_to:" + target[:30])
        if form == "::":
            return f"({value})::{target}"
        if form == "typed":
            return f"{target} {self.pick(LITERALS['V'][:6])}"
        return f"{form}({value}{self.sp()}AS {target})"

    def pred(self, scope: list[_Source], depth: int) -> str:
        kind = self.pick(["cmp", "cmp", "like", "null", "in", "between", "not", "andor",
                          "fn", "in_sub", "exists", "any"])
        if depth <= 0 and kind in ("in_sub", "exists", "any", "andor", "not"):
            kind = "cmp"
        k = self.pick(["V", "V", "I", "D", "N"])
        if kind == "cmp":
            op = self.pick(["=", "<>", "<", ">=", "!=", "IS DISTINCT FROM", "IS NOT DISTINCT FROM"])
            return f"{self.expr(scope, k, depth)} {op} {self.expr(scope, k, depth)}"
        if kind == "like":
            pattern = self.pick(["'%*%'", "'张%'", "'4413%'", "'%街道%'", "'19%'", "'_'"])
            return f"{self.expr(scope, 'V', depth)} {self.pick(['LIKE', 'ILIKE', 'NOT LIKE'])} {pattern}"
        if kind == "null":
            return f"{self.expr(scope, k, depth)} IS {self.pick(['', 'NOT '])}NULL"
        if kind == "in":
            items = ", ".join(self.pick(LITERALS["V"][:6]) for _ in range(self.draw(st.integers(1, 3))))
            return f"{self.expr(scope, 'V', depth)} IN ({items})"
        if kind == "between":
            return f"{self.expr(scope, 'D', depth)} BETWEEN DATE '1970-01-01' AND {self.expr(scope, 'D', depth)}"
        if kind == "not":
            return f"NOT ({self.pred(scope, depth - 1)})"
        if kind == "andor":
            return f"({self.pred(scope, depth - 1)} {self.pick(['AND', 'OR'])} {self.pred(scope, depth - 1)})"
        if kind == "fn":
            return self.expr(scope, "B", depth)
        if kind == "in_sub":
            self.tags.add("in_subquery")
            sub, cols, _ = self.select(depth - 1, kinds=["V"], correlated=scope)
            return f"{self.expr(scope, 'V', 0)} {self.pick(['IN', 'NOT IN'])} ({sub})"
        if kind == "any":
            self.tags.add("any_subquery")
            sub, cols, _ = self.select(depth - 1, kinds=["V"], correlated=scope)
            return f"{self.expr(scope, 'V', 0)} = ANY ({sub})"
        self.tags.add("exists")
        sub, _, _ = self.select(depth - 1, correlated=scope)
        return f"{self.pick(['', 'NOT '])}EXISTS ({sub})"

    def scalar_subquery(self, kind: str, depth: int) -> str:
        agg = self.pick([(n, t) for n, forms in AGGREGATES.items() for k, t, exact in forms
                         if k == kind and exact] or [("count", "count(*)")])
        sql, source = self.table_source(0)
        scope = [source]
        body = self.fill(agg[1], scope, 0)
        where = f" WHERE {self.pred(scope, 0)}" if self.coin() else ""
        return f"(SELECT {body} FROM {sql}{where})"

    # -- queries --------------------------------------------------------------------------
    def select(self, depth: int, kinds: list[str] | None = None,
               correlated: list[_Source] | None = None) -> tuple[str, dict[str, str], str | None]:
        """One SELECT: its SQL, its output columns (name -> kind), a unique column if kept."""
        first, source = self.table_source(depth)
        scope, from_sql = [source], first
        if depth > 0 and self.coin(0.35):
            joined, other = self.table_source(depth - 1)
            how = self.pick(["JOIN", "LEFT JOIN", "INNER JOIN", "FULL OUTER JOIN", "RIGHT JOIN",
                             "CROSS JOIN", "SEMI JOIN", "ANTI JOIN", "NATURAL JOIN",
                             "POSITIONAL JOIN", "JOIN", "ASOF JOIN"])
            self.tags.add("join:" + how.split()[0].lower())
            common = [c for c in source.columns if c in other.columns]
            if how in ("CROSS JOIN", "NATURAL JOIN", "POSITIONAL JOIN"):
                on = ""
                if how != "NATURAL JOIN":
                    on = ""
            elif common and self.coin(0.3):
                on = f" USING ({self.ident(self.pick(common))})"
            else:
                kind = self.pick(["V", "I", "D"])
                left, right = self.column([source], kind), self.column([other], kind)
                on = f" ON {left or 'true'} = {right or 'true'}"
                if how == "ASOF JOIN":
                    on = f" ON {left or 'true'} >= {right or 'true'}"
            from_sql = f"{from_sql} {how} {joined}{on}"
            if how in ("SEMI JOIN", "ANTI JOIN"):
                pass
            else:
                scope.append(other)
            if how in ("POSITIONAL JOIN", "ASOF JOIN"):
                self.exact = False
        visible = scope + (correlated or [])
        if correlated:
            self.tags.add("correlated")
        where = f"{self.sp()}WHERE {self.pred(visible, depth)}" if self.coin(0.6) else ""
        mode = self.pick(["plain", "plain", "aggregate", "window", "star"])
        if kinds is not None and mode == "star":
            mode = "plain"
        items: list[tuple[str, str]] = []
        group = having = qualify = ""
        want = kinds or [self.pick(["V", "V", "I", "D", "N", "B", "L"])
                         for _ in range(self.draw(st.integers(1, 3)))]
        if mode == "star":
            self.tags.add("star")
            star = self.pick(["*", f"{source.alias}.*", "* EXCLUDE (name)",
                              "COLUMNS('.*id.*')", f"{source.alias}", "* REPLACE (1 AS _record_no)"])
            cols = dict(source.columns) if star.startswith("*") or star.endswith(".*") else {}
            sql = f"SELECT {star} FROM {from_sql}{where}"
            return sql, cols, source.key if cols else None
        if mode == "aggregate":
            self.tags.add("aggregate")
            keys = [self.expr(scope, self.pick(["V", "I", "D"]), 1)
                    for _ in range(self.draw(st.integers(0, 2)))]
            for i, kind in enumerate(want):
                name, template, exact = self.pick(
                    [(n, t, e) for n, forms in AGGREGATES.items() for k, t, e in forms if k == kind]
                    or [("count", "count(*)", True)])
                self.tags.add("agg:" + name)
                self.exact &= exact
                body = self.fill(template, scope, 1)
                if self.coin(0.15):
                    body += f" FILTER (WHERE {self.pred(scope, 0)})"
                    self.tags.add("filter")
                items.append((body, kind))
            group = f" GROUP BY {', '.join(keys)}" if keys else ""
            if keys and self.coin(0.3):
                group = " GROUP BY ALL"
                items = [(k, "V") for k in keys] + items
            if self.coin(0.25):
                having = f" HAVING count(*) {self.pick(['>', '>=', '<'])} {self.pick(['0', '1', '5'])}"
                self.tags.add("having")
        else:
            for kind in want:
                if mode == "window" and self.coin(0.5):
                    forms = [(n, t, total) for n, fs in WINDOWS.items() for k, t, total in fs
                             if k == kind]
                    if forms:
                        name, template, total = self.pick(forms)
                        self.tags.add("window:" + name)
                        keyed = [s for s in scope if s.key]
                        if total and len(keyed) != len(scope):
                            self.exact = False
                        order = ", ".join(f"{s.alias}.{s.key}" for s in keyed) or "1"
                        items.append((self.fill(template.replace("{K}", order), scope, 1), kind))
                        continue
                items.append((self.expr(visible, kind, depth + 1), kind))
            if mode == "window" and self.coin(0.2):
                qualify = f" QUALIFY row_number() OVER (PARTITION BY {self.expr(scope, 'V', 0)} " \
                          f"ORDER BY {', '.join(f'{s.alias}.{s.key}' for s in scope if s.key) or '1'}) = 1"
                self.tags.add("qualify")
                if any(s.key is None for s in scope):
                    self.exact = False
        names = [f"c{i}" for i in range(len(items))]
        distinct = ""
        if self.coin(0.1):
            distinct = "DISTINCT "
            self.tags.add("distinct")
        select_list = ", ".join(f"{e}{self.sp()}AS {self.ident(n)}" for (e, _), n in zip(items, names))
        key = None
        order = ""
        if self.coin(0.2):
            self.tags.add("limit")
            order = f" ORDER BY ALL LIMIT {self.pick(['1', '5', '50'])}"
            if self.coin(0.3):
                order += " OFFSET 2"
        elif self.coin(0.1):
            order = f" ORDER BY {self.pick(['1', 'ALL', '1 DESC NULLS LAST'])}"
        sql = (f"SELECT{self.sp()}{distinct}{select_list}{self.sp()}FROM {from_sql}{where}"
               f"{group}{having}{qualify}{order}")
        return sql, {n: k for (_, k), n in zip(items, names)}, key

    def query(self, depth: int) -> str:
        shape = self.pick(["select"] * 5 + ["with", "with", "setop", "setop", "recursive"])
        if shape == "with":
            self.tags.add("with")
            parts = []
            for _ in range(self.draw(st.integers(1, 2))):
                name = self.fresh("w")
                sql, cols, _ = self.select(depth - 1)
                parts.append(f"{self.ident(name)} AS ({sql})")
                self.ctes.append((name, cols))
            body, _, _ = self.select(depth)
            return f"WITH {', '.join(parts)} {body}"
        if shape == "recursive":
            self.tags.add("with_recursive")
            name = self.fresh("r")
            seed = self.pick([
                "SELECT 1 AS n, 'x' AS s",
                "SELECT 1 AS n, min(name) AS s FROM ga_population",
                "SELECT 1 AS n, id_number AS s FROM published.ga_population WHERE gender = '女'",
                "SELECT 1 AS n, name AS s FROM wj_deaths",
            ])
            rec = f"SELECT n + 1, s FROM {name} WHERE n < {self.pick(['2', '3', '5'])}"
            self.ctes.append((name, {"n": "I", "s": "V"}))
            body, _, _ = self.select(depth)
            return f"WITH RECURSIVE {name}(n, s) AS ({seed} UNION ALL {rec}) {body}"
        if shape == "setop":
            kinds = [self.pick(["V", "I", "D"]) for _ in range(self.draw(st.integers(1, 2)))]
            op = self.pick(["UNION", "UNION ALL", "EXCEPT", "INTERSECT", "EXCEPT ALL",
                            "INTERSECT ALL", "UNION BY NAME"])
            self.tags.add("setop:" + op.lower())
            left, _, _ = self.select(depth - 1, kinds=kinds)
            right, _, _ = self.select(depth - 1, kinds=kinds)
            return f"({left}) {op} ({right})"
        return self.select(depth)[0]


@st.composite
def grammar_queries(draw, depth: int = 2) -> Generated:
    """A query of the grammar: clean (only what an analyst may use) or with one hostile
    construct (a table, function, placeholder, column or type outside the permitted surface)."""
    gen = _Gen(draw, hostile=draw(st.sampled_from([0, 0, 1])))
    sql = gen.query(draw(st.integers(0, depth)))
    return Generated(sql, frozenset(gen.tags), gen.exact)


# -- attacks: text spliced where sqlglot keeps it verbatim --------------------------------
# What an injected select item reads: every one is something the analyst must never see.
PAYLOADS = {
    "citywide_count": "(SELECT count(*) FROM hub.published.ga_population)",
    "other_districts": "(SELECT list(name || id_number || address ORDER BY id_number) FROM "
                       "hub.published.ga_population WHERE district_code <> '441302')",
    "raw_schema": "(SELECT count(*) FROM hub.raw.ga_population)",
    "hmac_key": "(SELECT hex($hub_k0_i))",
    "hmac_key_length": "(SELECT octet_length($hub_k0_o))",
    "lake_file": "(SELECT count(*) FROM read_parquet('@LAKE@/standardised/ga_population/*/*.parquet'))",
    "lake_path": "(SELECT count(*) FROM '@LAKE@/standardised/ga_population/20261101T020000/accepted.parquet')",
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
    ("cast_known_prefix", 'CAST(1 AS "INTEGER) FROM (SELECT {P} AS leak) --")'),
    ("cast_leading_space", 'CAST(1 AS " INT), {P} AS leak, CAST(1 AS INT")'),
    ("colon_cast", '1::main."INT), {P} AS leak, CAST(1 AS INT"'),
    ("colon_cast_unknown", '1::"x), {P} AS leak, CAST(1 AS INT"'),
    ("try_cast", 'TRY_CAST(1 AS main."INT), {P} AS leak, CAST(1 AS INT")'),
    ("try_cast_unknown", 'TRY_CAST(1 AS "y), {P} AS leak, TRY_CAST(1 AS INT")'),
    ("cast_array", 'CAST([1] AS main."INT), {P} AS leak, CAST(1 AS INT"[])'),
    ("cast_array_keyword", 'CAST([1] AS main."INT), {P} AS leak, CAST(1 AS INT" ARRAY)'),
    ("cast_map", 'CAST(MAP {{}} AS MAP(main."INT), {P} AS leak, CAST(1 AS INT", INT))'),
    ("cast_struct", 'CAST(NULL AS STRUCT(a main."INT), {P} AS leak, CAST(1 AS INT"))'),
    ("cast_union", 'CAST(NULL AS UNION(a main."INT), {P} AS leak, CAST(1 AS INT"))'),
    ("decimal_param", 'CAST(1 AS DECIMAL("10), {P} AS leak, CAST(1 AS DECIMAL(10", 2))'),
    ("decimal_param2", 'CAST(1 AS DECIMAL(10, "2), {P} AS leak, CAST(1 AS DECIMAL(10, 2"))'),
    ("numeric_param", 'CAST(1 AS NUMERIC("10), {P} AS leak, CAST(1 AS NUMERIC(10"))'),
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
    item = template.replace("{P}", payload).replace("{{", "{").replace("}}", "}")
    if template.startswith("x FROM"):
        return Generated(f"SELECT {item}", frozenset(tags), True)
    if with_table:
        sql = f"SELECT name, {item} FROM ga_population LIMIT 1"
        if carrier.endswith("comment"):
            sql = f"SELECT name, {item} FROM ga_population LIMIT 1"
    else:
        sql = f"SELECT {item}"
    return Generated(sql, frozenset(tags), True)


def queries() -> st.SearchStrategy[Generated]:
    """Mostly grammar queries, with attack templates mixed in."""
    return st.one_of(grammar_queries(), grammar_queries(), grammar_queries(), attacks())
