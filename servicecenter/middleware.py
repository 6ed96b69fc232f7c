"""Response headers the whole site shares: Cache-Control, and the one exception to the CSP."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from csp.constants import UNSAFE_INLINE
from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY
from django.contrib.auth import middleware as auth_middleware
from django.http import HttpRequest, HttpResponseBase
from django.utils.cache import patch_cache_control
from django.utils.functional import SimpleLazyObject
from rest_framework.renderers import BrowsableAPIRenderer


class NoStoreMiddleware:
    """Nothing this site renders may be kept by a browser, a shared computer's disk cache or a proxy.

    Archive persons, bills, receipts, exports and the API show personal data or money, and a page
    left in the cache of the front desk's shared computer can be read by the next person who uses
    it. Rather than list those pages (and miss the next one), every response gets
    `Cache-Control: no-store, private`; a view that is safe to cache says so with `@cacheable`.
    Static files are served by WhiteNoise before this middleware and keep their long cache.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        response = self.get_response(request)
        if getattr(response, "cacheable", False) or request.path_info.startswith(settings.STATIC_URL):
            return response
        # Added to whatever the view said; no-store wins over a max-age, and private drops public.
        patch_cache_control(response, no_store=True, private=True)
        return response


def cacheable(view: Callable) -> Callable:
    """Opt a view out of `NoStoreMiddleware`: only for responses with no personal data or money
    (say, a public notice); the view then sets its own Cache-Control if it wants one."""

    @wraps(view)
    def wrapped(*args, **kwargs):
        response = view(*args, **kwargs)
        response.cacheable = True
        return response

    return wrapped


class BrowsableApiStylesMiddleware:
    """Let DRF's browsable API pages (the API's own HTML views) use inline styles, and only those.

    Their templates carry style="float: right" attributes and a <style> block of code colours,
    which a nonce cannot cover (nonces do not apply to attributes). Inline styles cannot run
    script, so this relaxes `style-src` alone; `script-src` stays as strict as on every page.
    Sits inside django-csp's middleware, which reads the update on its way out.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        response = self.get_response(request)
        if isinstance(getattr(response, "accepted_renderer", None), BrowsableAPIRenderer):
            update = dict(getattr(response, "_csp_update", None) or {})
            update["style-src"] = [*update.get("style-src", []), UNSAFE_INLINE]
            response._csp_update = update
        return response


# Sessions opened before issue #16 name Django's ModelBackend, which AUTHENTICATION_BACKENDS no
# longer lists; Django would log those users out. They name the stamped backend from now on.
_RENAMED_BACKENDS = {
    "django.contrib.auth.backends.ModelBackend": "servicecenter.authentication.StampedModelBackend"
}


class AuthenticationMiddleware(auth_middleware.AuthenticationMiddleware):
    """Django's, moving a session that names a renamed backend over to its successor when the
    user is first read (still lazily: a request that never reads the user never loads the session)."""

    def process_request(self, request: HttpRequest) -> None:
        super().process_request(request)
        request.user = SimpleLazyObject(lambda: _user_of(request))


def _user_of(request: HttpRequest):
    renamed = _RENAMED_BACKENDS.get(request.session.get(BACKEND_SESSION_KEY))
    if renamed is not None:
        request.session[BACKEND_SESSION_KEY] = renamed
    return auth_middleware.get_user(request)
