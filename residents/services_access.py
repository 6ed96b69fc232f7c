"""Getting into the resident portal (issue #14): activation codes, activation, password reset.

The desk checks a person (the archive's ID check) and issues a one-time activation code for them:
valid 72 hours, 5 wrong tries, single use, and a new one voids the last. The resident enters
their mobile and the code at /accounts/activate/ and sets a password; the login is created (or
the person's existing one re-opened) and put in the resident group. A forgotten password is reset
with a 6-digit code texted to the archive's mobile (15 minutes, 5 tries, single use); asking for
one answers the same whether or not the number is registered.

Codes are kept only as a keyed hash (`PortalCode`). Wrong tries are counted in a transaction of
their own that commits even though the attempt is refused: a refusal changes nothing else.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.contrib.auth import get_user_model, password_validation
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from residents.models import Occupancy, Person, PortalCode
from servicecenter.crypto import keyed_hash
from servicecenter.exceptions import DomainError
from servicecenter.outbound import send_sms
from servicecenter.roles import RESIDENT
from servicecenter.validators import normalize_mobile

ACTIVATION_VALID_FOR = timedelta(hours=72)
RESET_VALID_FOR = timedelta(minutes=15)
# Reset codes texted to one number per hour: asking again and again must not flood a phone.
RESET_CODES_PER_HOUR = 3
# No 0/O, 1/I/L: read off a slip and typed on a phone.
ACTIVATION_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
ACTIVATION_LENGTH = 8
RESET_LENGTH = 6


class CodeRefused(DomainError):
    """A wrong, expired, used or locked code. Only the try counter changed."""


@dataclass(frozen=True)
class IssuedCode:
    code: str  # shown once (the slip) or texted; never stored
    portal_code: PortalCode

    @property
    def display(self) -> str:
        if len(self.code) == ACTIVATION_LENGTH:
            return f"{self.code[:4]}-{self.code[4:]}"
        return self.code


def _hash(salt: str, code: str) -> str:
    return keyed_hash(f"portal-code:{salt}:{code}")


def normalize_code(value: str) -> str:
    """What the person typed, as stored: upper case, without spaces or dashes."""
    return "".join(ch for ch in (value or "").upper() if ch.isalnum())


def mobile_digits(value: str) -> str | None:
    """The mobile typed in a login, activation or reset form, or None if it is not a mobile."""
    digits = normalize_mobile((value or "").strip())
    return digits if len(digits) == 11 and digits.isdigit() and digits.startswith("1") else None


def _create_code(
    *, person: Person, purpose: str, code: str, delivery: str, actor, now: datetime
) -> PortalCode:
    salt = secrets.token_hex(8)
    valid_for = ACTIVATION_VALID_FOR if purpose == PortalCode.Purpose.ACTIVATION else RESET_VALID_FOR
    # Issuing a new code voids the last one: only the newest slip or text works.
    PortalCode.objects.live(now).filter(person=person, purpose=purpose).update(voided_at=now)
    return PortalCode.objects.create(
        estate_id=person.estate_id,
        person=person,
        purpose=purpose,
        code_salt=salt,
        code_hash=_hash(salt, code),
        delivery=delivery,
        mobile=person.mobile,
        issued_by=actor,
        issued_at=now,
        expires_at=now + valid_for,
    )


@transaction.atomic
def issue_activation_code(*, actor, person: Person, by_sms: bool, now: datetime | None = None) -> IssuedCode:
    """After the desk checked the person: a code for the portal, printed and/or texted."""
    if not actor.has_perm("residents.issue_portal_code"):
        raise PermissionDenied(_("You are not allowed to issue portal activation codes."))
    now = now or timezone.now()
    person = Person.objects.select_for_update().get(pk=person.pk)
    if not Occupancy.objects.current(on=timezone.localdate(now)).filter(person=person).exists():
        raise DomainError(
            _("%(name)s occupies no unit today: the portal is for residents of a unit.")
            % {"name": person.name},
            code="not_a_resident",
        )
    if not person.mobile:
        raise DomainError(
            _("Record the person's mobile number first: they log in and reset their password with it."),
            code="no_mobile",
        )
    code = "".join(secrets.choice(ACTIVATION_ALPHABET) for _i in range(ACTIVATION_LENGTH))
    delivery = PortalCode.Delivery.SMS if by_sms else PortalCode.Delivery.SLIP
    row = _create_code(
        person=person,
        purpose=PortalCode.Purpose.ACTIVATION,
        code=code,
        delivery=delivery,
        actor=actor,
        now=now,
    )
    issued = IssuedCode(code=code, portal_code=row)
    if by_sms:
        send_sms(
            address=person.mobile,
            body=_(
                "Your resident portal activation code is %(code)s, valid for 72 hours. Open "
                "/accounts/activate/ and enter it with this mobile number. Never share it."
            )
            % {"code": issued.display},
            secret=True,
        )
    return issued


def _check_code(*, codes: list[PortalCode], code: str, now: datetime) -> PortalCode | None:
    """The live code that matches, or None after counting one wrong try on every live one."""
    for row in codes:
        if secrets.compare_digest(_hash(row.code_salt, code), row.code_hash):
            return row
    for row in codes:
        row.failed_attempts += 1
        row.save(update_fields=["failed_attempts"])
    return None


def _wrong_code_message(codes: list[PortalCode]) -> str:
    left = min(row.tries_left for row in codes)
    if left == 0:
        return _("The code is wrong, and that was the last try: ask the service centre for a new code.")
    return ngettext(
        "The code is wrong. %(count)d try left.", "The code is wrong. %(count)d tries left.", left
    ) % {"count": left}


def _dead_code_message(row: PortalCode | None, now: datetime) -> str:
    state = row.state_at(now) if row is not None else None
    if state == "used":
        return _("This code has already been used. Log in, or reset your password with your mobile.")
    if state == "locked":
        return _("This code was locked after too many wrong tries: ask the service centre for a new one.")
    if state == "expired":
        return _("This code has expired: ask the service centre for a new one.")
    return _("The mobile number or the code is wrong.")


def _activation_people(identifier: str):
    digits = mobile_digits(identifier)
    if digits:
        return Person.objects.filter(mobile=digits)
    # A person who already has a login (a desk-assisted re-activation) may give its username.
    return (
        Person.objects.filter(user__username=(identifier or "").strip())
        if identifier
        else Person.objects.none()
    )


def _resident_group() -> Group:
    group, _created = Group.objects.get_or_create(name=RESIDENT)
    return group


def _validate_new_login(*, person: Person, username: str, password: str):
    User = get_user_model()
    user = person.user
    if user is None:
        username = (username or "").strip() or person.mobile
        if User.objects.filter(username__iexact=username).exists():
            raise ValidationError(
                {"username": [_("This username is taken; choose another one.")]}, code="username_taken"
            )
        user = User(username=username, first_name=person.name[:150])
        try:
            User._meta.get_field("username").run_validators(username)
        except ValidationError as error:
            raise ValidationError({"username": error.messages}) from error
    try:
        password_validation.validate_password(password, user)
    except ValidationError as error:
        raise ValidationError({"password": error.messages}) from error
    return user


def activate_portal_account(
    *, identifier: str, code: str, password: str, username: str = "", now: datetime | None = None
):
    """Open the portal for the person the code was issued to; return their login.

    Raises CodeRefused (with the tries left, or why the code is dead) or ValidationError (the
    username or password); on a ValidationError the code stays unused and no try is counted.
    """
    now = now or timezone.now()
    code = normalize_code(code)
    with transaction.atomic():
        people = list(_activation_people(identifier).values_list("pk", flat=True))
        codes = list(
            PortalCode.objects.select_for_update()
            .filter(person_id__in=people, purpose=PortalCode.Purpose.ACTIVATION)
            .live(now)
            .order_by("-issued_at", "-pk")
        )
        if not codes:
            latest = (
                PortalCode.objects.filter(
                    person_id__in=people, purpose=PortalCode.Purpose.ACTIVATION, voided_at__isnull=True
                )
                .order_by("-issued_at", "-pk")
                .first()
            )
            refusal = _dead_code_message(latest, now)
        else:
            matched = _check_code(codes=codes, code=code, now=now)
            refusal = None if matched else _wrong_code_message(codes)
        if refusal is None:
            return _open_portal(portal_code=matched, username=username, password=password, now=now)
    # The wrong try is committed; the refusal goes to the person.
    raise CodeRefused(refusal, code="code_refused")


def _open_portal(*, portal_code: PortalCode, username: str, password: str, now: datetime):
    person = Person.objects.select_for_update().get(pk=portal_code.person_id)
    user = _validate_new_login(person=person, username=username, password=password)
    user.set_password(password)
    user.is_active = True
    user.save()
    user.groups.add(_resident_group())
    if person.user_id != user.pk:
        person.user = user
        person.save(update_fields=["user"])
    portal_code.used_at = now
    portal_code.used_by = user
    portal_code.save(update_fields=["used_at", "used_by"])
    return user


# --- Password reset through the verified mobile ----------------------------------------------


def _login_of_mobile(digits: str):
    """The one active login whose person has this mobile; None when there is none or several."""
    User = get_user_model()
    users = list(User.objects.filter(persons__mobile=digits, is_active=True).distinct()[:2])
    return users[0] if len(users) == 1 else None


def request_password_reset(*, mobile: str, now: datetime | None = None) -> None:
    """Text a reset code to the mobile if it belongs to exactly one login. Answers nothing either
    way: the page says the same whether or not the number is registered."""
    now = now or timezone.now()
    digits = mobile_digits(mobile)
    if not digits:
        return
    with transaction.atomic():
        user = _login_of_mobile(digits)
        if user is None:
            return
        person = Person.objects.select_for_update().filter(mobile=digits, user=user).order_by("pk").first()
        recent = PortalCode.objects.filter(
            person__mobile=digits,
            purpose=PortalCode.Purpose.PASSWORD_RESET,
            issued_at__gt=now - timedelta(hours=1),
        ).count()
        if recent >= RESET_CODES_PER_HOUR:
            return
        code = f"{secrets.randbelow(10**RESET_LENGTH):0{RESET_LENGTH}d}"
        _create_code(
            person=person,
            purpose=PortalCode.Purpose.PASSWORD_RESET,
            code=code,
            delivery=PortalCode.Delivery.SMS,
            actor=None,
            now=now,
        )
        send_sms(
            address=digits,
            body=_("Your password reset code is %(code)s, valid for 15 minutes. Never share it.")
            % {"code": code},
            secret=True,
        )


def reset_password_with_code(*, mobile: str, code: str, password: str, now: datetime | None = None):
    """Set a new password with the texted code; return the login.

    Every refusal reads the same (CodeRefused), so the form tells nothing about the number.
    """
    now = now or timezone.now()
    code = normalize_code(code)
    refusal = _("The code is wrong or no longer valid. Ask for a new code if it has expired.")
    digits = mobile_digits(mobile)
    with transaction.atomic():
        user = _login_of_mobile(digits) if digits else None
        codes = []
        if user is not None:
            codes = list(
                PortalCode.objects.select_for_update()
                .filter(person__mobile=digits, person__user=user, purpose=PortalCode.Purpose.PASSWORD_RESET)
                .live(now)
            )
        matched = _check_code(codes=codes, code=code, now=now) if codes else None
        if matched is not None:
            try:
                password_validation.validate_password(password, user)
            except ValidationError as error:
                raise ValidationError({"password": error.messages}) from error
            user.set_password(password)
            user.save()
            matched.used_at = now
            matched.used_by = user
            matched.save(update_fields=["used_at", "used_by"])
            return user
    raise CodeRefused(refusal, code="code_refused")
