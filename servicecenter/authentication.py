"""API tokens that expire, and their revocation.

An API token lives `API_TOKEN_TTL_DAYS` (30) from its creation; the token endpoint
(`servicecenter.login_throttle.ObtainExpiringAuthToken`) replaces an expired one. Tokens are deleted
when the user logs out of a session, when the password changes (any path: admin, password reset,
`set_password` + save) and when the account is deactivated. The login throttle: login_throttle.py.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular import authentication as spectacular_authentication
from rest_framework import authentication
from rest_framework.authentication import TokenAuthentication, get_authorization_header
from rest_framework.authtoken.models import Token
from rest_framework.exceptions import AuthenticationFailed

from servicecenter import usercache

# --- The session's user, with its stamp (issue #16) -------------------------------------------


class StampedModelBackend(ModelBackend):
    """Django's ModelBackend, loading the session's user with its stamp in the same query, and
    keeping the user's permissions in process memory while the stamp holds (`usercache`)."""

    def get_user(self, user_id):
        user = get_user_model()._default_manager.select_related("access_stamp").filter(pk=user_id).first()
        if user is None or not self.user_can_authenticate(user):
            return None
        usercache.attach_stamp(user)
        return user

    def get_all_permissions(self, user_obj, obj=None):
        if (
            obj is not None
            or not user_obj.is_active
            or user_obj.is_anonymous
            or hasattr(user_obj, "_perm_cache")
            or usercache.stamp_of(user_obj) is None
        ):
            return super().get_all_permissions(user_obj, obj)

        def compute():
            super(StampedModelBackend, self).get_all_permissions(user_obj)
            # Frozen: one set is shared by every request of this user in this process.
            return (
                frozenset(user_obj._user_perm_cache),
                frozenset(user_obj._group_perm_cache),
                frozenset(user_obj._perm_cache),
            )

        own, group, every = usercache.remember(user_obj, "permissions", compute)
        # ModelBackend's own per-object caches: has_perm, get_user_permissions and
        # get_group_permissions read them without asking again.
        user_obj._user_perm_cache, user_obj._group_perm_cache, user_obj._perm_cache = own, group, every
        return every


# --- API tokens -------------------------------------------------------------------------------


def token_expires_at(token: Token) -> datetime:
    return token.created + timedelta(days=settings.API_TOKEN_TTL_DAYS)


def token_is_expired(token: Token, *, now: datetime | None = None) -> bool:
    return token_expires_at(token) <= (now or timezone.now())


class ExpiringTokenAuthentication(TokenAuthentication):
    """DRF's token authentication, refusing tokens older than API_TOKEN_TTL_DAYS with a 401."""

    def authenticate_credentials(self, key):
        # DRF's, loading the user's stamp in the same query (issue #16: permissions and scope are
        # then kept in process memory for API calls too).
        model = self.get_model()
        token = model.objects.select_related("user__access_stamp").filter(key=key).first()
        if token is None:
            raise AuthenticationFailed(_("Invalid token."))
        if not token.user.is_active:
            raise AuthenticationFailed(_("User inactive or deleted."))
        usercache.attach_stamp(token.user)
        user = token.user
        if token_is_expired(token):
            raise AuthenticationFailed(_("The API token has expired. Ask for a new one at /api/auth/token/."))
        return user, token


class SessionAuthentication(authentication.SessionAuthentication):
    """DRF's session authentication, which answers a request that presented a token with the
    token challenge: DRF takes the refusal's status from the first class, and without a challenge
    an expired or unknown token would be a 403 instead of a 401. Anonymous requests stay 403."""

    def authenticate_header(self, request):
        scheme = get_authorization_header(request).split()[:1]
        if scheme and scheme[0].lower() == TokenAuthentication.keyword.lower().encode():
            return TokenAuthentication.keyword
        return None


class SessionScheme(spectacular_authentication.SessionScheme):
    """OpenAPI: the subclass above is still cookie authentication."""

    target_class = "servicecenter.authentication.SessionAuthentication"


@transaction.atomic
def issue_token(*, user, now: datetime | None = None) -> Token:
    """The user's live token; an expired one is replaced by a new key."""
    token = Token.objects.select_for_update().filter(user=user).first()
    if token is not None and not token_is_expired(token, now=now):
        return token
    if token is not None:
        token.delete()
    return Token.objects.create(user=user)


# --- Token revocation (receivers connected in ServicecenterConfig.ready) ----------------------


def revoke_tokens_on_logout(sender, request, user, **kwargs) -> None:
    if user is not None:
        Token.objects.filter(user=user).delete()


def note_credential_change(sender, instance, update_fields=None, **kwargs) -> None:
    """pre_save of the user: will this save change the password or deactivate the account?

    `_password` is set by `set_password()` until the save (admin, password reset, commands); the
    hash comparison also catches a hash written directly. A hash upgraded at login also differs:
    revoking then errs on the safe side.
    """
    if instance.pk is None:
        return
    if update_fields is not None and not {"password", "is_active"} & set(update_fields):
        return
    if getattr(instance, "_password", None) is not None:
        instance._revoke_api_tokens = True
        return
    old = sender._default_manager.filter(pk=instance.pk).values("password", "is_active").first()
    if old is not None and (
        old["password"] != instance.password or (old["is_active"] and not instance.is_active)
    ):
        instance._revoke_api_tokens = True


def revoke_tokens_after_credential_change(sender, instance, **kwargs) -> None:
    if getattr(instance, "_revoke_api_tokens", False):
        instance._revoke_api_tokens = False
        Token.objects.filter(user=instance).delete()
