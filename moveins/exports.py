"""The warranty defect report as an .xlsx workbook for the developer's after-sales team: the
summary by building, category and location, the detailed list of groups, and every defect."""

from __future__ import annotations

from io import BytesIO

from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Font

from moveins.reports import HANDOVER, WarrantyGroup, WarrantyReport

# Text a spreadsheet would run as a formula is prefixed with a quote (as billing's exports do; the
# import contracts keep billing.exports to billing).
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value):
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def _append(sheet, values) -> None:
    sheet.append([safe_cell(v) for v in values])


def _figures(group: WarrantyGroup) -> list:
    return [
        group.count,
        group.open,
        group.closed,
        group.from_handover,
        group.from_tickets,
        group.average_days_open,
        group.max_days_open,
    ]


def _figure_headers() -> list[str]:
    return [
        _("Defects"),
        _("Open"),
        _("Closed"),
        _("Found at handover"),
        _("Warranty repairs"),
        _("Average days open"),
        _("Most days open"),
    ]


def warranty_workbook(report: WarrantyReport) -> bytes:
    book = Workbook()
    summary = book.active
    summary.title = _("Summary")[:31]
    _append(
        summary,
        [
            _("Warranty defects of %(estate)s, %(start)s to %(end)s")
            % {
                "estate": report.estate.name,
                "start": report.date_from.isoformat(),
                "end": report.date_to.isoformat(),
            }
        ],
    )
    summary["A1"].font = Font(bold=True)
    for title, groups in (
        (_("By building"), report.by_building),
        (_("By category"), report.by_category),
        (_("By location in the unit"), report.by_location),
    ):
        summary.append([])
        _append(summary, [title, *_figure_headers()])
        for group in groups:
            _append(summary, [group.label, *_figures(group)])
    _append(summary, [report.total.label, *_figures(report.total)])

    detailed = book.create_sheet(_("By building and location")[:31])
    _append(detailed, [_("Building"), _("Category"), _("Location"), *_figure_headers()])
    for building, category, location, group in report.detailed:
        _append(detailed, [building, category, location, *_figures(group)])

    lines = book.create_sheet(_("Defects")[:31])
    _append(
        lines,
        [
            _("Source"),
            _("Number"),
            _("Building"),
            _("Unit"),
            _("Category"),
            _("Location"),
            _("Description"),
            _("Recorded at"),
            _("Closed at"),
            _("Days open"),
        ],
    )
    for line in report.lines:
        _append(
            lines,
            [
                _("Handover inspection") if line.source == HANDOVER else _("Warranty repair"),
                line.reference,
                line.building,
                line.unit,
                line.category,
                line.location,
                line.description,
                f"{timezone.localtime(line.opened_at):%Y-%m-%d %H:%M}",
                f"{timezone.localtime(line.closed_at):%Y-%m-%d %H:%M}" if line.closed_at else "",
                line.days_open,
            ],
        )
    buffer = BytesIO()
    book.save(buffer)
    return buffer.getvalue()
