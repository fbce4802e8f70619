"""A minimal, fast, deterministic XLSX writer: one sheet of inline strings, numbers and dates.

Generic writers spend microseconds per cell; a pension sheet of a large city has millions of
cells, so the sheet XML is built with plain string joins (readable by Excel, openpyxl, calamine)
and streamed into the archive as the city's slices arrive.
"""

from __future__ import annotations

import datetime as dt
import zipfile
from pathlib import Path
from xml.sax.saxutils import escape

__all__ = ["SheetWriter", "write_xlsx"]

_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PKG_REL = "http://schemas.openxmlformats.org/package/2006/relationships"
_CT = "application/vnd.openxmlformats-officedocument.spreadsheetml"
_EPOCH = dt.datetime(1899, 12, 30)  # Excel's day zero (with the 1900 leap-year quirk)
_STATIC = {
    "[Content_Types].xml": (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        f'<Override PartName="/xl/workbook.xml" ContentType="{_CT}.sheet.main+xml"/>'
        f'<Override PartName="/xl/worksheets/sheet1.xml" ContentType="{_CT}.worksheet+xml"/>'
        f'<Override PartName="/xl/styles.xml" ContentType="{_CT}.styles+xml"/></Types>'
    ),
    "_rels/.rels": (
        f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Relationships xmlns="{_PKG_REL}">'
        f'<Relationship Id="rId1" Type="{_REL}/officeDocument" Target="xl/workbook.xml"/></Relationships>'
    ),
    "xl/_rels/workbook.xml.rels": (
        f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Relationships xmlns="{_PKG_REL}">'
        f'<Relationship Id="rId1" Type="{_REL}/worksheet" Target="worksheets/sheet1.xml"/>'
        f'<Relationship Id="rId2" Type="{_REL}/styles" Target="styles.xml"/></Relationships>'
    ),
    "xl/styles.xml": (
        f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<styleSheet xmlns="{_MAIN}">'
        '<numFmts count="1"><numFmt numFmtId="164" formatCode="yyyy\\-mm"/></numFmts>'
        '<fonts count="1"><font><sz val="11"/><name val="Calibri"/></font></fonts>'
        '<fills count="2"><fill><patternFill patternType="none"/></fill><fill><patternFill patternType="gray125"/></fill></fills>'
        '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
        '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
        '<cellXfs count="2"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
        '<xf numFmtId="164" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/></cellXfs>'
        '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles></styleSheet>'
    ),
}


def _cell(ref: str, value) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return f'<c r="{ref}" t="inlineStr"><is><t xml:space="preserve">{escape(value)}</t></is></c>'
    if isinstance(value, dt.datetime):  # an Excel date: a serial number shown with a date format
        return f'<c r="{ref}" s="1"><v>{(value - _EPOCH).days}</v></c>'
    return f'<c r="{ref}"><v>{value!r}</v></c>'


class SheetWriter:
    """One sheet streamed into its workbook row by row, so a large sheet is never held whole."""

    def __init__(self, path: Path, sheet: str, header: tuple[str, ...]):
        self._letters = [chr(ord("A") + j) for j in range(len(header))]
        self.rows = 0  # data rows written
        workbook = (
            f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<workbook xmlns="{_MAIN}" xmlns:r="{_REL}">'
            f'<sheets><sheet name="{escape(sheet)}" sheetId="1" r:id="rId1"/></sheets></workbook>'
        )
        self._archive = zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=6)
        for name, text in sorted({**_STATIC, "xl/workbook.xml": workbook}.items()):
            self._archive.writestr(_info(name), text.encode("utf-8"))
        self._sheet = self._archive.open(_info("xl/worksheets/sheet1.xml"), "w")  # sorts last
        head = "".join(_cell(f"{c}1", h) for c, h in zip(self._letters, header))
        self._sheet.write(
            f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<worksheet xmlns="{_MAIN}"><sheetData>'
            f'<row r="1">{head}</row>'.encode()
        )

    def append(self, rows) -> None:
        """Write rows (tuples of str / number / datetime / None) after those already written."""
        lines = []
        for i, row in enumerate(rows, self.rows + 2):
            lines.append(f'<row r="{i}">{"".join(_cell(f"{c}{i}", v) for c, v in zip(self._letters, row))}</row>')
        self.rows += len(lines)
        self._sheet.write("".join(lines).encode("utf-8"))

    def close(self) -> None:
        self._sheet.write(b"</sheetData></worksheet>")
        self._sheet.close()
        self._archive.close()


def _info(name: str) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))  # fixed: same seed, same bytes
    info.compress_type = zipfile.ZIP_DEFLATED
    return info


def write_xlsx(path: Path, sheet: str, header: tuple[str, ...], rows) -> None:
    """Write one sheet: the header row, then `rows` (tuples of str / number / datetime / None)."""
    writer = SheetWriter(path, sheet, header)
    writer.append(rows)
    writer.close()
