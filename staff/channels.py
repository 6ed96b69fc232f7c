"""Outbound channels (SMS, e-mail). The default backend writes to the log instead of sending."""

import logging

from django.conf import settings
from django.utils.module_loading import import_string

logger = logging.getLogger("servicecenter.outbound")


class LoggingBackend:
    """Development and test backend: records what would be sent."""

    def send(self, *, channel: str, address: str, subject: str, body: str) -> None:
        logger.info("outbound %s to %s: %s %s", channel, address, subject, body)


class EmailBackend:
    """Sends through Django's e-mail machinery (EMAIL_BACKEND)."""

    def send(self, *, channel: str, address: str, subject: str, body: str) -> None:
        from django.core.mail import send_mail

        send_mail(subject or body[:60], body, settings.DEFAULT_FROM_EMAIL, [address])


def backend_for(channel: str):
    path = settings.SMS_BACKEND if channel == "sms" else settings.EMAIL_CHANNEL_BACKEND
    return import_string(path)()
