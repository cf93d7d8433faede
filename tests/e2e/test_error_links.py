"""Each Errors row's `Cell` links to the bad value on the decision sheet."""

from __future__ import annotations

from openpyxl.utils.cell import coordinate_from_string, range_boundaries

from tests.workbooks import Cli, SheetData, ready_ledger, request, write_workbook


def _target(book: object, location: str) -> object:
    sheet, ref = location.rsplit("!", 1)
    ws = book[sheet.strip("'").replace("''", "'")]  # type: ignore[index]
    col, row, _, _ = range_boundaries(ref)
    return ws.cell(row=row, column=col).value


def test_error_cell_links_to_the_bad_value_on_the_decision_sheet(cli: Cli) -> None:
    ready_ledger(cli, quota=5000)
    # two title rows, a blank column and columns in another order: input row and column
    # numbers differ from the decision sheet's
    header = [
        "Template Name",
        "",
        "Request ID",
        "Customer UIN",
        "Estimated Revenue",
        "Estimated Conversion Date",
        "Application Reason",
        "Requested By",
    ]

    def row(rid: str, revenue: object = 5000, uin: object = "100012340001") -> list[object]:
        r = request(rid, revenue=revenue, uin=uin)
        return [r[1], None, r[0], r[2], r[3], r[4], r[5], r[6]]

    book = write_workbook(
        cli.folder / "batch.xlsx",
        {
            " requests ": SheetData(
                title_rows=[["Batch of November"], ["prepared by ops.lead"]],
                header=header,
                rows=[row("R-1"), row("R-2", revenue="12.5"), row("R-3", uin="12")],
            )
        },
    )
    assert cli.ingest(book).code == 1
    wb = cli.decisions(book)
    errors = wb["Errors"]
    header_row = [c.value for c in errors[1]]
    cell_col = header_row.index("Cell")
    found = []
    for line in errors.iter_rows(min_row=2):
        cell = line[cell_col]
        assert cell.hyperlink is not None, cell.value
        location = cell.hyperlink.location
        assert location is not None and location.startswith("' requests '!")
        value = line[header_row.index("Value")].value
        assert _target(wb, location) == value
        found.append((cell.value, location.rsplit("!", 1)[1], value))
    # the text stays the input's cell; the link goes to the decision sheet's cell
    assert found == [("E5", "D3", "12.5"), ("D6", "C4", "12")]
    letter, number = coordinate_from_string(found[0][1])
    decision = wb[" requests "]
    assert decision[f"A{number}"].value == "Starter Trial"
    assert decision[f"{letter}1"].value == "Estimated Revenue"
