"""Getting into the portal (issue #14): the desk's activation code, and the public pages where a
resident activates the portal and resets a forgotten password. The public pages are throttled
like the login (django-axes): each refused code counts as a failed login of the mobile typed,
from this IP, and a locked-out client gets the lockout page instead of the form."""

from __future__ import annotations

from axes.handlers.proxy import AxesProxyHandler
from django.contrib import messages
from django.contrib.auth.signals import user_login_failed
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from residents import services_access
from residents.forms_access import ActivationForm, IssuePortalCodeForm, ResetConfirmForm, ResetRequestForm
from residents.models import Person, PortalCode
from servicecenter.desk import desk_page
from servicecenter.exceptions import DomainError
from servicecenter.login_throttle import lockout_response
from servicecenter.net import client_ip

# Reset codes asked for from one IP per 10 minutes (each may text a phone).
RESET_REQUESTS_PER_IP = 10

# --- The desk ----------------------------------------------------------------------------------


def _render_issue(request, person, form, *, status=200) -> HttpResponse:
    codes = PortalCode.objects.filter(person=person, purpose=PortalCode.Purpose.ACTIVATION).select_related(
        "issued_by"
    )[:10]
    return render(
        request,
        "residents/portal_code_issue.html",
        {"person": person, "form": form, "codes": codes, "now": timezone.now()},
        status=status,
    )


@desk_page("residents.issue_portal_code")
@require_http_methods(["GET", "POST"])
@never_cache
def person_portal_code(request: HttpRequest, pk: int) -> HttpResponse:
    """Issue a portal activation code for a person the desk has checked; the code is shown once."""
    person = get_object_or_404(Person.objects.visible_to(request.user).select_related("estate"), pk=pk)
    form = IssuePortalCodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            issued = services_access.issue_activation_code(
                actor=request.user, person=person, by_sms=form.cleaned_data["by_sms"]
            )
        except DomainError as error:
            form.add_error(None, error.message)
            return _render_issue(request, person, form, status=400)
        context = {
            "person": person,
            "issued": issued,
            "activate_url": request.build_absolute_uri(reverse("activate")),
        }
        return render(request, "residents/portal_code_slip.html", context)
    return _render_issue(request, person, form)


# --- Public pages ------------------------------------------------------------------------------


def _locked(request: HttpRequest, login: str) -> bool:
    return AxesProxyHandler.is_locked(request, {"username": login})


def _count_failure(request: HttpRequest, login: str) -> None:
    # Axes listens to this signal: the refused code counts like a wrong password for `login`.
    user_login_failed.send(sender=__name__, credentials={"username": login}, request=request)


def _login_of(value: str) -> str:
    return services_access.mobile_digits(value) or (value or "").strip()


@require_http_methods(["GET", "POST"])
@never_cache
def activate(request: HttpRequest) -> HttpResponse:
    form = ActivationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        login = _login_of(form.cleaned_data["identifier"])
        if _locked(request, login):
            return lockout_response(request)
        try:
            user = services_access.activate_portal_account(
                identifier=form.cleaned_data["identifier"],
                code=form.cleaned_data["code"],
                password=form.cleaned_data["password1"],
                username=form.cleaned_data["username"],
            )
        except services_access.CodeRefused as error:
            _count_failure(request, login)
            form.add_error("code", error.message)
        except ValidationError as error:
            for field, errors in error.message_dict.items():
                form.add_error("password1" if field == "password" else field, errors)
        else:
            messages.success(
                request,
                _("Your portal is ready. Log in with your mobile number or your username %(username)s.")
                % {"username": user.get_username()},
            )
            return redirect("login")
    return render(request, "registration/activate.html", {"form": form}, status=400 if form.errors else 200)


def _reset_request_allowed(request: HttpRequest) -> bool:
    key = f"portal-reset:{client_ip(request)}"
    try:
        cache.add(key, 0, timeout=600)
        count = cache.incr(key)
    except Exception:  # noqa: BLE001  (the cache is down: fail closed, as the ID check does)
        return False
    return count <= RESET_REQUESTS_PER_IP


@require_http_methods(["GET", "POST"])
@never_cache
def password_reset(request: HttpRequest) -> HttpResponse:
    """Ask for a reset code. The answer is the same whether or not the number is registered."""
    form = ResetRequestForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        mobile = form.cleaned_data["mobile"]
        if _locked(request, mobile):
            return lockout_response(request)
        if _reset_request_allowed(request):
            services_access.request_password_reset(mobile=mobile)
        request.session["portal_reset_mobile"] = mobile
        messages.info(
            request,
            _(
                "If this number belongs to a portal account, a 6-digit code is on its way by SMS. It is valid for 15 minutes."
            ),
        )
        return redirect("password_reset_confirm")
    return render(
        request, "registration/password_reset.html", {"form": form}, status=400 if form.errors else 200
    )


@require_http_methods(["GET", "POST"])
@never_cache
def password_reset_confirm(request: HttpRequest) -> HttpResponse:
    form = ResetConfirmForm(
        request.POST or None, initial={"mobile": request.session.get("portal_reset_mobile", "")}
    )
    if request.method == "POST" and form.is_valid():
        mobile = form.cleaned_data["mobile"]
        if _locked(request, mobile):
            return lockout_response(request)
        try:
            services_access.reset_password_with_code(
                mobile=mobile, code=form.cleaned_data["code"], password=form.cleaned_data["password1"]
            )
        except services_access.CodeRefused as error:
            _count_failure(request, mobile)
            form.add_error("code", error.message)
        except ValidationError as error:
            form.add_error("password1", error.message_dict.get("password", error.messages))
        else:
            request.session.pop("portal_reset_mobile", None)
            messages.success(request, _("Your password was changed. Log in with the new one."))
            return redirect("login")
    return render(
        request,
        "registration/password_reset_confirm.html",
        {"form": form},
        status=400 if form.errors else 200,
    )
