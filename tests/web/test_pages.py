"""The pages over the ingested city: browse filters, the resource page, the review queue, the
statistics and the open-data pages, with what each role sees."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from datetime import UTC, date, datetime, time, timedelta

import pytest
from sqlalchemy import update

from catalog import RESOURCES, Grade, entries, findings
from catalog.quality_scores import quality_summary
from catalog.registry import utcnow
from exchange.audit_log import AuditRecord
from exchange.models import AuditEntry, Order
from exchange.web.search import highest_grade
from exchange.workdays import BEIJING
from tests.web.conftest import parse

SVG = "{http://www.w3.org/2000/svg}"


def _codes(html: str) -> list[str]:
    table = html[html.index('id="results"'):]
    return re.findall(r'<a href="/resources/([a-z]+\.[a-z_]+)">', table)


@pytest.mark.parametrize(("query", "expected"), [
    ("", sorted(RESOURCES)),
    ("department=ga", sorted(c for c in RESOURCES if c.startswith("ga."))),
    ("category=主题", sorted(c for c, r in RESOURCES.items() if r.category.value == "主题")),
    ("sharing=无条件共享", sorted(c for c, r in RESOURCES.items()
                             if r.sharing.value == "无条件共享")),
    ("cycle=每日", sorted(c for c, r in RESOURCES.items() if r.update_cycle.value == "每日")),
    ("grade=一般&grade_of=highest",
     sorted(c for c, r in RESOURCES.items() if highest_grade(r) is Grade.GENERAL)),
    ("grade=一般", sorted(c for c, r in RESOURCES.items()
                        if any(i.grade is Grade.GENERAL for i in r.items))),
    ("q=户籍", ["ga.population"]),  # the name
    ("q=Motor-VEHICLE", ["ga.vehicles"]),  # the English name, any case
    ("q=住房公积金", ["gjj.deposits"]),  # the abstract
    ("q=legal_rep_id_number", ["sj.enterprises"]),  # a data item's name
    ("department=ga&q=身份", ["ga.population", "ga.vehicles"]),  # data items' Chinese names
    ("status=retired", []),
])
def test_browse_filters(shared_web, query, expected):
    response = shared_web.client("requester").get(f"/resources?{query}")
    assert response.status_code == 200
    assert _codes(response.text) == expected
    assert f"{len(expected)} of {len(RESOURCES)} resources" in response.text


def test_grade_filter_tells_any_item_from_the_entry(shared_web):
    # ga.population holds 核心 ID numbers but also 一般 items: it has 一般 items, yet its
    # highest grade is not 一般.
    client = shared_web.client("cdo")
    assert "ga.population" in _codes(client.get("/resources?grade=一般").text)
    assert "ga.population" not in _codes(client.get("/resources?grade=一般&grade_of=highest")
                                         .text)


@pytest.mark.parametrize("query", ["grade=绝密", "department=xx", "status=lost",
                                   "grade_of=lowest", "q=" + "长" * 101])
def test_unknown_filter_values_are_refused(shared_web, query):
    response = shared_web.client("requester").get(f"/resources?{query}")
    assert response.status_code == 400
    assert 'id="error-message"' in response.text and "Traceback" not in response.text


def test_status_filter_and_column_follow_the_life_cycle(web):
    registry, cdo = web.hub.store.registry, web.actor("cdo")
    entries.retire(registry, "wj.deaths", cdo, "停止报送")
    web.submitted_revision("ga.vehicles")
    client = web.client("auditor")
    assert _codes(client.get("/resources?status=retired").text) == ["wj.deaths"]
    assert _codes(client.get("/resources?status=submitted").text) == ["ga.vehicles"]
    listing = client.get("/resources").text
    row = listing[listing.index('href="/resources/wj.deaths"'):]
    assert 'status-retired">retired' in row[:row.index("</tr>")]


def test_resource_page_shows_items_quality_freshness_versions_lineage(shared_web):
    registry = shared_web.hub.store.registry
    html = shared_web.client("analyst").get("/resources/ga.population").text
    resource = RESOURCES["ga.population"]
    for item in resource.items:
        row = html[html.index(f'id="item-{item.name}"'):]
        row = row[:row.index("</tr>")]
        assert item.zh_name in row and item.grade.value in row
        assert (f'personal">{item.sensitivity.value}' in row) == item.sensitivity.is_personal
    current = registry.current_publication("ga.population")
    assert f"current version {current.version} with {current.rows} records" in html
    assert re.search(r"Freshness: <span class=\"status status-(fresh|overdue)\">", html)
    summary = quality_summary(registry, "ga.population")
    assert summary is not None  # the ingest ran the quality checks
    for dimension, score in summary["scores"].items():
        assert f"<th scope=\"row\">{dimension}</th><td>{score * 100:.1f}%</td>" in html
    assert 'src="/resources/ga.population/charts/quality.svg"' in html
    # Lineage: the cross-check's flags are derived from the population register.
    downstream = html[html.index("<h3>Downstream</h3>"):]
    assert '<a href="/resources/mz.crosscheck_flags">' in downstream[:downstream.index("</ul>")]
    assert "Orders are not shown" not in html
    assert "Who used this resource is shown to" in html  # an analyst of another department


def test_resource_page_of_unknown_resource_is_404(shared_web):
    for path in ("/resources/zz.nothing", "/resources/zz.nothing/charts/quality.svg",
                 "/resources/ga.population/charts/pie.svg", "/orders/ord_missing"):
        response = shared_web.client("cdo").get(path)
        assert response.status_code == 404
        assert "text/html" in response.headers["content-type"]


def test_who_ordered_it_is_shown_per_department(web):
    mine = web.order("requester", "ga.vehicles", purpose="社会救助核查")
    theirs = web.order("other", "ga.vehicles", purpose="就业补贴审核")

    def shown(role: str) -> set[str]:
        html = web.client(role).get("/resources/ga.vehicles").text
        section = html[html.index('id="orders"'):html.index('id="usage"')]
        return set(re.findall(r'href="/orders/(ord_[0-9a-f]+)"', section))

    assert shown("cdo") == shown("auditor") == shown("reviewer") == {mine.id, theirs.id}
    assert shown("requester") == shown("analyst") == {mine.id}
    assert shown("other") == {theirs.id}
    admin = web.client("admin").get("/resources/ga.vehicles").text
    assert "Orders are not shown to your role." in admin
    order_page = web.client("cdo").get(f"/orders/{theirs.id}").text
    assert "就业补贴审核" in order_page and "placed" in order_page
    assert web.client("requester").get(f"/orders/{theirs.id}").status_code == 404


def test_usage_chart_counts_the_audit_log(web):
    client = web.client("cdo")
    web.order("requester", "ga.vehicles")
    web.order("other", "ga.vehicles")
    html = client.get("/resources/ga.vehicles").text
    section = html[html.index('id="figure-usage"'):]
    rows = re.findall(r'<th scope="row">(\d{4}-\d\d-\d\d)</th>\s*<td>(\d+)</td><td>(\d+)</td>',
                      section[:section.index("</table>")])
    assert len(rows) == 30  # one row a day, zeros included
    # Orders placed through the service are not requests; requests naming it through the API
    # are. Record one of each decision as the middleware would, and see them counted today.
    for decision, status in (("allow", 200), ("deny", 403)):
        web.hub.audit.append(AuditRecord(method="POST", route="/v1/verify/vehicle",
                                         resource_code="ga.vehicles", decision=decision,
                                         status=status))
    html = client.get("/resources/ga.vehicles").text
    section = html[html.index('id="figure-usage"'):]
    last = re.findall(r'<th scope="row">(\d{4}-\d\d-\d\d)</th>\s*<td>(\d+)</td><td>(\d+)</td>',
                      section[:section.index("</table>")])[-1]
    assert (int(last[1]), int(last[2])) == (1, 1)
    # A request at 01:00 Beijing time on the first day shown (17:00 UTC the day before) is
    # that day's, and one just before it is outside the window.
    first = date.fromisoformat(rows[0][0])
    for minutes, decision in ((60, "allow"), (-1, "deny")):
        entry = web.hub.audit.append(AuditRecord(method="POST", route="/v1/verify/vehicle",
                                                 resource_code="ga.vehicles",
                                                 decision=decision, status=200))
        at = datetime.combine(first, time(0), BEIJING) + timedelta(minutes=minutes)
        with web.hub.store.session() as s:
            s.execute(update(AuditEntry).where(AuditEntry.seq == entry.seq)
                      .values(at=at.astimezone(UTC)))
    html = client.get("/resources/ga.vehicles").text
    section = html[html.index('id="figure-usage"'):]
    first_row = re.findall(r'<th scope="row">(\d{4}-\d\d-\d\d)</th>\s*<td>(\d+)</td><td>(\d+)</td>',
                           section[:section.index("</table>")])[0]
    assert first_row == (first.isoformat(), "1", "0")
    svg = client.get("/resources/ga.vehicles/charts/usage.svg")
    assert svg.headers["content-type"].startswith("image/svg+xml")
    ET.fromstring(svg.text)


def test_queue_publishes_and_returns_revisions_with_reasons(web):
    proposed = web.submitted_revision("ga.vehicles")
    cdo = web.client("cdo")
    queue = cdo.get("/queue").text
    assert proposed in queue and 'action="/queue/entries/ga.vehicles/publish"' in queue
    response = cdo.post("/queue/entries/ga.vehicles/publish",
                        data={"reason": "文本准确，同意发布", "csrf": web.csrf("cdo")})
    assert response.status_code == 303 and response.headers["location"] == "/queue?done=published"
    assert "The revision is published" in cdo.get(response.headers["location"]).text
    page = cdo.get("/resources/ga.vehicles").text
    assert f'id="abstract">{proposed}<' in page
    assert "文本准确，同意发布" in page  # the catalog history names the reason
    # A reason is required, and a revision cannot be published twice.
    web.submitted_revision("ga.vehicles")
    empty = cdo.post("/queue/entries/ga.vehicles/return", data={"reason": " ",
                                                                 "csrf": web.csrf("cdo")})
    assert empty.status_code == 422
    returned = cdo.post("/queue/entries/ga.vehicles/return",
                        data={"reason": "请补充来源说明", "csrf": web.csrf("cdo")})
    assert returned.status_code == 303
    assert entries.pending(web.hub.store.registry, "ga.vehicles").status == "draft"
    again = cdo.post("/queue/entries/ga.vehicles/publish", data={"reason": "再次",
                                                                  "csrf": web.csrf("cdo")})
    assert again.status_code == 409
    assert "has no submitted revision" in again.text
    bogus = cdo.post("/queue/entries/ga.vehicles/delete", data={"reason": "x",
                                                                 "csrf": web.csrf("cdo")})
    assert bogus.status_code == 404


def test_retire_and_republish_from_the_queue(web):
    cdo = web.client("cdo")
    retired = cdo.post("/queue/entries/sj.enterprises/retire",
                       data={"reason": "数据源停止维护", "csrf": web.csrf("cdo")})
    assert retired.status_code == 303
    assert entries.entry_status(web.hub.store.registry, "sj.enterprises").value == "retired"
    assert "数据源停止维护" in cdo.get("/resources/sj.enterprises").text
    assert web.anonymous().get("/open/sj.enterprises").status_code == 404  # not open any more
    assert cdo.post("/queue/entries/sj.enterprises/republish",
                    data={"reason": "恢复", "csrf": web.csrf("cdo")}).status_code == 303
    assert web.anonymous().get("/open/sj.enterprises").status_code == 200


def test_auditors_see_the_queue_but_cannot_act(web):
    web.submitted_revision("ga.vehicles")
    finding = web.finding()
    html = web.client("auditor").get("/queue").text
    assert 'id="revision-ga.vehicles"' in html and f'id="finding-{finding}"' in html
    assert "<form" not in html.split("<main>")[1]  # only the header's sign-out form
    response = web.client("auditor").post(f"/queue/findings/{finding}/acknowledge",
                                          data={"note": "看过", "csrf": web.csrf("auditor")})
    assert response.status_code == 403
    row = next(f for f in findings.findings(web.hub.store.registry, status=None)
               if f.id == finding)
    assert row.status == "open"


def test_acknowledging_a_finding_needs_a_note(web):
    finding = web.finding()
    cdo = web.client("cdo")
    assert cdo.post(f"/queue/findings/{finding}/acknowledge",
                    data={"note": "", "csrf": web.csrf("cdo")}).status_code == 400
    done = cdo.post(f"/queue/findings/{finding}/acknowledge",
                    data={"note": "已通知公安局限期补报", "csrf": web.csrf("cdo")})
    assert done.status_code == 303
    row = next(f for f in findings.findings(web.hub.store.registry, status=None)
               if f.id == finding)
    assert (row.status, row.acknowledged_by, row.note) == ("acknowledged", "cdo-wang",
                                                           "已通知公安局限期补报")
    assert f'id="finding-{finding}"' not in cdo.get("/queue").text
    assert cdo.post("/queue/findings/999999/acknowledge",
                    data={"note": "x", "csrf": web.csrf("cdo")}).status_code == 404


def test_overdue_orders_are_listed_escalated_first(web):
    late = web.order("requester", "ga.vehicles")
    later = web.order("other", "ga.vehicles")
    on_time = web.order("requester", "ga.population")
    with web.hub.store.session() as s:
        s.execute(update(Order).where(Order.id == late.id)
                  .values(stage_due=utcnow() - timedelta(days=1)))
        s.execute(update(Order).where(Order.id == later.id)
                  .values(stage_due=utcnow() - timedelta(hours=1), escalated=True))
    html = web.client("cdo").get("/queue").text
    section = html[html.index('id="overdue"'):html.index('id="findings"')]
    listed = re.findall(r'href="/orders/(ord_[0-9a-f]+)"', section)
    assert set(listed) == {late.id, later.id} and on_time.id not in listed
    assert "escalated" in section


def test_statistics_figures_match_the_registry(shared_web):
    registry = shared_web.hub.store.registry
    html = shared_web.client("auditor").get("/stats").text
    for name in ("by-department", "records", "versions", "orders", "calls-by-day",
                 "calls-by-kind", "quality-by-department", "crosscheck"):
        assert f'id="figure-{name}"' in html
        assert f'src="/stats/charts/{name}.svg"' in html
    records = html[html.index('id="figure-records"'):]
    records = records[:records.index("</table>")]
    for code in RESOURCES:
        current = registry.current_publication(code)
        rows = current.rows if current else 0
        assert re.search(rf'{re.escape(code)}</a></th>\s*<td>{rows}</td>', records), code
    total = sum(p.rows for c in RESOURCES if (p := registry.current_publication(c)))
    assert f"<dt>Records held</dt><dd>{total}</dd>" in html


def test_statistics_charts_are_svg_without_script_or_outside_fetches(shared_web):
    client = shared_web.client("cdo")
    links = parse(client.get("/stats").text).links
    charts = [link for link in links if link.endswith(".svg")]
    assert len(charts) == 11
    for src in charts:
        response = client.get(src)
        assert response.status_code == 200
        assert response.headers["content-security-policy"] == (
            "default-src 'none'; style-src 'unsafe-inline'")
        root = ET.fromstring(response.text)
        assert root.tag == f"{SVG}svg"
        hrefs = [v for e in root.iter() for k, v in e.attrib.items() if k.endswith("href")]
        assert not [h for h in hrefs if "//" in h]
        assert "xml-stylesheet" not in response.text and "googleapis" not in response.text
    assert client.get("/stats/charts/nothing.svg").status_code == 404


def test_open_data_pages_are_public_and_link_the_downloads(shared_web):
    anonymous = shared_web.anonymous()
    listing = anonymous.get("/open")
    assert listing.status_code == 200
    assert 'href="/open/sj.enterprises"' in listing.text
    assert 'href="/open/dcat.jsonld"' in listing.text
    page = anonymous.get("/open/sj.enterprises").text
    assert 'href="/open/v1/resources/sj.enterprises/data.csv"' in page
    assert 'href="/open/v1/resources/sj.enterprises/data.parquet"' in page
    withheld = page[page.index('id="withheld-items"'):]
    assert "legal_rep_id_number" in withheld
    assert anonymous.get("/open/ga.population").status_code == 404  # 不予开放
    assert anonymous.get("/open/dcat.jsonld").headers["content-type"].startswith(
        "application/ld+json")  # the export, not a page


def test_a_failing_page_shows_no_trace(web, monkeypatch):
    from exchange.web import stats

    def broken(_hub):
        raise RuntimeError("secret internals /srv/hub/registry.db")

    monkeypatch.setattr(stats, "platform_figures", broken)
    response = web.client("cdo").get("/stats")
    assert response.status_code == 500
    assert "secret internals" not in response.text and "Traceback" not in response.text
    assert "The hub could not show this page." in response.text
    assert response.headers["content-security-policy"].startswith("default-src 'self'")
