"""Reads report.xlsx with openpyxl (an independent reader) and prints what the Swift tests check, as JSON."""
import json
import sys

import openpyxl


def cell(c):
    value = c.value
    if hasattr(value, "isoformat"):
        value = value.isoformat()
    return {"value": value, "type": c.data_type, "format": c.number_format, "bold": bool(c.font and c.font.b)}


def main(path):
    book = openpyxl.load_workbook(path)
    out = {"sheets": book.sheetnames}
    for sheet in book.worksheets:
        rows = list(sheet.iter_rows())
        out[sheet.title] = {
            "freeze": sheet.freeze_panes,
            "filter": sheet.auto_filter.ref,
            "max_row": sheet.max_row,
            "widths": {k: v.width for k, v in sheet.column_dimensions.items()},
            "rows": [[cell(c) for c in row] for row in rows[:40]],
            "last": [cell(c) for c in rows[-1]] if rows else [],
        }
    json.dump(out, sys.stdout, ensure_ascii=False)


main(sys.argv[1])
