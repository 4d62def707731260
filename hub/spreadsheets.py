"""CSV downloads that editors open in a spreadsheet."""

import csv

# A cell starting with one of these runs as a formula in Excel, LibreOffice
# and Google Sheets (OWASP "CSV injection").
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_cell(value):
    """`value`, with a leading apostrophe if a spreadsheet would read a text
    as a formula; numbers are left as they are."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return f"'{value}"
    return value


def spreadsheet_rows_write(response, rows) -> None:
    """Write `rows` (lists of cells) to `response` as CSV, each text cell
    made safe to open in a spreadsheet."""
    writer = csv.writer(response)
    writer.writerows([spreadsheet_cell(cell) for cell in row] for row in rows)
