"""The monthly attendance sheet of a team as an .xlsx workbook."""

from __future__ import annotations

import calendar
from io import BytesIO

from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Font

from staff.models import Team
from staff.selectors_attendance import SheetRow

# Staff sits below billing, so billing.exports.safe_cell is repeated here rather than imported.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value):
    """Text that a spreadsheet would run as a formula (=, +, -, @) is prefixed with a quote."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def _append(sheet, values) -> None:
    sheet.append([safe_cell(v) for v in values])


def attendance_workbook(*, team: Team, year: int, month: int, rows: list[SheetRow]) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.title = _("Attendance")[:31]
    _append(sheet, [f"{team.name} · {year}-{month:02d}"])
    sheet["A1"].font = Font(bold=True)
    days = range(1, calendar.monthrange(year, month)[1] + 1)
    _append(
        sheet,
        [
            _("Staff member"),
            _("Shifts"),
            _("Attended"),
            _("Late"),
            _("Left early"),
            _("Absent"),
            _("No rostered shift"),
            _("Hours worked"),
            *[str(day) for day in days],
        ],
    )
    for row in rows:
        _append(
            sheet,
            [
                row.user.get_full_name() or row.user.get_username(),
                row.shifts,
                row.attended,
                row.late,
                row.left_early,
                row.absent,
                row.unrostered,
                row.hours_worked,
                *[row.days.get(day, "") for day in days],
            ],
        )
    _append(sheet, [])
    _append(sheet, [_("✓ present · L late · E left early · A absent · ? no rostered shift")])
    buffer = BytesIO()
    book.save(buffer)
    return buffer.getvalue()
