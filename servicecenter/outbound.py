"""Texting a phone number from an app that sits below the outbound channels.

The outbound queue (SMS and e-mail with leases, retries and quiet hours) belongs to the staff
app, which sits above the archive. The archive still has to text people who have no login yet
(a portal activation code, a password-reset code), so the kernel keeps this one hook: the staff
app registers its sender in `AppConfig.ready()`, and callers below it call `send_sms`.
"""

from __future__ import annotations

from collections.abc import Callable

from django.core.exceptions import ImproperlyConfigured

SmsSender = Callable[..., None]

_sender: SmsSender | None = None


def register_sms_sender(sender: SmsSender) -> None:
    global _sender
    _sender = sender


def send_sms(*, address: str, body: str, secret: bool = False) -> None:
    """Queue a text to `address` (digits). `secret`: the body holds a one-time code, so it goes
    out at once (even in quiet hours: the person is waiting for it) and is wiped once sent."""
    if _sender is None:
        raise ImproperlyConfigured("No SMS sender is registered (the staff app registers one).")
    _sender(address=address, body=body, secret=secret)
