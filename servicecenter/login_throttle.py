"""The brute-force throttle on logins (django-axes) and the API token endpoint.

Failed logins (desk and portal login page, admin login, `POST /api/auth/token/`) are
counted by axes in `AccessAttempt` rows keyed by username, client IP and user agent. A login is
refused while any of three counts within the last `LOGIN_LOCKOUT_MINUTES` reaches its limit:

- username + client IP: `LOGIN_FAILURE_LIMIT` (5): someone guessing one account from one place;
- client IP alone: `LOGIN_IP_FAILURE_LIMIT` (20): one place trying many accounts (password spraying).
  Higher than the first because a whole service centre may sit behind one office IP;
- username alone: `LOGIN_USER_FAILURE_LIMIT` (20): one account guessed from many IPs.

Locking the username everywhere after 5 failures would let anyone lock any colleague out for
half an hour with 5 requests; never locking it would let a botnet guess forever. The wider limits
bound the guesses per window while making a lockout from elsewhere cost four times as much, and a
person who mistyped only meets the first limit, for one place. While locked, even the right
password is refused, and refused attempts do not extend the lock. A successful login forgets the
failures of that username from that IP only (forgetting the IP's or the username's counts would
let an attacker with one valid account reset them). Locks end by time, or when a manager deletes
the attempt rows in the admin ("Access attempts").
"""

from __future__ import annotations

from datetime import timedelta

from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_lockout_parameters
from axes.models import AccessAttempt
from django.conf import settings
from django.core import checks
from django.db.models import Sum
from django.http import HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiResponse, extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.authtoken.views import ObtainAuthToken
from rest_framework.response import Response

from servicecenter.authentication import issue_token, token_expires_at
from servicecenter.net import trusted_proxy_networks

# --- Throttle ---------------------------------------------------------------------------------


def lockout_period(request=None) -> timedelta:
    """AXES_COOLOFF_TIME: read at call time, so that the setting can change under test."""
    return timedelta(minutes=settings.LOGIN_LOCKOUT_MINUTES)


def _limit_for(parameter) -> int:
    if parameter == "ip_address":
        return settings.LOGIN_IP_FAILURE_LIMIT
    if parameter == "username":
        return settings.LOGIN_USER_FAILURE_LIMIT
    return settings.AXES_FAILURE_LIMIT


class LoginThrottleHandler(AxesDatabaseHandler):
    """Axes' database handler with one limit per lockout parameter (see the module docstring).

    Axes compares the largest count with one limit, AXES_FAILURE_LIMIT. Each count is scaled to
    that limit first: floor(failures × AXES_FAILURE_LIMIT / own limit) reaches AXES_FAILURE_LIMIT
    exactly when the failures reach their own limit.
    """

    def get_failures(self, request, credentials: dict | None = None) -> int:
        parameters = get_lockout_parameters(request, credentials)
        attempts_list = self.get_user_attempts(request, credentials)
        limit = settings.AXES_FAILURE_LIMIT
        worst = 0
        for parameter, attempts in zip(parameters, attempts_list, strict=True):
            failures = attempts.aggregate(total=Sum("failures_since_start"))["total"] or 0
            worst = max(worst, failures * limit // max(_limit_for(parameter), 1))
        return worst

    def user_logged_in(self, sender, request, user, **kwargs):
        super().user_logged_in(sender, request, user, **kwargs)
        forget_failures(username=user.get_username(), ip_address=getattr(request, "axes_ip_address", None))


def forget_failures(*, username: str, ip_address: str | None) -> int:
    """After a successful login: the failures of this username from this IP no longer count."""
    deleted, _rows = AccessAttempt.objects.filter(username=username, ip_address=ip_address).delete()
    return deleted


def lockout_message() -> str:
    return _(
        "Too many failed login attempts. Logging in is blocked for up to %(minutes)s minutes; "
        "try again later, or ask a manager to unlock the account."
    ) % {"minutes": settings.LOGIN_LOCKOUT_MINUTES}


def lockout_response(request, original_response=None, credentials=None) -> HttpResponse:
    """AXES_LOCKOUT_CALLABLE: the page (or JSON for the API) shown instead of the login form."""
    retry_after = str(settings.LOGIN_LOCKOUT_MINUTES * 60)
    if request.path.startswith("/api/"):
        response = JsonResponse(
            {"detail": lockout_message(), "code": "login_locked"}, status=status.HTTP_429_TOO_MANY_REQUESTS
        )
    else:
        response = render(
            request,
            "registration/lockout.html",
            {"message": lockout_message(), "minutes": settings.LOGIN_LOCKOUT_MINUTES},
            status=status.HTTP_429_TOO_MANY_REQUESTS,
        )
    response["Retry-After"] = retry_after
    return response


# --- Token endpoint --------------------------------------------------------------------------


class ObtainExpiringAuthToken(ObtainAuthToken):
    """`POST /api/auth/token/`: username + password → a token (and when it expires).

    A locked-out client gets 429 with a translated `detail`; wrong credentials stay a 400.
    """

    @extend_schema(
        request=ObtainAuthToken.serializer_class,
        responses={
            200: inline_serializer(
                "IssuedAuthToken",
                {"token": serializers.CharField(), "expires_at": serializers.DateTimeField()},
            ),
            400: OpenApiResponse(description="Wrong username or password."),
            429: OpenApiResponse(description="Too many failed logins: locked for LOGIN_LOCKOUT_MINUTES."),
        },
        auth=[],
    )
    def post(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        if not serializer.is_valid():
            # Set by axes on this (DRF) request when the login was refused for a lockout.
            if getattr(request, "axes_locked_out", False):
                return lockout_response(request)
            serializer.is_valid(raise_exception=True)
        user = serializer.validated_data["user"]
        # No user_logged_in signal here (no session): forget this place's failures ourselves.
        forget_failures(username=user.get_username(), ip_address=getattr(request, "axes_ip_address", None))
        token = issue_token(user=user)
        return Response({"token": token.key, "expires_at": token_expires_at(token)})


obtain_auth_token = ObtainExpiringAuthToken.as_view()


# --- System check -----------------------------------------------------------------------------


@checks.register(checks.Tags.security)
def check_trusted_proxies(app_configs, **kwargs):
    try:
        trusted_proxy_networks()
    except ValueError as error:
        return [
            checks.Error(
                f"TRUSTED_PROXIES holds something that is not an IP address or network: {error}",
                hint="A comma-separated list such as 10.0.0.5,172.16.0.0/12.",
                id="servicecenter.E101",
            )
        ]
    return []
