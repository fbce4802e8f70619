"""Delivered files of every format, clean and broken, through raw → standardised."""

import json
import os
import time
from datetime import date

import dagster as dg
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import xlsxwriter
from hypothesis import given
from hypothesis import strategies as st

from catalog import BatchStatus, resource
from pipelines.ingest.readers import text as readers_text
from tests.conftest import open_registry
from tests.pipelines.helpers import MEMBERS_HEADER, POPULATION_HEADER, deliver, ingest, query

ID_A = "11010519491231002X"


@pytest.fixture
def landing(tmp_path):
    """An empty landing directory (overrides the noisy city's)."""
    path = tmp_path / "landing"
    path.mkdir()
    return path


@pytest.fixture
def registry(settings):
    return open_registry(settings)


def members_csv(*lines: str, encoding="gbk", newline="\n") -> bytes:
    return (newline.join([MEMBERS_HEADER, *lines]) + newline).encode(encoding)


def quarantine(settings, table):
    return query(settings, f"SELECT _record_no, _rule, _item, _record FROM quarantine.{table} "
                           "ORDER BY _record_no")


def test_csv_lines_are_records_and_broken_lines_do_not_swallow_others(settings, registry):
    data = members_csv(
        f"C1,{ID_A},张三,本人",
        'C2,"bad,李四,子',  # unbalanced quote: one malformed record
        f'C3,"{ID_A}","李,""四""",子',  # quoted delimiter and doubled quotes
        "C4,1,2",  # too few fields
        f"C5,{ID_A},王五,女,多余",  # too many fields
    ) + "C6,".encode("gbk") + b"\xff\xfe" + ",x,y\n".encode("gbk") + b"C7,11010519"
    deliver(settings, "mz.members", "20261101T020000.csv", data)
    ingest(settings, registry, "mz.members")
    accepted = query(settings, "SELECT case_no, member_name, _record_no FROM published.mz_members "
                               "ORDER BY _record_no")
    assert accepted == [("C1", "张三", 2), ("C3", '李,"四"', 4)]
    assert [(no, rule) for no, rule, _, _ in quarantine(settings, "mz_members")] == [
        (3, "unbalanced_quote"), (5, "field_count"), (6, "field_count"),
        (7, "invalid_encoding"), (8, "field_count")]
    batch, = registry.batches("mz.members")
    assert (batch.rows_in, batch.rows_accepted, batch.rows_quarantined) == (7, 2, 5)


def test_a_quoted_line_with_an_empty_first_field_keeps_every_field(settings, registry):
    deliver(settings, "mz.members", "20261101T020000.csv",
            members_csv(f',{ID_A},"王,五",子', f'C2,{ID_A},"李四",子', ',,"赵六",子'))
    ingest(settings, registry, "mz.members")
    assert [(no, rule, item) for no, rule, item, _ in quarantine(settings, "mz_members")] == [
        (2, "missing_required", "case_no"), (4, "missing_required", "case_no")]
    assert query(settings, "SELECT case_no, member_name FROM published.mz_members") == [
        ("C2", "李四")]


def test_original_values_are_kept_beside_standardised_ones(settings, registry):
    deliver(settings, "mz.members", "20261101T020000.csv",
            members_csv("C1, １１０１０５１９４９１２３１００２ｘ ,張\u3000三,本人",
                        "C2,110105491231002,陳四,子"))
    ingest(settings, registry, "mz.members")
    rows = query(settings, "SELECT member_id_number, member_id_number_orig, member_id_number_valid, "
                           "member_name, member_name_orig, member_name_norm "
                           "FROM published.mz_members ORDER BY case_no")
    assert rows == [
        (ID_A, " １１０１０５１９４９１２３１００２ｘ ", True, "張三", "張　三", "张三"),
        (ID_A, "110105491231002", True, "陳四", "陳四", "陈四"),
    ]


def test_bom_crlf_and_blank_lines(settings, registry):
    header = "id_number,name,employer_uscc,employer_name,insurance_type,period,contribution_base"
    lines = [header, f"{ID_A},张三,91350100M000100Y43,某公司,养老,202610,\"8,500.00\"", "",
             f"{ID_A},张三,91350100M000100Y43,某公司,医疗,2026-09,8500"]
    deliver(settings, "rs.social_insurance", "20261101T020000.csv",
            ("\r\n".join(lines) + "\r\n").encode("utf-8-sig"))
    ingest(settings, registry, "rs.social_insurance")
    rows = query(settings, "SELECT insurance_type, period, contribution_base::VARCHAR "
                           "FROM published.rs_social_insurance ORDER BY _record_no")
    assert rows == [("养老", "202610", "8500.00"), ("医疗", "202609", "8500.00")]
    batch, = registry.batches("rs.social_insurance")
    assert (batch.rows_in, batch.blank_lines) == (2, 1)


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"", "is empty"),
        (MEMBERS_HEADER.encode("gbk") + b"\n", "holds no records"),
        (members_csv("C1,x,y,z").replace("成员姓名".encode("gbk"), "姓名".encode("gbk")),
         "missing column(s) 成员姓名; unexpected column(s) 姓名"),
        ("案件编号,成员身份证号,成员姓名\nC1,x,y\n".encode("gbk"), "missing column(s) 与申请人关系"),
    ],
    ids=["empty", "header-only", "renamed-column", "missing-column"],
)
def test_broken_batches_are_rejected_whole_and_previous_stays_current(settings, registry, data, reason):
    deliver(settings, "mz.members", "20261001T020000.csv", members_csv(f"C1,{ID_A},张三,本人"))
    ingest(settings, registry, "mz.members")
    deliver(settings, "mz.members", "20261101T020000.csv", data)
    publication = ingest(settings, registry, "mz.members")
    _old, new = registry.batches("mz.members")
    assert new.status is BatchStatus.REJECTED
    assert reason in new.reason
    assert publication.batch_ids == ["20261001T020000"]
    assert query(settings, "SELECT case_no FROM published.mz_members") == [("C1",)]



def test_a_corrected_rejected_batch_delivered_again_under_its_id_is_read(settings, registry):
    from pipelines.hub_resource import HubResource
    from pipelines.ingest import pending_deliveries
    from pipelines.sensors import landing_sensor

    members = "mz.members"

    def requests():
        with dg.build_sensor_context(
                resources={"hub": HubResource.from_settings(settings)}) as context:
            return [r for r in landing_sensor(context) if r.tags["resource"] == members]

    renamed = members_csv(f"C1,{ID_A},张三,本人").replace("成员姓名".encode("gbk"), "姓名".encode("gbk"))
    deliver(settings, members, "20261101T020000.csv", renamed)
    (first,) = requests()
    ingest(settings, registry, members)
    (batch,) = registry.batches(members)
    assert batch.status is BatchStatus.REJECTED
    assert pending_deliveries(settings, registry, resource(members)) == []
    assert requests() == []

    deliver(settings, members, "20261101T020000.csv", members_csv(f"C2,{ID_A},李四,本人"))
    (again,) = requests()
    assert again.run_key != first.run_key  # the same batch id, delivered again: a new run

    publication = ingest(settings, registry, members)
    (batch,) = registry.batches(members)
    assert (batch.status, batch.reason, batch.rows_in) == (BatchStatus.PUBLISHED, "", 1)
    assert publication.batch_ids == ["20261101T020000"]
    assert query(settings, "SELECT case_no FROM published.mz_members") == [("C2",)]


def test_a_touched_rejected_batch_is_not_read_again_nor_an_accepted_one_ever(settings, registry):
    from pipelines.ingest import ingest_raw, pending_deliveries

    members = resource("mz.members")
    accepted = deliver(settings, members.code, "20261001T020000.csv",
                       members_csv(f"C1,{ID_A},张三,本人"))
    rejected = deliver(settings, members.code, "20261101T020000.csv", b"")
    ingest(settings, registry, members.code)
    # The empty file was kept as it was hashed, then dropped with its batch.
    assert [p.name for p in (settings.lake / "delivered").iterdir()] == [
        registry.batches(members.code)[0].sha256]
    later = time.time() + 60
    for path in (accepted, rejected):
        os.utime(path, (later, later))  # written again, the same bytes
    assert [d.batch_id for d in pending_deliveries(settings, registry, members)] == [
        "20261101T020000"]
    assert ingest_raw(settings, registry, members) == []  # same SHA-256: nothing read
    assert len(list((settings.lake / "delivered").iterdir())) == 1  # nor kept
    assert pending_deliveries(settings, registry, members) == []

    accepted.write_bytes(members_csv(f"C9,{ID_A},赵六,本人"))  # changed in place: never re-read
    assert pending_deliveries(settings, registry, members) == []

    (settings.landing_dir / members.code / "20261201T020000").mkdir()  # a batch of no files
    ingest_raw(settings, registry, members)
    assert registry.batches(members.code)[-1].reason == "the batch holds no files"
    assert pending_deliveries(settings, registry, members) == []

def test_part_files_are_never_read_and_identical_batches_load_once(settings, registry):
    data = members_csv(f"C1,{ID_A},张三,本人")
    folder = settings.landing_dir / "mz.members"
    folder.mkdir(parents=True)
    (folder / "20261102T020000.csv.part").write_bytes(b"garbage")
    deliver(settings, "mz.members", "20261101T020000.csv", data)
    deliver(settings, "mz.members", "20261101T030000.csv", data)
    ingest(settings, registry, "mz.members")
    batches = {b.batch_id: b for b in registry.batches("mz.members")}
    assert set(batches) == {"20261101T020000", "20261101T030000"}
    assert batches["20261101T030000"].status is BatchStatus.DUPLICATE
    assert batches["20261101T030000"].duplicate_of == "20261101T020000"
    assert query(settings, "SELECT count(*) FROM published.mz_members") == [(1,)]
    assert len(list((settings.lake / "delivered").iterdir())) == 1  # kept once


def test_duplicates_within_a_batch(settings, registry):
    deliver(settings, "mz.members", "20261101T020000.csv", members_csv(
        f"C1,{ID_A},张三,本人", f"C1,{ID_A},张三,本人",  # exact duplicate
        f"C2,{ID_A},张三,本人", f"C2,{ID_A},张三,配偶",  # same key, the later row wins
    ))
    ingest(settings, registry, "mz.members")
    assert query(settings, "SELECT case_no, relation, _record_no FROM published.mz_members "
                           "ORDER BY case_no") == [("C1", "本人", 2), ("C2", "配偶", 5)]
    assert [(no, rule) for no, rule, _, _ in quarantine(settings, "mz_members")] == [
        (3, "duplicate_row"), (4, "duplicate_key")]


def test_population_rules(settings, registry):
    rows = [
        f"{ID_A},张三,男,19491231,汉族,123456789,户主,441302,惠城区,正常,,",
        "11010519491231003X,李四,女,1949-02-30,汉族,123456789,配偶,441302,惠城区,正常,,",
        ",王五,男,19491231,汉族,123456789,子,441302,惠城区,正常,,",
        "11010519491231004X,赵六,女,1949/12/31,汉族,123456789,女,999999,惠城区,注销,死亡,2026/3/1",
    ]
    deliver(settings, "ga.population", "20261101T020000.csv",
            ("\n".join([POPULATION_HEADER, *rows]) + "\n").encode("gb18030"))
    ingest(settings, registry, "ga.population")
    assert [(no, rule, item) for no, rule, item, _ in quarantine(settings, "ga_population")] == [
        (3, "invalid_date", "birth_date"), (4, "missing_required", "id_number")]
    # Invalid check characters and unknown districts are accepted: quality reports them.
    assert query(settings, "SELECT id_number_valid, district_code, cancel_date "
                           "FROM published.ga_population ORDER BY _record_no") == [
        (True, "441302", None), (False, "999999", date(2026, 3, 1))]


def test_jsonl_malformed_lines_and_renamed_fields(settings, registry):
    good = {"certificate_no": "D1", "id_number": ID_A, "name": "张三", "gender": "男",
            "death_date": "2026/3/14", "place": "医院", "district_code": "441302"}
    lines = [json.dumps(good, ensure_ascii=False), "{bad json", "[1, 2]",
             json.dumps({**good, "certificate_no": "D2", "death_date": "2026-02-30"})]
    deliver(settings, "wj.deaths", "20261101T020000.jsonl", ("\n".join(lines)).encode())
    ingest(settings, registry, "wj.deaths")
    assert query(settings, "SELECT certificate_no, death_date FROM published.wj_deaths") == [
        ("D1", date(2026, 3, 14))]
    assert [(no, rule) for no, rule, _, _ in quarantine(settings, "wj_deaths")] == [
        (2, "malformed_json"), (3, "malformed_json"), (4, "invalid_date")]
    renamed = {("cert_no" if k == "certificate_no" else k): v for k, v in good.items()}
    deliver(settings, "wj.deaths", "20261102T020000.jsonl", json.dumps(renamed).encode())
    ingest(settings, registry, "wj.deaths")
    assert "certificate_no missing from every record" in registry.batches("wj.deaths")[1].reason


def test_jsonl_nested_fields(settings, registry):
    record = {"uscc": "91350100M000100Y43", "name": "某公司", "entity_type": "个体工商户",
              "legal_rep": {"name": "张三", "id_number": ID_A}, "registered_capital_wan": 9.99,
              "status": "存续", "established_date": "2019-05-20", "district_code": "441303"}
    deliver(settings, "sj.enterprises", "20261101T020000.jsonl",
            json.dumps(record, ensure_ascii=False).encode())
    ingest(settings, registry, "sj.enterprises")
    assert query(settings, "SELECT legal_rep_name, legal_rep_id_number_valid, "
                           "registered_capital_wan FROM published.sj_enterprises") == [
        ("张三", True, 9.99)]


def write_xlsx(path, rows):
    workbook = xlsxwriter.Workbook(str(path))
    sheet = workbook.add_worksheet()
    dates = workbook.add_format({"num_format": "yyyy-mm-dd"})
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            if isinstance(value, date):
                sheet.write_datetime(r, c, value, dates)
            else:
                sheet.write(r, c, value)
    workbook.close()


def test_xlsx_with_excel_dates_and_numbers(settings, registry, tmp_path):
    header = ["身份证号", "姓名", "待遇类型", "月发放金额", "开始月份", "发放状态"]
    path = tmp_path / "p.xlsx"
    write_xlsx(path, [header, [ID_A, "张三", "企业职工养老", 3200.5, date(2015, 7, 1), "正常发放"],
                      [ID_A, "张三", "城乡居民养老", 180, 201507, "暂停"],
                      [ID_A, "张三", "机关事业养老", -1, "201507", "终止"]])
    deliver(settings, "rs.pensions", "20261101T020000.xlsx", path.read_bytes())
    ingest(settings, registry, "rs.pensions")
    assert query(settings, "SELECT benefit_type, monthly_amount::VARCHAR, start_month, "
                           "start_month_orig FROM published.rs_pensions ORDER BY _record_no") == [
        ("企业职工养老", "3200.50", "201507", "2015-07-01"),
        ("城乡居民养老", "180.00", "201507", "201507")]
    assert [(no, rule) for no, rule, _, _ in quarantine(settings, "rs_pensions")] == [
        (4, "negative_amount")]


def test_xlsx_batch_split_over_several_files(settings, registry, tmp_path):
    header = ["身份证号", "姓名", "待遇类型", "月发放金额", "开始月份", "发放状态"]
    batch = settings.landing_dir / "rs.pensions" / "20261101T020000"
    batch.mkdir(parents=True)
    write_xlsx(batch / "part-1.xlsx", [header, [ID_A, "张三", "企业职工养老", 100, 201507, "正常发放"]])
    write_xlsx(batch / "part-2.xlsx", [header, [ID_A, "张三", "城乡居民养老", 200, 201507, "正常发放"]])
    ingest(settings, registry, "rs.pensions")
    assert query(settings, "SELECT _file, _record_no FROM published.rs_pensions ORDER BY _file") == [
        ("rs.pensions/20261101T020000/part-1.xlsx", 2), ("rs.pensions/20261101T020000/part-2.xlsx", 2)]


def test_parquet_schema_is_checked(settings, registry, tmp_path):
    table = pa.table({
        "certificate_no": ["C1"], "owner_id_number": [ID_A], "owner_name": ["张三"],
        "co_owner_id_numbers": pa.array([[" 110105491231002 "]], pa.list_(pa.string())),
        "property_use": ["住宅"], "area_m2": [88.5], "location": ["惠城区"],
        "district_code": ["441302"], "register_date": pa.array([date(2020, 1, 2)]),
        "status": ["现势"],
    })
    pq.write_table(table, tmp_path / "ok.parquet")
    deliver(settings, "zr.real_estate", "20261101T020000.parquet", (tmp_path / "ok.parquet").read_bytes())
    pq.write_table(table.drop_columns(["status"]), tmp_path / "bad.parquet")
    deliver(settings, "zr.real_estate", "20261102T020000.parquet", (tmp_path / "bad.parquet").read_bytes())
    ingest(settings, registry, "zr.real_estate")
    assert query(settings, "SELECT co_owner_id_numbers, register_date, _record_no "
                           "FROM published.zr_real_estate") == [([ID_A], date(2020, 1, 2), 1)]
    assert "missing column(s) status" in registry.batches("zr.real_estate")[1].reason


def test_unexpected_file_type_is_a_rejected_batch(settings, registry):
    deliver(settings, "ga.vehicles", "20261101T020000.xls", b"not a csv")
    ingest(settings, registry, "ga.vehicles")
    batch, = registry.batches("ga.vehicles")
    assert batch.status is BatchStatus.REJECTED
    assert "unexpected file type" in batch.reason


def test_a_required_value_of_unicode_spaces_is_missing(settings, registry):
    deliver(settings, "mz.members", "20261101T020000.csv",
            members_csv(f"C1,{ID_A},\u3000\u3000,本人", "C2,\u3000 ,张三,本人"))
    ingest(settings, registry, "mz.members")
    assert [(no, rule, item) for no, rule, item, _ in quarantine(settings, "mz_members")] == [
        (2, "missing_required", "member_name"), (3, "missing_required", "member_id_number")]


_LINE = st.one_of(st.text(alphabet="王芳,ab 1", max_size=6).map(str.encode),
                  st.binary(max_size=6).map(lambda b: b.replace(b"\n", b"")))


@given(lines=st.lists(_LINE, min_size=1, max_size=8), newline=st.booleans(),
       window=st.sampled_from([1, 3, 1 << 20]))
def test_bad_utf8_is_replaced_line_by_line_as_python_decodes_it(lines, newline, window):
    data = b"\n".join(lines) + (b"\n" if newline else b"")
    original, readers_text._UTF8_WINDOW = readers_text._UTF8_WINDOW, window
    try:
        repaired = readers_text._repair_utf8(data)
    finally:
        readers_text._UTF8_WINDOW = original
    assert repaired == data.decode("utf-8", errors="replace").encode()


@given(data=st.one_of(st.binary(max_size=12), st.text(max_size=6).map(str.encode)))
def test_arrow_and_python_agree_on_what_is_valid_utf8(data):
    try:
        data.decode("utf-8")
        valid = True
    except UnicodeDecodeError:
        valid = False
    assert readers_text._valid_utf8(memoryview(data)) == valid
