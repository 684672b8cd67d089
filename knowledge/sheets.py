"""Tables in and out of spreadsheet files: ``.xlsx`` (openpyxl) and CSV (UTF-8 with BOM, so
Excel opens it with the Vietnamese letters intact). Pure functions on bytes.

A table is a header row of column names, then one row per record. Rows are numbered as the
spreadsheet shows them (the header is row 1); blank rows are skipped.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from typing import Literal

Format = Literal["xlsx", "csv"]
Cell = str | date | None
Row = tuple[int, dict[str, Cell]]  # (row number, column name -> value)


class Unreadable(ValueError):
    """The file is not a table in the given format."""


def _cell(value: object) -> Cell:
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.date() if value.time() == datetime.min.time() else value.isoformat(sep=" ")
    if isinstance(value, date):
        return value
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _table(rows: Iterable[Sequence[object]]) -> tuple[list[str], list[Row]]:
    iterator = iter(rows)
    try:
        header = [str(name).strip() if name is not None else "" for name in next(iterator)]
    except StopIteration:
        raise Unreadable("the file is empty") from None
    table: list[Row] = []
    for number, values in enumerate(iterator, start=2):
        cells = [_cell(value) for value in values]
        if all(cell is None or cell == "" for cell in cells):
            continue
        record = {name: cells[i] if i < len(cells) else None for i, name in enumerate(header) if name}
        table.append((number, record))
    return header, table


def read_table(data: bytes, fmt: Format) -> tuple[list[str], list[Row]]:
    """The header and the numbered rows of the first sheet (xlsx) or of the CSV file."""
    if fmt == "csv":
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise Unreadable("the CSV file is not UTF-8") from exc
        return _table(csv.reader(io.StringIO(text, newline="")))
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises several kinds for a file that is not xlsx
        raise Unreadable(f"not an xlsx file ({type(exc).__name__})") from exc
    try:
        return _table(workbook.worksheets[0].iter_rows(values_only=True))
    finally:
        workbook.close()


def write_table(header: Sequence[str], rows: Iterable[Sequence[Cell]], fmt: Format, title: str) -> bytes:
    """The table as an xlsx workbook (one sheet called ``title``) or a CSV file."""
    if fmt == "csv":
        out = io.StringIO(newline="")
        writer = csv.writer(out)
        writer.writerow(header)
        for row in rows:
            writer.writerow(
                ["" if cell is None else cell.isoformat() if isinstance(cell, date) else cell for cell in row]
            )
        return out.getvalue().encode("utf-8-sig")
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = title[:31]
    sheet.append(list(header))
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    widths = [len(name) + 2 for name in header]
    for row in rows:
        sheet.append(list(row))
        for column, cell in enumerate(sheet[sheet.max_row]):
            if isinstance(cell.value, str):
                cell.data_type = "s"  # text that starts with "=" stays text, never a formula
                cell.alignment = Alignment(wrap_text=True, vertical="top")
                widths[column] = min(max(widths[column], len(cell.value) + 2), 60)
            elif isinstance(cell.value, date):
                cell.number_format = "yyyy-mm-dd"
                widths[column] = max(widths[column], 12)
    for column, width in enumerate(widths):
        sheet.column_dimensions[sheet.cell(row=1, column=column + 1).column_letter].width = width
    sheet.freeze_panes = "A2"
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()
