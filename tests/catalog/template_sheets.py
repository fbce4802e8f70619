"""The shipped directory template as rows, and the same rows written in the other layouts and
file types a city may send (shared by the import tests; also rebuilds docs/templates' XLSX)."""

from __future__ import annotations

import csv
from pathlib import Path

import xlsxwriter

ROOT = Path(__file__).resolve().parents[2]
SAMPLE_CSV = ROOT / "docs" / "templates" / "directory-template.csv"
SAMPLE_XLSX = ROOT / "docs" / "templates" / "directory-template.xlsx"
ITEM_HEADERS = ("信息项名称", "字段名", "来源字段", "信息项类型", "信息项长度")


def sample_rows() -> list[list[str]]:
    """The shipped CSV template: header, then one row per data item (first-row-only layout)."""
    with SAMPLE_CSV.open(encoding="utf-8-sig", newline="") as fh:
        return [list(row) for row in csv.reader(fh)]


def repeated(rows: list[list[str]]) -> list[list[str]]:
    """The same directory with every resource-level cell repeated on each of its rows."""
    header, out, last = rows[0], [rows[0]], None
    first_item = header.index("信息项名称")
    for row in rows[1:]:
        if row[2]:
            last = row[:first_item]
        out.append(last + row[first_item:])
    return out


def write_csv(rows: list[list[str]], path: Path, encoding: str = "utf-8-sig") -> Path:
    with path.open("w", encoding=encoding, newline="") as fh:
        csv.writer(fh, lineterminator="\r\n").writerows(rows)
    return path


def write_xlsx(rows: list[list[str]], path: Path, *, title: str = "") -> Path:
    """An XLSX as people fill the template: an optional title row, a two-row header (名称,
    类型 … under a merged 信息项 cell), each resource's own cells merged over its rows."""
    header, data = rows[0], rows[1:]
    first_item = header.index("信息项名称")
    with xlsxwriter.Workbook(str(path)) as book:
        sheet = book.add_worksheet("信息资源目录")
        top = 0
        if title:
            sheet.write(0, 0, title)
            top = 1
        for j, text in enumerate(header):
            if text.startswith("信息项") and j >= first_item:
                continue
            if j >= first_item:
                sheet.write(top + 1, j, text)  # 字段名 and the hub's columns: second row
            else:
                sheet.merge_range(top, j, top + 1, j, text)
        group = [j for j, t in enumerate(header) if t.startswith("信息项") and j >= first_item]
        sheet.merge_range(top, group[0], top, group[0] + 1, "信息项")
        for j in group:
            sheet.write(top + 1, j, header[j].removeprefix("信息项"))
        start = top + 2
        spans: list[tuple[int, int]] = []
        for i, row in enumerate(data):
            if row[2]:
                spans.append((i, i))
            else:
                spans[-1] = (spans[-1][0], i)
            for j, text in enumerate(row[first_item:], start=first_item):
                if text:
                    sheet.write(start + i, j, float(text) if text.isdigit() else text)
        for first, last in spans:
            for j in range(first_item):
                text = data[first][j]
                if last > first:
                    sheet.merge_range(start + first, j, start + last, j, text)
                elif text:
                    sheet.write(start + first, j, text)
    return path


if __name__ == "__main__":  # rebuild the shipped XLSX from the shipped CSV
    write_xlsx(sample_rows(), SAMPLE_XLSX, title="惠州市政务信息资源目录（示例）")
