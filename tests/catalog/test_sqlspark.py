"""The hub's Spark dialect: each breakage of sqlglot's DuckDB → Spark translation the hub meets,
run as the same hub SQL on DuckDB and on Spark local[2], results compared (not "it parses")."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import duckdb
import pytest

from catalog.sqlfunctions import expand_sql, register_fallbacks
from catalog.sqlspark import SPARK_FUNCTIONS, SparkSQLError, functions_in, java_regex, to_spark

pytestmark = pytest.mark.spark

_ROWS = "SELECT * FROM (VALUES (1, 'a', 3), (2, 'b', 1), (3, 'a', 2), (4, 'b', 5), (5, 'c', 4)) t(k, g, v)"


def _both(spark_engine, sql: str) -> tuple[list[tuple], list[tuple]]:
    """`sql` (the hub's DuckDB SQL) on DuckDB and on Spark, rows as tuples."""
    con = duckdb.connect()
    register_fallbacks(con)
    ours = [tuple(r) for r in con.execute(sql).fetchall()]
    theirs = [tuple(r) for r in spark_engine.sql(sql).collect()]
    return ours, theirs


def test_qualify_keeps_its_limit_outside(spark_engine):
    sql = (f"SELECT k, g FROM ({_ROWS}) QUALIFY row_number() OVER (PARTITION BY g ORDER BY v) "
           f"<= 2 ORDER BY k LIMIT 3")
    ours, theirs = _both(spark_engine, sql)
    assert ours == theirs == [(1, "a"), (2, "b"), (3, "a")]


def test_len_of_a_list_is_its_size(spark_engine):
    sql = ("SELECT len(l), len(m), length(s) FROM (SELECT ['ab', 'cde'] AS l, "
           "CAST(NULL AS VARCHAR[]) AS m, 'xyz' AS s)")
    ours, theirs = _both(spark_engine, sql)
    assert ours == theirs == [(2, None, 3)]


def test_list_and_string_indexing_are_one_based(spark_engine):
    sql = ("SELECT l[1], l[2], l[-1], l[5], s[2:-2], s[2:], s[:3] "
           "FROM (SELECT ['x', 'y', 'z'] AS l, '\"a,b\"' AS s)")
    ours, theirs = _both(spark_engine, sql)
    assert ours == theirs == [("x", "y", "z", None, "a,b", 'a,b"', '"a,')]


def test_range_keeps_its_alias(spark_engine):
    sql = "SELECT id, p FROM (SELECT 'ab' AS id), range(1, 4) r(p) ORDER BY p"
    ours, theirs = _both(spark_engine, sql)
    assert ours == theirs == [("ab", 1), ("ab", 2), ("ab", 3)]


def test_read_parquet_of_a_file_list_reads_every_file(spark_engine, tmp_path: Path):
    con = duckdb.connect()
    one, two = tmp_path / "one.parquet", tmp_path / "two.parquet"
    con.execute(f"COPY (SELECT 1 AS a, 'x' AS b) TO '{one}' (FORMAT parquet)")
    con.execute(f"COPY (SELECT 2 AS a) TO '{two}' (FORMAT parquet)")
    sql = (f"SELECT a, b FROM read_parquet(['{one}', '{two}'], union_by_name = true) "
           f"ORDER BY a")
    ours, theirs = _both(spark_engine, sql)
    assert ours == theirs == [(1, "x"), (2, None)]


def test_regexp_full_match_is_anchored_and_re2_classes_mean_the_same(spark_engine):
    values = ["张三", "张 三", "abc", "ab\u000bc", "李·四", "\u3000x", "12345678X"]
    listed = ", ".join(f"('{v}')" for v in values)
    sql = (f"SELECT s, regexp_full_match(s, '[^\\s\\x{{3000}}]+'), "
           f"regexp_full_match(s, '[0-9]{{8}}X'), regexp_matches(s, '[^\\p{{Han}}·]') "
           f"FROM (VALUES {listed}) t(s) ORDER BY s")
    ours, theirs = _both(spark_engine, sql)
    assert ours == theirs
    assert ("ab\u000bc", True, False, True) in ours  # \s is RE2's: no vertical tab


def test_every_standardisation_rule_agrees(spark_engine):
    """The templates of `catalog.sqlfunctions` on hard values, fallbacks included."""
    values = ["", " 2026-03-14 ", "20260314", "2026/3/4", "2026年3月4日", "45000", "2026.03.14",
              "1899-01-01", "２０２６-03-14", "8,500.00", "1.000,50", "-3547.0899999", "1e5",
              "110101199003070016", "11010119900307001x", " 张 三 ", "張三", "ＡＢＣ", "202603",
              "2026-3", "2026年3月", None]
    listed = ", ".join("(NULL)" if v is None else f"('{v}')" for v in values)
    rules = ["hub_std_id", "hub_id_valid", "hub_name", "hub_name_norm", "hub_text", "hub_code",
             "hub_date", "hub_month", "hub_amount", "hub_integer", "hub_decimal", "hub_std_uscc",
             "hub_uscc_valid"]
    cols = ", ".join(f"{expand_sql(r, 's')} AS {r}" for r in rules)
    ours, theirs = _both(spark_engine,
                         f"SELECT s, {cols} FROM (VALUES {listed}) t(s) ORDER BY s NULLS FIRST")
    assert ours == theirs
    assert any(Decimal("8500.00") in row for row in ours)


def test_macros_are_refused():
    with pytest.raises(SparkSQLError, match="MACRO"):
        to_spark("CREATE MACRO hub_x(s) AS upper(s)")


def test_functions_outside_the_table_are_refused():
    with pytest.raises(SparkSQLError, match="HUB_PY_FOLD_CODE"):
        to_spark(f"SELECT {expand_sql('hub_code', 's')} FROM t")  # fallbacks unresolved
    with pytest.raises(SparkSQLError, match="REFLECT"):
        to_spark("SELECT reflect('java.lang.System', 'exit', 1)")
    assert functions_in(to_spark("SELECT upper(s) FROM t")) == {"UPPER"} <= SPARK_FUNCTIONS


def test_java_regex_translation():
    assert java_regex("[^\\p{Han}·]") == "[^\\p{IsHan}·]"
    assert java_regex("\\s+") == "[\\t\\n\\f\\r ]+"
    assert java_regex("[^\\s,]") == "[^\\t\\n\\f\\r ,]"
    assert java_regex("[a[b]") == "[a\\[b]"


def test_the_display_masks_agree(spark_engine):
    """The masks of grant snapshots and extracts (`LEFT`, `REPEAT`, `DAYOFYEAR`, date minus
    days, a lazy regular expression) on hard values: short, long and rare-character names,
    addresses with and without a town, leap days and year ends."""
    from sqlglot import exp

    from policies.masks import display_mask

    names = ["张", "张三", "欧阳娜娜", "𠀋𠀌", "Li", "", None]
    addresses = ["惠州市博罗县公庄镇解放路262号", "惠州市惠城区江南街道办", "某乡某村", "短", "", None]
    dates = ["2024-02-29", "2023-12-31", "1900-03-01", "2000-01-01", None]
    rows = max(len(names), len(addresses), len(dates))

    def values(listed, cast=""):
        return ", ".join("NULL" if v is None else f"{cast}'{v}'" for v in listed)

    masks = ", ".join(
        display_mask(kind, exp.column(col)).sql(dialect="duckdb") + f" AS {kind}"
        for kind, col in (("name", "n"), ("address", "a"), ("birth_date", "d")))
    sql = (f"SELECT i, {masks} FROM (SELECT i, [{values(names)}][i] AS n, "
           f"[{values(addresses)}][i] AS a, [{values(dates, 'DATE ')}][i] AS d "
           f"FROM range(1, {rows + 1}) r(i)) ORDER BY i")
    ours, theirs = _both(spark_engine, sql)
    assert ours == theirs
    assert ours[0][1:3] == ("张*", "惠州市博罗县公庄镇***")


def test_a_token_function_is_refused():
    """A grant's token function is the hub's own (its key in the hub's process): never sent."""
    with pytest.raises(SparkSQLError, match="__HUB_TOKEN_HUB_K"):
        to_spark("SELECT __hub_token_hub_k(CAST(s AS VARCHAR)) FROM t")


def test_a_list_index_that_is_a_column_is_one_based_and_an_int(spark_engine):
    """sqlglot shifts only an index it knows is an integer (a literal, a cast, `len`) to
    0-based; a column's stays as written (it was read one place too far); and Spark's
    `try_element_at` takes an INT, not the BIGINT `range` gives."""
    sql = ("SELECT p, l[p], l[p + 1], l[CAST(p AS INTEGER)], l[len(l)] "
           "FROM (SELECT ['x', 'y', 'z'] AS l), range(1, 5) r(p) ORDER BY p")
    ours, theirs = _both(spark_engine, sql)
    assert ours == theirs == [(1, "x", "y", "x", "z"), (2, "y", "z", "y", "z"),
                              (3, "z", None, "z", "z"), (4, None, None, None, "z")]


# -- issue 19, the cross-check's SQL ------------------------------------------------------

_GROUPS = ("SELECT * FROM (VALUES ('a', 'x', 2), ('a', 'y', 1), ('a', 'y', 1), ('a', NULL, 3), "
           "('b', NULL, 1)) t(g, s, k)")


def test_list_keeps_its_order_by_and_its_nulls(spark_engine):
    """sqlglot dropped the ORDER BY of `list(x ORDER BY k)` (and `collect_list` drops NULLs)."""
    sql = (f"SELECT g, list(s ORDER BY k, s), list(DISTINCT s ORDER BY s), "
           f"list(struct_pack(s := s, k := k) ORDER BY k, s) FROM ({_GROUPS}) GROUP BY g ORDER BY g")
    ours, theirs = _both(spark_engine, sql)
    theirs = [(*r[:3], [e.asDict() for e in r[3]]) for r in theirs]
    assert ours == theirs
    assert ours[0][1:3] == (["y", "y", "x", None], ["x", "y", None])


def test_string_agg_is_ordered_and_null_when_empty(spark_engine):
    """sqlglot's LISTAGG fails beside another DISTINCT aggregate on Spark 4.3."""
    sql = (f"SELECT g, string_agg(DISTINCT s, ';' ORDER BY s), string_agg(s, ',' ORDER BY k), "
           f"md5(string_agg(DISTINCT s, ';' ORDER BY s)), count(DISTINCT k) "
           f"FROM ({_GROUPS}) GROUP BY g ORDER BY g")
    ours, theirs = _both(spark_engine, sql)
    assert ours == theirs
    assert ours[0][1:3] == ("x;y", "y,y,x") and ours[1][1:4] == (None, None, None)


def test_list_without_an_order_is_refused():
    with pytest.raises(SparkSQLError, match="ORDER BY"):
        to_spark("SELECT list(DISTINCT s) FROM t")
    with pytest.raises(SparkSQLError, match="REPLACE"):
        to_spark("SELECT * REPLACE (upper(s) AS s) FROM t")


def test_list_contains_ignores_null_elements(spark_engine):
    sql = ("SELECT list_contains(['a', NULL], 'b'), list_contains(['a'], 'a'), "
           "list_contains(['a'], CAST(NULL AS VARCHAR)), list_contains($l, 'a')")
    con = duckdb.connect()
    ours = [tuple(r) for r in con.execute(sql, {"l": ["a"]}).fetchall()]
    from pipelines.spark_connection import with_parameters

    theirs = [tuple(r) for r in spark_engine.sql(with_parameters(sql, {"l": ["a"]})).collect()]
    assert ours == theirs == [(False, True, None, True)]


def test_division_is_double_and_rounds_as_duckdb(spark_engine):
    sql = ("SELECT CAST(CAST(1234.57 AS DECIMAL(18, 2)) / 2 AS DECIMAL(18, 2)), 7 / 2, "
           "CAST(CAST(1000.01 AS DECIMAL(18, 2)) / 3 AS DECIMAL(18, 2))")
    ours, theirs = _both(spark_engine, sql)
    assert ours == theirs == [(Decimal("617.29"), 3.5, Decimal("333.34"))]


def test_to_json_writes_null_fields(spark_engine):
    sql = ("SELECT CAST(to_json(list(struct_pack(a := a, b := b) ORDER BY a)) AS VARCHAR) "
           "FROM (VALUES ('张', NULL), ('x', 'y')) t(a, b)")
    ours, theirs = _both(spark_engine, sql)
    assert ours == theirs == [('[{"a":"x","b":"y"},{"a":"张","b":null}]',)]


def test_rules_called_by_name_are_expanded(spark_engine):
    """The macros SQL written for DuckDB calls (`hub_id_valid(hub_std_id(x))`) on Spark."""
    con = duckdb.connect()
    from catalog.sqlfunctions import register_functions

    register_functions(con)
    sql = ("SELECT s, hub_id_valid(hub_std_id(s)), hub_name_norm(hub_name(s)) FROM (VALUES "
           "('110101199003070016'), ('11010119900307001x'), (' 張 三 ')) t(s) ORDER BY s")
    ours = [tuple(r) for r in con.execute(sql).fetchall()]
    theirs = [tuple(r) for r in spark_engine.sql(sql).collect()]
    assert ours == theirs


def test_parameters_are_written_in_as_literals():
    from pipelines.spark_connection import with_parameters

    assert with_parameters("SELECT ?::VARCHAR, '?', ? FROM t WHERE a = $x",
                           ["it's", [1, 2]]) == "SELECT 'it''s'::VARCHAR, '?', [1, 2] FROM t WHERE a = $x"
    assert with_parameters("SELECT $a, $b", {"a": None, "b": ["x"]}) == "SELECT NULL, ['x']"
