"""Reads report.csv with Python's csv module (utf-8-sig strips the byte-order mark) and prints the rows as JSON."""
import csv
import json
import sys

with open(sys.argv[1], newline="", encoding="utf-8-sig") as f:
    json.dump(list(csv.reader(f)), sys.stdout, ensure_ascii=False)
