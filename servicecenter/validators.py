"""Validators for mainland Chinese identifiers, with messages in the user's language."""

import re
from datetime import date

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK_CHARS = "10X98765432"
_MOBILE_RE = re.compile(r"^1[3-9]\d{9}$")


def normalize_id_number(value: str) -> str:
    return (value or "").strip().replace(" ", "").upper()


def normalize_mobile(value: str) -> str:
    digits = re.sub(r"[\s\-]", "", value or "")
    for prefix in ("+86", "0086"):
        if digits.startswith(prefix):
            digits = digits[len(prefix) :]
    return digits


def normalize_phone(value: str) -> str:
    """Any phone as digits only: 0755-8888-1234 → 075588881234, 138 0013 8000 → 13800138000.

    A mainland prefix (+86, 0086) is dropped, so a mobile is stored as it is dialled at home;
    any other leading + becomes 00, the international prefix dialled from the mainland
    (+852 9123 4567 → 0085291234567). Everything that is not a digit goes. Stored this way, a
    phone is found by its full digits or by exactly its last four, never by a fragment.
    """
    text = (value or "").strip()
    international = text.startswith("+")
    digits = re.sub(r"\D", "", text)
    if international:
        digits = "00" + digits
    if digits.startswith("0086"):
        digits = digits[4:]
    return digits


def normalize_phone_list(value: str) -> str:
    """Comma-separated phones, each normalised, empty and repeated ones dropped."""
    seen: list[str] = []
    for part in re.split(r"[,，;；/、]", value or ""):
        phone = normalize_phone(part)
        if phone and phone not in seen:
            seen.append(phone)
    return ", ".join(seen)


def id_number_checksum(first17: str) -> str:
    return _ID_CHECK_CHARS[sum(int(d) * w for d, w in zip(first17, _ID_WEIGHTS, strict=True)) % 11]


def validate_id_number(value: str) -> None:
    """A mainland resident ID: 18 characters, a real birth date, and the ISO 7064 check character."""
    number = normalize_id_number(value)
    if not re.fullmatch(r"\d{17}[\dX]", number):
        raise ValidationError(
            _("An ID number has 18 characters: 17 digits and a final digit or X."), code="id_format"
        )
    try:
        birth = date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        raise ValidationError(
            _("The birth date inside this ID number does not exist."), code="id_birth"
        ) from None
    if birth.year < 1900 or birth > timezone.localdate():
        raise ValidationError(_("The birth date inside this ID number does not exist."), code="id_birth")
    if id_number_checksum(number[:17]) != number[17]:
        raise ValidationError(
            _("This ID number's check character is wrong; please check it for a typing mistake."),
            code="id_checksum",
        )


def validate_mobile(value: str) -> None:
    if not _MOBILE_RE.match(normalize_mobile(value)):
        raise ValidationError(
            _("Enter a mainland mobile number: 11 digits starting with 13–19."), code="mobile_format"
        )


def mask_mobile(value: str) -> str:
    if not value:
        return ""
    if len(value) <= 7:
        return value[:1] + "*" * (len(value) - 1)
    return value[:3] + "*" * (len(value) - 7) + value[-4:]


def mask_id_number(value: str) -> str:
    if not value:
        return ""
    return value[:3] + "*" * (len(value) - 7) + value[-4:]


def mask_phone_list(value: str) -> str:
    return ", ".join(mask_mobile(p.strip()) for p in (value or "").split(",") if p.strip())


# Dates the business can mean: bills, due dates, billing months, promises to pay, reports. Year 1
# or 9999 is a typing slip or an attack, and such dates break date arithmetic (a month before
# 0001-01 does not exist; 9999-12-31 plus a day overflows) deep inside services and reports.
EARLIEST_DATE = date(2000, 1, 1)
LATEST_DATE = date(2099, 12, 31)


def validate_reasonable_date(value: date) -> None:
    if value is None:
        return
    if not EARLIEST_DATE <= (value.date() if hasattr(value, "date") else value) <= LATEST_DATE:
        raise ValidationError(
            _("Enter a date between %(earliest)s and %(latest)s.")
            % {"earliest": EARLIEST_DATE.isoformat(), "latest": LATEST_DATE.isoformat()},
            code="date_out_of_range",
        )


def parse_id(value) -> int | None:
    """A database id from a query string or form: ASCII digits that fit a bigint, else None.
    `str.isdigit()` takes "²" (int() then fails: a 500) and "１２" (int() reads 12)."""
    text = str(value if value is not None else "")
    if not (text.isascii() and text.isdigit()) or len(text) > 18:
        return None
    return int(text)


def parse_reasonable_date(value) -> date | None:
    """A YYYY-MM-DD date from a query string or form within the reasonable range, else None.
    Django's `parse_date` raises ValueError on "2025-02-30" and takes any year."""
    text = str(value or "").strip()
    if not re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", text, re.ASCII):
        return None
    try:
        day = date.fromisoformat(text)
    except ValueError:
        return None
    return day if EARLIEST_DATE <= day <= LATEST_DATE else None
