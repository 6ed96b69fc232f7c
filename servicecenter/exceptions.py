"""Domain errors raised by services; views turn them into messages and the API into 400/409."""

from django.utils.translation import gettext as _


class DomainError(Exception):
    """A business rule refused the request. The message is translated and safe to show.

    `details`: more of the answer for the API body (e.g. `{"owed": [...]}`: what is still owed),
    JSON-serialisable; the API puts its keys next to `detail` and `code`."""

    status_code = 400

    def __init__(self, message: str, *, code: str = "invalid", details: dict | None = None):
        super().__init__(message)
        self.message = message
        self.code = code
        self.details = details or {}


class TransitionError(DomainError):
    """A state change that the workflow's transition table does not allow."""

    status_code = 409

    def __init__(self, current: str, target: str, *, message: str | None = None):
        self.current = current
        self.target = target
        super().__init__(
            message
            or _("This action is not allowed: cannot go from “%(current)s” to “%(target)s”.")
            % {"current": current, "target": target},
            code="invalid_transition",
        )
