"""Every rounding of money in the project happens here: Decimal, two places, ROUND_HALF_UP."""

import re
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.utils.translation import gettext as _

CENT = Decimal("0.01")
ZERO = Decimal("0.00")


def to_money(value: Decimal | int | str) -> Decimal:
    """Round to cents, half up. Floats are refused: they cannot carry money exactly."""
    if isinstance(value, float):
        raise TypeError("money must not be a float")
    try:
        return Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)
    except InvalidOperation as exc:
        raise ValueError(f"not an amount: {value!r}") from exc


# What DecimalField(max_digits=12, decimal_places=2) holds: ten digits before the point.
MAX_MONEY = Decimal("9999999999.99")

# ASCII digits only: `\d`, int() and Decimal() also take full-width and other Unicode digits, which
# nobody means when typing an amount ("１００" would otherwise be accepted as 100).
_MONEY_TEXT = re.compile(r"(-?)([0-9]+)(?:\.([0-9]+))?", re.ASCII)


class MoneyError(ValueError):
    """Input that is not an amount of money. `message` is translated and safe to show."""

    def __init__(self, message: str, *, code: str = "invalid_amount"):
        super().__init__(message)
        self.message = message
        self.code = code


def parse_money(
    value: str | int | Decimal, *, allow_negative: bool = False, allow_zero: bool = True
) -> Decimal:
    """The one parser of money typed by a person or sent by a client: ASCII digits, an optional
    point with one or two decimals, a leading `-` only where `allow_negative`, zero only where
    `allow_zero`; no padding, no exponent, no `+`, no separators, at most ten digits before the
    point (what `DecimalField(max_digits=12, decimal_places=2)` holds). Never rounds.

    Ints are checked through their text; Decimals by value (they come from code, not people).
    Floats are refused: they cannot carry money exactly. The size is checked before any Decimal
    arithmetic: a 27-digit amount would overflow Decimal's default precision in `quantize`
    (InvalidOperation: a 500)."""
    if isinstance(value, bool) or not isinstance(value, str | int | Decimal):
        raise MoneyError(_("Enter an amount such as 123.45."))
    if isinstance(value, Decimal):
        # A Decimal comes from our own code or a form field; its text may carry trailing zeros
        # ("1164.54000") or an exponent. Check the number, the size first.
        if not value.is_finite():
            raise MoneyError(_("Enter an amount such as 123.45."))
        if abs(value) > MAX_MONEY:
            raise MoneyError(_("The amount is too large."))
        if value != value.quantize(CENT):
            raise MoneyError(_("Amounts have at most two decimal places."))
        value = f"{value.quantize(CENT):f}"
    match = _MONEY_TEXT.fullmatch(str(value))
    if match is None:
        raise MoneyError(_("Enter an amount such as 123.45."))
    sign, whole, fraction = match.groups()
    if sign and not allow_negative:
        raise MoneyError(_("The amount cannot be negative."))
    if fraction is not None and len(fraction) > 2:
        raise MoneyError(_("Amounts have at most two decimal places."))
    if len(whole.lstrip("0")) > 10:
        raise MoneyError(_("The amount is too large."))
    amount = Decimal(f"{sign}{whole.lstrip('0') or '0'}.{fraction or '0'}").quantize(CENT)
    if not allow_zero and amount == 0:
        raise MoneyError(_("The amount must be more than zero."))
    return amount


def format_money(value: Decimal | int | str | None) -> str:
    """An amount as people read it on pages and receipts: two places, thousands separated by
    commas (12,345.60), the same in every language. None or "" gives ""."""
    if value is None or value == "":
        return ""
    return f"{to_money(value):,.2f}"
