"""Every rounding of money in the project happens here: Decimal, two places, ROUND_HALF_UP."""

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

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


def is_exact_cents(value: Decimal) -> bool:
    """True when the amount has at most two decimal places (no silent rounding of input)."""
    return value == value.quantize(CENT)
