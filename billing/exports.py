"""Printable and downloadable documents: the receipt, the monthly statement workbook."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from io import BytesIO

from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Font

from billing import selectors
from billing.models import Payment
from servicecenter.money import ZERO

_DIGITS = "零壹贰叁肆伍陆柒捌玖"
_SMALL_UNITS = ["", "拾", "佰", "仟"]
_BIG_UNITS = ["", "万", "亿", "万亿"]


def amount_in_chinese(amount: Decimal) -> str:
    """人民币大写 for receipts, e.g. 1203.50 → 壹仟贰佰零叁元伍角整. The amount is already in cents."""
    if amount < 0:
        return "负" + amount_in_chinese(-amount)
    cents = int((amount * 100).to_integral_value())
    yuan, rest = divmod(cents, 100)
    jiao, fen = divmod(rest, 10)
    words = ""
    if yuan:
        groups = []
        while yuan:
            yuan, group = divmod(yuan, 10000)
            groups.append(group)
        zero_pending = False
        for index in range(len(groups) - 1, -1, -1):
            group = groups[index]
            if group == 0:
                zero_pending = bool(words)
                continue
            if words and (zero_pending or group < 1000):
                words += "零"
            zero_pending = False
            words += _group_words(group) + _BIG_UNITS[index]
        words += "元"
    if jiao:
        words += _DIGITS[jiao] + "角"
    elif fen and words:
        words += "零"
    if fen:
        words += _DIGITS[fen] + "分"
    if not words:
        return "零元整"
    return words if fen else words + "整"


def _group_words(group: int) -> str:
    digits = f"{group:04d}"
    out = ""
    zero = False
    started = False
    for position, char in enumerate(digits):
        value = int(char)
        unit = _SMALL_UNITS[3 - position]
        if value == 0:
            zero = started
            continue
        if zero:
            out += "零"
            zero = False
        out += _DIGITS[value] + unit
        started = True
    return out


def receipt_context(payment: Payment) -> dict:
    allocations = list(payment.allocations.all())
    credited = sum((m.amount for m in payment.prepaid_movements.all() if m.kind == "overpayment"), ZERO)
    return {
        "payment": payment,
        "receipt": payment.receipt,
        "allocations": allocations,
        "to_prepaid": credited,
        "amount_words": amount_in_chinese(payment.amount),
        "is_void": payment.status != Payment.Status.POSTED,
    }


FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value):
    """Text that a spreadsheet would run as a formula (=, +, -, @) is prefixed with a quote."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def _append(sheet, values) -> None:
    sheet.append([safe_cell(v) for v in values])


def statement_workbook(*, estate, month: date, today: date) -> bytes:
    """The monthly statement and the arrears by unit as an .xlsx workbook."""
    report = selectors.monthly_statement(estate=estate, month=month)
    book = Workbook()
    sheet = book.active
    sheet.title = _("Statement")[:31]
    _append(sheet, [f"{estate.name} · {month:%Y-%m}"])
    sheet["A1"].font = Font(bold=True)
    header = [
        _("Charge item"),
        _("Charged"),
        _("Collected for the period"),
        _("Collected for earlier months this year"),
        _("Old arrears collected"),
        _("Still outstanding for the period"),
        _("Collection rate (%)"),
    ]
    _append(sheet, header)
    for row in [*report.rows, report.total]:
        _append(
            sheet,
            [
                row.name or _("Total"),
                row.charged,
                row.collected_for_period,
                row.collected_earlier_this_year,
                row.collected_old_arrears,
                row.outstanding_for_period,
                row.rate,
            ],
        )
    sheet.append([])
    for label, value in (
        (_("Prepaid balance received"), report.prepaid_received),
        (_("Deposits received"), report.deposits_received),
        (_("Deposits refunded"), report.deposits_refunded),
        (_("Deposit deductions"), report.deposits_deducted),
    ):
        _append(sheet, [label, value])
    arrears = book.create_sheet(_("Arrears by unit")[:31])
    _append(
        arrears,
        [_("Unit"), _("Building"), _("Arrears"), _("Current year"), _("Earlier years"), _("Oldest due date")],
    )
    for row in selectors.arrears_by_unit(estate=estate, today=today).iterator(chunk_size=2000):
        selectors.money_values(row)
        _append(
            arrears,
            [
                row["unit__code"],
                row["unit__building__code"],
                row["arrears"],
                row["current_arrears"],
                row["old_arrears"],
                row["oldest_due"],
            ],
        )
    buffer = BytesIO()
    book.save(buffer)
    return buffer.getvalue()
