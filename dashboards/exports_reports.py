"""The monthly report as an Excel workbook (openpyxl) and a PDF (reportlab), both drawn from the
stored snapshot through `dashboards.reports.report_tables`, so all three outputs agree."""

from __future__ import annotations

from io import BytesIO

from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Font
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from dashboards.models import MonthlyReport
from dashboards.reports import report_tables

# reportlab's built-in CID font for Simplified Chinese: no font file to ship.
PDF_FONT = "STSong-Light"


def title_of(report: MonthlyReport) -> str:
    return _("Monthly report %(month)s, %(estate)s") % {
        "month": f"{report.month:%Y-%m}",
        "estate": report.figures.get("estate", {}).get("name", str(report.estate)),
    }


def built_by_name(report: MonthlyReport) -> str:
    if report.built_by is None:
        return _("the monthly schedule")
    return report.built_by.get_full_name() or report.built_by.get_username()


def _header_lines(report: MonthlyReport) -> list[str]:
    built_by = built_by_name(report)
    lines = [
        _("Version %(version)s, built %(at)s by %(by)s")
        % {"version": report.version, "at": f"{report.built_at:%Y-%m-%d %H:%M}", "by": built_by}
    ]
    if report.reason:
        lines.append(_("Reason for rebuilding: %(reason)s") % {"reason": report.reason})
    return lines


def report_workbook(report: MonthlyReport) -> bytes:
    """One sheet per table, plus a cover sheet with the version line."""
    book = Workbook()
    cover = book.active
    cover.title = _sheet_name(_("Report cover")[:31])
    cover.append([title_of(report)])
    cover["A1"].font = Font(bold=True, size=14)
    for line in _header_lines(report):
        cover.append([line])
    used = {cover.title}
    for index, table in enumerate(report_tables(report.figures), start=1):
        name = table["title"][:28] or str(index)
        while name in used:
            name = f"{name[:26]}{index}"
        used.add(name)
        sheet = book.create_sheet(_sheet_name(name))
        sheet.append(table["columns"])
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        for row in table["rows"]:
            sheet.append(row)
        sheet.column_dimensions["A"].width = 32
    buffer = BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _sheet_name(name: str) -> str:
    # Excel refuses these characters in a sheet's name.
    for char in "[]:*?/\\":
        name = name.replace(char, " ")
    return name


def report_pdf(report: MonthlyReport) -> bytes:
    pdfmetrics.registerFont(UnicodeCIDFont(PDF_FONT))
    heading = ParagraphStyle("heading", fontName=PDF_FONT, fontSize=16, leading=22, spaceAfter=6)
    subheading = ParagraphStyle("subheading", fontName=PDF_FONT, fontSize=12, leading=16, spaceBefore=8)
    body = ParagraphStyle("body", fontName=PDF_FONT, fontSize=9, leading=12)
    buffer = BytesIO()
    document = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=15 * mm,
        rightMargin=15 * mm,
        topMargin=15 * mm,
        bottomMargin=15 * mm,
        title=title_of(report),
    )
    story = [Paragraph(_escape(title_of(report)), heading)]
    story += [Paragraph(_escape(line), body) for line in _header_lines(report)]
    for table in report_tables(report.figures):
        story.append(Paragraph(_escape(table["title"]), subheading))
        if not table["rows"]:
            story.append(Paragraph(_escape(_("Nothing this month.")), body))
            continue
        data = [
            [Paragraph(_escape(cell), body) for cell in table["columns"]],
            *[[Paragraph(_escape(cell), body) for cell in row] for row in table["rows"]],
        ]
        grid = Table(data, repeatRows=1, hAlign="LEFT")
        grid.setStyle(
            TableStyle(
                [
                    ("GRID", (0, 0), (-1, -1), 0.25, colors.grey),
                    ("BACKGROUND", (0, 0), (-1, 0), colors.whitesmoke),
                    ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ]
            )
        )
        story += [grid, Spacer(1, 4 * mm)]
    document.build(story)
    return buffer.getvalue()


def _escape(text) -> str:
    return str(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
