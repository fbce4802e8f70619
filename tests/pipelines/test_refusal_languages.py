"""A batch rejected whole is worded once, from the catalogs, and said twice: in English for the
registry (the hub's staff's record, whatever the hub's language) and in Chinese for the
department's feedback file (pipelines.ingest.landing.in_both)."""

from __future__ import annotations

import pytest

from catalog.i18n import lazy, use
from pipelines.ingest.readers.common import BatchRejected, csv_header


@pytest.mark.parametrize("hub_language", ["en", "zh-CN"])
def test_a_refusal_is_recorded_in_english_and_fed_back_in_chinese(hub_language):
    with use(hub_language):
        refused = BatchRejected(lazy("{name} is empty", name="20261101.csv"))
    assert (str(refused), refused.zh) == ("20261101.csv is empty", "文件 20261101.csv 为空")


def test_a_header_refusal_lists_its_problems_in_each_language():
    from catalog import resource

    population = resource("ga.population")
    names = [i.source for i in population.items]
    header = population.delimiter.join(["生日" if n == names[1] else n for n in names])
    with pytest.raises(BatchRejected) as caught:
        csv_header(population, header)
    assert str(caught.value).startswith(
        f"header does not match the contract: missing column(s) {names[1]}; "
        "unexpected column(s) 生日 (expected ")
    assert caught.value.zh.startswith(
        f"表头与数据规范不符：缺少列 {names[1]}；多出列 生日（列名被改动或不在规范内）（应为 ")
