"""A survey's results as an .xlsx workbook: per question, per building, the free-text answers and
the comparison with the template's earlier periods. Text a spreadsheet would run as a formula is
quoted (residents write the free text)."""

from __future__ import annotations

from io import BytesIO

from django.http import HttpResponse
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Font

from relations.models.surveys import SCORES
from relations.selectors.surveys import Comparison, SurveyResults

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# billing.exports.safe_cell, repeated: apps reach billing only through its models, services, selectors.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value):
    """Text that a spreadsheet would run as a formula (=, +, -, @) is prefixed with a quote."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def _sheet(book, title: str, header: list, *, first: bool = False):
    sheet = book.active if first else book.create_sheet()
    sheet.title = title[:31]
    sheet.append([str(h) for h in header])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    return sheet


def _append(sheet, values) -> None:
    sheet.append([safe_cell(v) for v in values])


def _number(value):
    return float(value) if value is not None else None


def survey_workbook(results: SurveyResults, comparison: Comparison | None) -> bytes:
    book = Workbook()
    survey = results.survey
    questions = _sheet(
        book,
        _("Questions"),
        [
            _("No."),
            _("Question"),
            _("Answers"),
            _("Mean score"),
            *[_("Score %(n)s") % {"n": s} for s in SCORES],
        ],
        first=True,
    )
    for row in results.questions:
        q = row.question
        _append(
            questions,
            [
                q.position,
                q.label,
                row.count,
                _number(row.mean),
                *([row.distribution.get(s, 0) for s in SCORES] if q.is_scale else ["" for _s in SCORES]),
            ],
        )
    _append(questions, [])
    _append(questions, ["", survey.label, results.respondents, _number(results.mean)])
    buildings = _sheet(book, _("Buildings"), [_("Building"), _("Respondents"), _("Mean score")])
    for row in results.buildings:
        _append(buildings, [row.building, row.respondents, _number(row.mean)])
    texts = _sheet(book, _("Comments"), [_("Question"), _("Answer")])
    for row in results.questions:
        for text in row.texts:
            _append(texts, [row.question.label, text])
    if comparison is not None:
        periods = _sheet(
            book,
            _("Periods"),
            [
                _("Question"),
                *[f"{p.survey.opens_on:%Y-%m-%d}–{p.survey.closes_on:%Y-%m-%d}" for p in comparison.periods],
            ],
        )
        _append(periods, [_("Respondents"), *[p.respondents for p in comparison.periods]])
        _append(periods, [_("Mean score"), *[_number(p.mean) for p in comparison.periods]])
        for row in comparison.rows:
            _append(periods, [row.text, *[_number(m) for m in row.means]])
    buffer = BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def xlsx_response(content: bytes, name: str) -> HttpResponse:
    response = HttpResponse(content, content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="{name}.xlsx"'
    response["Cache-Control"] = "no-store"
    return response
