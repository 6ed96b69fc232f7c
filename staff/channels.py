"""Outbound channels (SMS, e-mail). The default backend writes to the log instead of sending.

A backend's `send` either returns (the gateway accepted the message) or raises (try again later).
It must give up well within `OUTBOUND_LEASE_SECONDS`: past the lease another sweep may send the
same message again.
"""

import logging

from django.conf import settings
from django.utils.module_loading import import_string

from servicecenter.validators import mask_mobile

logger = logging.getLogger("servicecenter.outbound")


def mask_email(value: str) -> str:
    """`zhang.wei@example.com` -> `z*******@example.com`: enough to tell addresses apart in a log."""
    local, at, domain = (value or "").partition("@")
    if not local:
        return ""
    return local[:1] + "*" * max(len(local) - 1, 1) + at + domain


def mask_address(channel: str, address: str) -> str:
    """The address as logs, admin pages and bells may show it: never a full phone number or e-mail."""
    return mask_email(address) if channel == "email" else mask_mobile(address)


class LoggingBackend:
    """Development and test backend: records what would be sent, with the address masked."""

    def send(self, *, channel: str, address: str, subject: str, body: str) -> None:
        logger.info("outbound %s to %s: %s %s", channel, mask_address(channel, address), subject, body)


class EmailBackend:
    """Sends through Django's e-mail machinery (EMAIL_BACKEND, bounded by EMAIL_TIMEOUT)."""

    def send(self, *, channel: str, address: str, subject: str, body: str) -> None:
        from django.core.mail import send_mail

        send_mail(subject or body[:60], body, settings.DEFAULT_FROM_EMAIL, [address])


def backend_for(channel: str):
    path = settings.SMS_BACKEND if channel == "sms" else settings.EMAIL_CHANNEL_BACKEND
    return import_string(path)()
