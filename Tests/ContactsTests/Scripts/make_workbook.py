"""Writes a real .xlsx with openpyxl (an independent writer) for ContactsTests, and prints as JSON
the rows a correct reader must return from each sheet: line (worksheet row), phone input, variables.

Usage: make_workbook.py OUTPUT.xlsx
"""
import json
import sys

from openpyxl import Workbook
from openpyxl.cell.rich_text import CellRichText, TextBlock
from openpyxl.cell.text import InlineFont


def text_of(value):
    """What a reader must show for a cell: ints in full, floats without a useless .0."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    return str(value).strip()


def main(path):
    book = Workbook()
    expected = {}

    kontak = book.active
    kontak.title = "Kontak"
    kontak.append(["Nama", "Nomor WA", "Kota", "Poin"])
    rows = [
        ["Budi", 6281234567890, "Jakarta", 150],
        ["Siti", "+62 812-3456-7801", "Bandung", 12.5],
        ["Andi", 8123456702, "Surabaya", None],          # typed 08123456702, Excel dropped the 0
        ["Rina", 628123456789012, "Medan", 1000.0],       # 15 digits stored as a number
        ["Dewi", "6.28123E+11", "Bali", 0],
        ["Koji 田中 😀", "081234567803", "Tokyo", -7],
    ]
    for row in rows:
        kontak.append(row)
    rich = CellRichText([TextBlock(InlineFont(b=True), "0812 "), "3456 7804"])
    kontak.append(["Rich", rich, "Jakarta", None])
    kontak.append([None, None, None, None])               # openpyxl writes no empty rows
    kontak.cell(row=12, column=1, value="Jauh")
    kontak.cell(row=12, column=2, value="0812-3456-7805")
    expected["Kontak"] = []
    for offset, row in enumerate(rows):
        phone = text_of(row[1])
        if isinstance(row[1], int) and phone.startswith("8"):
            phone = "0" + phone
        expected["Kontak"].append({"line": offset + 2, "input": phone,
                                   "variables": [text_of(row[0]), text_of(row[2]), text_of(row[3])]})
    expected["Kontak"].append({"line": 8, "input": "0812 3456 7804", "variables": ["Rich", "Jakarta", ""]})
    expected["Kontak"].append({"line": 12, "input": "0812-3456-7805", "variables": ["Jauh", "", ""]})

    vip = book.create_sheet("VIP")
    vip.append(["phone", "name"])
    vip.append(["081211110000", "Bos"])
    expected["VIP"] = [{"line": 2, "input": "081211110000", "variables": ["Bos"]}]

    big = book.create_sheet("Besar")
    big.append(["No HP", "Nama"])
    expected["Besar"] = []
    for index in range(6000):
        number = 6281300000000 + index * 7
        big.append([number, f"Pelanggan {index} & <teman>"])
        expected["Besar"].append({"line": index + 2, "input": str(number),
                                  "variables": [f"Pelanggan {index} & <teman>"]})

    book.save(path)
    json.dump(expected, sys.stdout, ensure_ascii=False)


if __name__ == "__main__":
    main(sys.argv[1])
