"""UTCDateTime: every package's datetime columns come back aware, in UTC, the same instant
that was written — on SQLite, which keeps no offset, too."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

from sqlalchemy import Column, Integer, MetaData, Table, create_engine, insert, select, text

from catalog.tables import UTCDateTime

BEIJING = timezone(timedelta(hours=8))


def _table(tmp_path):
    engine = create_engine(f"sqlite:///{tmp_path / 't.db'}")
    table = Table("t", MetaData(), Column("id", Integer, primary_key=True),
                  Column("at", UTCDateTime))
    table.metadata.create_all(engine)
    return engine, table


def test_an_aware_time_reads_back_as_the_same_instant_in_utc(tmp_path):
    engine, table = _table(tmp_path)
    written = datetime(2026, 11, 21, 9, 30, tzinfo=BEIJING)
    with engine.begin() as c:
        c.execute(insert(table).values(id=1, at=written))
        stored = c.execute(text("SELECT at FROM t")).scalar_one()
        read = c.execute(select(table.c.at)).scalar_one()
    assert stored.startswith("2026-11-21 01:30:00")  # converted, not the wall time
    assert read == written and read.tzinfo is UTC and read.hour == 1


def test_a_naive_time_is_taken_as_utc_and_comparisons_convert_too(tmp_path):
    engine, table = _table(tmp_path)
    with engine.begin() as c:
        c.execute(insert(table).values(id=1, at=datetime(2026, 11, 21, 1, 30)))
        assert c.execute(select(table.c.at)).scalar_one() == datetime(2026, 11, 21, 1, 30,
                                                                        tzinfo=UTC)
        later = datetime(2026, 11, 21, 9, 31, tzinfo=BEIJING)  # 01:31 UTC
        assert c.execute(select(table.c.id).where(table.c.at < later)).scalar_one() == 1
