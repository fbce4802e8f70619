"""The hub's domain expectations as Great Expectations custom expectations, computed in SQL.

Each is a GX metric provider (the row condition, as a SQLAlchemy expression DuckDB runs) plus an
expectation class, so they validate, render in Data Docs and count like GX's own. Nulls are not
judged (completeness is a separate expectation); pair expectations skip rows with a missing side.
"""

from __future__ import annotations

from typing import ClassVar

import sqlalchemy as sa
from great_expectations.core.metric_domain_types import MetricDomainTypes
from great_expectations.execution_engine import SqlAlchemyExecutionEngine
from great_expectations.expectations.expectation import (
    BatchExpectation,
    ColumnMapExpectation,
    ColumnPairMapExpectation,
)
from great_expectations.expectations.metrics.map_metric_provider import (
    ColumnMapMetricProvider,
    ColumnPairMapMetricProvider,
    column_condition_partial,
    column_pair_condition_partial,
)
from great_expectations.expectations.metrics.metric_provider import metric_value
from great_expectations.expectations.metrics.table_metric_provider import TableMetricProvider

from catalog.identifiers import USCC_CHARSET

__all__ = [
    "ExpectColumnPairBirthDateToMatchIdNumber",
    "ExpectColumnPairGenderToMatchIdNumber",
    "ExpectColumnValuesToBeAmountInRange",
    "ExpectColumnValuesToBeKnownDistrict",
    "ExpectColumnValuesToBePlausibleDate",
    "ExpectColumnValuesToBeValidIdNumber",
    "ExpectColumnValuesToBeValidUscc",
    "ExpectKeyToBeUnique",
]

# GB 11643-1999 §8.2: ISO 7064 MOD 11-2, weights 2^(i-1) mod 11 counted from the right.
_ID_WEIGHTS = tuple(pow(2, 17 - i, 11) for i in range(17))
# GB 32100-2015 §4: MOD 31 over the 31-character set, weights 3^(i-1) mod 31.
_USCC_WEIGHTS = tuple(pow(3, i, 31) for i in range(17))
SAMPLE_KEYS = 20
_LIBRARY = {"maturity": "production", "tags": ["city-data-hub"], "contributors": ["@hub"]}


def _digit(column, position: int):
    """The digit at a 1-based position as an integer (ASCII arithmetic: no cast can fail)."""
    return sa.func.ascii(sa.func.substr(column, position, 1)) - 48


def _id_check_char(column):
    total = sum(_digit(column, i + 1) * w for i, w in enumerate(_ID_WEIGHTS))
    return sa.func.substr(sa.literal("10X98765432"), total % 11 + 1, 1)


def _uscc_check_char(column):
    charset = sa.literal(USCC_CHARSET)
    total = sum((sa.func.instr(charset, sa.func.substr(column, i + 1, 1)) - 1) * w
                for i, w in enumerate(_USCC_WEIGHTS))
    return sa.func.substr(charset, (31 - total % 31) % 31 + 1, 1)


def _id_shaped(column):
    return sa.func.regexp_full_match(column, sa.literal("[0-9]{17}[0-9X]"))


def _each_value_once(column, table, valid):
    """`valid(column)` judged once per distinct value, not once per row: the values that fail
    it, gathered in a subquery, and the row's value looked up among them (a hash join).

    The check characters are 17 substring and arithmetic steps per value, ~1.5 µs a row on
    DuckDB; an employer's code recurs on every row of its staff, so the distinct values are
    few. The condition reads `min(column)` per group: a filter on an aggregate's result is not
    pushed below the GROUP BY, where it would run on every row again."""
    values = (sa.select(sa.func.min(column).label("v")).select_from(table)
              .group_by(column).correlate(None).subquery())
    failing = sa.select(values.c.v).where(values.c.v.is_not(None), sa.not_(valid(values.c.v)))
    return sa.not_(column.in_(failing.correlate(None)))


class ColumnValuesValidIdNumber(ColumnMapMetricProvider):
    condition_metric_name = "column_values.hub_valid_id_number"
    condition_value_keys = ("valid_column",)

    @column_condition_partial(engine=SqlAlchemyExecutionEngine)
    def _sqlalchemy(cls, column, valid_column=None, **kwargs):
        if valid_column:
            # The standardisation pass judged every value by the same rule (`hub_id_valid`,
            # `catalog.sqlfunctions`) and stored the verdict beside it: read it.
            return sa.func.coalesce(sa.column(valid_column), sa.false())
        # CASE keeps DuckDB from computing the check character of values of the wrong shape.
        return sa.case((_id_shaped(column), _id_check_char(column) == sa.func.substr(column, 18, 1)),
                       else_=sa.false())


class ExpectColumnValuesToBeValidIdNumber(ColumnMapExpectation):
    """Expect resident identity numbers to be valid under GB 11643: 17 digits and the right check
    character (ISO 7064 MOD 11-2). Birth date and address code are judged by other expectations."""

    valid_column: str | None = None  # the lake's `<item>_valid`, when the rows carry it
    map_metric = "column_values.hub_valid_id_number"
    success_keys = ("valid_column", "mostly")
    library_metadata: ClassVar[dict] = _LIBRARY


def uscc_valid(value: sa.ColumnElement) -> sa.ColumnElement:
    """GB 32100 validity of one value (the SQL engine judges each distinct value once)."""
    shaped = sa.func.regexp_full_match(value, sa.literal("[0-9A-HJ-NPQRTUWXY]{18}"))
    return sa.case((shaped, _uscc_check_char(value) == sa.func.substr(value, 18, 1)),
                   else_=sa.false())


class ColumnValuesValidUscc(ColumnMapMetricProvider):
    condition_metric_name = "column_values.hub_valid_uscc"

    @column_condition_partial(engine=SqlAlchemyExecutionEngine)
    def _sqlalchemy(cls, column, _table, **kwargs):
        return _each_value_once(column, _table, uscc_valid)


class ExpectColumnValuesToBeValidUscc(ColumnMapExpectation):
    """Expect unified social credit codes to be valid under GB 32100: 18 characters of the code
    set (no I, O, S, V, Z) and the right MOD 31 check character."""

    map_metric = "column_values.hub_valid_uscc"
    success_keys = ("mostly",)
    library_metadata: ClassVar[dict] = _LIBRARY


class ColumnValuesKnownDistrict(ColumnMapMetricProvider):
    condition_metric_name = "column_values.hub_known_district"
    condition_value_keys = ("districts",)

    @column_condition_partial(engine=SqlAlchemyExecutionEngine)
    def _sqlalchemy(cls, column, districts, **kwargs):
        return column.in_(list(districts))


class ExpectColumnValuesToBeKnownDistrict(ColumnMapExpectation):
    """Expect administrative division codes (GB/T 2260) to be districts of the city (the
    suite passes the city profile's)."""

    districts: tuple[str, ...] = ()
    map_metric = "column_values.hub_known_district"
    success_keys = ("districts", "mostly")
    library_metadata: ClassVar[dict] = _LIBRARY


class ColumnValuesPlausibleDate(ColumnMapMetricProvider):
    condition_metric_name = "column_values.hub_plausible_date"
    condition_value_keys = ("earliest", "latest")

    @column_condition_partial(engine=SqlAlchemyExecutionEngine)
    def _sqlalchemy(cls, column, earliest, latest, **kwargs):
        return column.between(sa.cast(sa.literal(earliest), sa.Date),
                              sa.cast(sa.literal(latest), sa.Date))


class ExpectColumnValuesToBePlausibleDate(ColumnMapExpectation):
    """Expect dates to be plausible: not before `earliest` nor after `latest` (ISO dates; suites
    pass the day they are built, as nothing is born, registered or paid in the future)."""

    earliest: str = "1900-01-01"
    latest: str
    map_metric = "column_values.hub_plausible_date"
    success_keys = ("earliest", "latest", "mostly")
    library_metadata: ClassVar[dict] = _LIBRARY


class ColumnValuesAmountInRange(ColumnMapMetricProvider):
    condition_metric_name = "column_values.hub_amount_in_range"
    condition_value_keys = ("max_amount",)

    @column_condition_partial(engine=SqlAlchemyExecutionEngine)
    def _sqlalchemy(cls, column, max_amount, **kwargs):
        return column.between(0, max_amount)


class ExpectColumnValuesToBeAmountInRange(ColumnMapExpectation):
    """Expect amounts to be neither negative nor above the catalog's `max_amount` for the item."""

    max_amount: float
    map_metric = "column_values.hub_amount_in_range"
    success_keys = ("max_amount", "mostly")
    library_metadata: ClassVar[dict] = _LIBRARY


class ColumnPairGenderMatchesId(ColumnPairMapMetricProvider):
    condition_metric_name = "column_pair_values.hub_gender_matches_id"
    condition_domain_keys = ("batch_id", "table", "column_A", "column_B", "row_condition",
                             "condition_parser", "ignore_row_if")

    @column_pair_condition_partial(engine=SqlAlchemyExecutionEngine)
    def _sqlalchemy(cls, column_A, column_B, **kwargs):
        # GB 11643 §6.3: the 17th digit (sequence code) is odd for men, even for women.
        expected = sa.case((_digit(column_A, 17) % 2 == 1, sa.literal("男")), else_=sa.literal("女"))
        return sa.or_(sa.not_(_id_shaped(column_A)), column_B == expected)


class ExpectColumnPairGenderToMatchIdNumber(ColumnPairMapExpectation):
    """Expect the gender (column_B, 男/女) to agree with the identity number (column_A): odd
    sequence digit for men, even for women. Numbers of the wrong shape are not judged here."""

    ignore_row_if: str = "either_value_is_missing"
    map_metric = "column_pair_values.hub_gender_matches_id"
    success_keys = ("column_A", "column_B", "ignore_row_if", "mostly")
    args_keys = ("column_A", "column_B")
    library_metadata: ClassVar[dict] = _LIBRARY


class ColumnPairBirthDateMatchesId(ColumnPairMapMetricProvider):
    condition_metric_name = "column_pair_values.hub_birth_date_matches_id"
    condition_domain_keys = ("batch_id", "table", "column_A", "column_B", "row_condition",
                             "condition_parser", "ignore_row_if")

    @column_pair_condition_partial(engine=SqlAlchemyExecutionEngine)
    def _sqlalchemy(cls, column_A, column_B, **kwargs):
        # GB 11643 §6.2: digits 7-14 are the birth date YYYYMMDD.
        born = sa.func.strftime(column_B, sa.literal("%Y%m%d"))
        return sa.or_(sa.not_(_id_shaped(column_A)), sa.func.substr(column_A, 7, 8) == born)


class ExpectColumnPairBirthDateToMatchIdNumber(ColumnPairMapExpectation):
    """Expect the birth date (column_B, a DATE) to be the one encoded in the identity number
    (column_A, digits 7-14). Numbers of the wrong shape are not judged here."""

    ignore_row_if: str = "either_value_is_missing"
    map_metric = "column_pair_values.hub_birth_date_matches_id"
    success_keys = ("column_A", "column_B", "ignore_row_if", "mostly")
    args_keys = ("column_A", "column_B")
    library_metadata: ClassVar[dict] = _LIBRARY


class TableKeyDuplicates(TableMetricProvider):
    """Rows beyond the first of each repeated key, and a few repeated keys, in one GROUP BY."""

    metric_name = "table.hub_key_duplicates"
    value_keys = ("key", "counted_duplicates")

    @metric_value(engine=SqlAlchemyExecutionEngine)
    def _sqlalchemy(cls, execution_engine, metric_domain_kwargs, metric_value_kwargs, metrics,
                    runtime_configuration):
        if metric_value_kwargs.get("counted_duplicates") == 0:
            # The standardisation pass counted them as it wrote the rows (see the expectation).
            return {"duplicates": 0, "keys": []}
        selectable, _, _ = execution_engine.get_compute_domain(
            metric_domain_kwargs, domain_type=MetricDomainTypes.TABLE)
        source = selectable.subquery() if isinstance(selectable, sa.Select) else selectable
        key = [sa.column(c) for c in metric_value_kwargs["key"]]
        repeated = (sa.select(*key, sa.func.count().label("_copies")).select_from(source)
                    .group_by(*key).having(sa.func.count() > 1).subquery())
        extra = sa.func.sum(repeated.c._copies - 1).over().label("_extra_rows")
        query = sa.select(repeated, extra).order_by(*repeated.c[: len(key)]).limit(SAMPLE_KEYS)
        # GX 1.24 resolves this metric twice in a suite whose result format names index
        # columns (two equal configurations in one graph): a GROUP BY over every row each
        # time. The answer is kept for the engine's life (one validation), by query text.
        kept = execution_engine.__dict__.setdefault("_hub_key_duplicates", {})
        text = str(query.compile(compile_kwargs={"literal_binds": True}))
        if text not in kept:
            rows = execution_engine.execute_query(query).fetchall()
            names = list(metric_value_kwargs["key"])
            kept[text] = {"duplicates": int(rows[0]._extra_rows) if rows else 0,
                          "keys": [dict(zip(names, row[: len(names)], strict=True))
                                   for row in rows]}
        return kept[text]


class ExpectKeyToBeUnique(BatchExpectation):
    """Expect each value of the (possibly compound) key to occur once; counts the rows beyond the
    first of every repeated key, with a few repeated keys as examples. One aggregate query,
    where GX's row-wise unique expectations need a window over the whole table per query.

    `counted_duplicates` is what the standardisation pass counted for exactly these rows
    (`quality.service.counted_key_duplicates`): when it is 0 the GROUP BY, the costliest query
    of a suite, is not run again; any other count, or none, is checked here."""

    key: list[str]
    counted_duplicates: int | None = None
    metric_dependencies = ("table.hub_key_duplicates", "table.row_count")
    success_keys = ("key", "counted_duplicates")
    args_keys = ("key",)
    library_metadata: ClassVar[dict] = _LIBRARY

    def _validate(self, metrics, runtime_configuration=None, execution_engine=None):
        found = metrics["table.hub_key_duplicates"]
        return {"success": found["duplicates"] == 0,
                "result": {"element_count": metrics["table.row_count"],
                           "unexpected_count": found["duplicates"],
                           "partial_unexpected_list": found["keys"]}}
