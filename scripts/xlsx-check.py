#!/usr/bin/env python3
"""Check an .xlsx file the way a person would see it, through LibreOffice.

Usage:
    python3 scripts/xlsx-check.py REPORT.xlsx EXPECTED.csv [--sheet N] [--abs-tol X] [--rel-tol X]

LibreOffice (headless) converts sheet N (1-based, default 1) of REPORT.xlsx to CSV with the cells written as
shown (number formats applied: "95.3%", "2026-03-02 10:00"), in UTF-8. That CSV is compared with EXPECTED.csv
cell by cell:

* equal text matches;
* two numbers match within the tolerances (abs-tol + rel-tol * larger magnitude); "95.3%" reads as 0.953, so
  an expected "0.953" matches a displayed "95.3%";
* an expected cell "'=..." (the formula-injection prefix CSVTable adds to text starting with = + - @ tab CR)
  matches the text without the apostrophe, since the workbook stores such text as a plain string;
* CRLF inside a cell equals LF; trailing empty cells and rows are ignored.

Exit status: 0 when everything matches, 1 on a mismatch (each difference is printed), 2 when the input is
unusable or LibreOffice is missing or fails. Needs only the Python 3 standard library and LibreOffice Calc
(Debian: libreoffice-calc-nogui, or libreoffice-calc).
"""

import argparse
import csv
import io
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

# Filter options of LibreOffice's CSV export, by position: field separator 44 (","), text delimiter 34 ('"'),
# character set 76 (UTF-8), first line 1, cell format (import only), language 0 (default), quoted field as text
# (import only), detect special numbers (import only), save cell contents as shown = true, export formulas =
# false, remove spaces = false, sheet to export = N (LibreOffice 7.2 and later).
FILTER = "Text - txt - csv (StarCalc)"
OPTIONS = "44,34,76,1,,0,false,true,true,false,false,{sheet}"

INJECTION_STARTS = ("=", "+", "-", "@", "\t", "\r")
NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")
GROUPED = re.compile(r"^[+-]?\d{1,3}(,\d{3})+(\.\d*)?$")


def find_soffice(explicit):
    candidates = [explicit] if explicit else []
    candidates += [shutil.which("soffice"), shutil.which("libreoffice"),
                   "/usr/lib/libreoffice/program/soffice", "/opt/libreoffice/program/soffice",
                   "/Applications/LibreOffice.app/Contents/MacOS/soffice"]
    for c in candidates:
        if c and os.path.isfile(c) and os.access(c, os.X_OK):
            return c
    return None


def convert(soffice, xlsx, sheet, workdir):
    """Runs LibreOffice and returns the text of the CSV it wrote for the sheet."""
    outdir = Path(workdir) / "out"
    outdir.mkdir()
    profile = Path(workdir) / "profile"
    command = [
        soffice, f"-env:UserInstallation={profile.as_uri()}",
        "--headless", "--norestore", "--nolockcheck", "--nodefault",
        "--convert-to", f"csv:{FILTER}:{OPTIONS.format(sheet=sheet)}",
        "--outdir", str(outdir), str(xlsx),
    ]
    try:
        run = subprocess.run(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                             timeout=180, check=False, text=True)
    except subprocess.TimeoutExpired:
        raise SystemExit("error: LibreOffice did not finish the conversion within 180 s")
    produced = sorted(outdir.glob("*.csv"))
    if run.returncode != 0 or not produced:
        sys.stderr.write(run.stdout)
        raise SystemExit(f"error: LibreOffice produced no CSV (exit status {run.returncode})")
    # With a sheet number LibreOffice names the file after the sheet ("report-Sheet1.csv"); there is one file.
    return produced[0].read_text(encoding="utf-8-sig")


def read_rows(text):
    rows = list(csv.reader(io.StringIO(text, newline="")))
    rows = [[cell.replace("\r\n", "\n") for cell in row] for row in rows]
    for row in rows:
        while row and row[-1] == "":
            row.pop()
    while rows and not rows[-1]:
        rows.pop()
    return rows


def as_number(text):
    """The value of a numeric cell ("3", "-1.5", "1,234.5", "95.3%", "1e-05"), or None."""
    s = text.strip()
    percent = s.endswith("%")
    if percent:
        s = s[:-1].strip()
    if GROUPED.match(s):
        s = s.replace(",", "")
    if not NUMBER.match(s):
        return None
    value = float(s)
    return value / 100 if percent else value


def cells_match(expected, actual, abs_tol, rel_tol):
    if expected == actual:
        return True
    if expected.startswith("'") and expected[1:].startswith(INJECTION_STARTS) and expected[1:] == actual:
        return True
    a, b = as_number(expected), as_number(actual)
    if a is not None and b is not None:
        return abs(a - b) <= abs_tol + rel_tol * max(abs(a), abs(b))
    return False


def column_name(index):
    name = ""
    n = index + 1
    while n:
        n, r = divmod(n - 1, 26)
        name = chr(65 + r) + name
    return name


def compare(expected_rows, actual_rows, abs_tol, rel_tol, limit=50):
    differences = []
    for r in range(max(len(expected_rows), len(actual_rows))):
        exp = expected_rows[r] if r < len(expected_rows) else []
        act = actual_rows[r] if r < len(actual_rows) else []
        for c in range(max(len(exp), len(act))):
            e = exp[c] if c < len(exp) else ""
            a = act[c] if c < len(act) else ""
            if not cells_match(e, a, abs_tol, rel_tol):
                differences.append(f"{column_name(c)}{r + 1}: expected {e!r}, LibreOffice shows {a!r}")
    for line in differences[:limit]:
        print(line)
    if len(differences) > limit:
        print(f"... and {len(differences) - limit} more")
    return len(differences)


def main(argv=None):
    parser = argparse.ArgumentParser(description="Compare an .xlsx, as LibreOffice displays it, with a CSV.")
    parser.add_argument("xlsx", type=Path)
    parser.add_argument("expected", type=Path, help="CSV of the expected displayed cells (UTF-8, BOM allowed)")
    parser.add_argument("--sheet", type=int, default=1, help="1-based sheet number (default 1)")
    parser.add_argument("--abs-tol", type=float, default=1e-9)
    parser.add_argument("--rel-tol", type=float, default=1e-9)
    parser.add_argument("--soffice", help="path of the soffice program")
    parser.add_argument("--keep", type=Path, help="also save LibreOffice's CSV at this path")
    parser.add_argument("--skip-rows", type=int, default=0,
                        help="leading rows of the sheet the CSV does not have (a title row), left out of the comparison")
    args = parser.parse_args(argv)

    if not args.xlsx.is_file():
        print(f"error: no such file {args.xlsx}", file=sys.stderr)
        return 2
    if not args.expected.is_file():
        print(f"error: no such file {args.expected}", file=sys.stderr)
        return 2
    if args.sheet < 1:
        print("error: --sheet counts from 1", file=sys.stderr)
        return 2
    soffice = find_soffice(args.soffice)
    if not soffice:
        print("error: LibreOffice (soffice) not found; on Debian: apt-get install libreoffice-calc-nogui",
              file=sys.stderr)
        return 2

    with tempfile.TemporaryDirectory(prefix="xlsx-check-") as workdir:
        try:
            text = convert(soffice, args.xlsx.resolve(), args.sheet, workdir)
        except SystemExit as failure:
            print(failure, file=sys.stderr)
            return 2
    if args.keep:
        args.keep.write_text(text, encoding="utf-8")

    expected = read_rows(args.expected.read_text(encoding="utf-8-sig"))
    actual = read_rows(text)[args.skip_rows:]
    count = compare(expected, actual, args.abs_tol, args.rel_tol)
    cells = sum(len(r) for r in expected)
    if count:
        print(f"FAIL: {count} cell(s) differ ({args.xlsx}, sheet {args.sheet})")
        return 1
    print(f"OK: {cells} cells match ({args.xlsx}, sheet {args.sheet})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
