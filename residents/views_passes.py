"""Desk pages of the numbered passes: the gate check (a phone at the gate), the list, one pass
with its revocation, and the printable card with its QR code. Reads through residents.selectors,
the one write through residents.services.revoke_pass."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from residents import selectors, services
from residents.filters import PassFilter
from residents.forms import PassRevokeForm, PassVerifyForm
from residents.models import Pass
from residents.qr import qr_svg
from servicecenter.desk import desk_page, querystring
from servicecenter.exceptions import DomainError
from servicecenter.paging import paginate

PAGE_SIZE = 25
STATE_LABELS = {
    "valid": pgettext_lazy("pass state", "Valid"),
    "revoked": pgettext_lazy("pass state", "Revoked"),
    "expired": pgettext_lazy("pass state", "Expired"),
    "not_yet_valid": pgettext_lazy("pass state", "Not yet valid"),
}
STATE_TAGS = {"valid": "ok", "not_yet_valid": "warn", "revoked": "danger", "expired": "danger"}


def with_state(pass_: Pass, now) -> Pass:
    pass_.state_now = pass_.state_at(now)
    pass_.state_label = STATE_LABELS[pass_.state_now]
    pass_.state_tag = STATE_TAGS[pass_.state_now]
    return pass_


@desk_page("residents.verify_pass")
@require_GET
@never_cache
def pass_verify(request: HttpRequest) -> HttpResponse:
    """The gate: type (or scan into) the number, see VALID or NOT VALID in big letters. A GET form,
    so the phone's back button and a reload repeat the check rather than a post."""
    form = PassVerifyForm(request.GET if "number" in request.GET else None)
    check = None
    not_found = False
    if form.is_bound and form.is_valid():
        try:
            check = selectors.verify_pass(number=form.cleaned_data["number"], user=request.user)
        except Http404:
            not_found = True
    return render(
        request,
        "residents/pass_verify.html",
        {"form": form, "check": check, "not_found": not_found},
    )


@desk_page("residents.view_pass")
@require_GET
def pass_list(request: HttpRequest) -> HttpResponse:
    filterset = PassFilter(request.GET, queryset=selectors.passes_for_list(user=request.user))
    page = paginate(request, filterset.qs, per_page=PAGE_SIZE)
    now = timezone.now()
    for pass_ in page.object_list:
        with_state(pass_, now)
    return render(
        request,
        "residents/pass_list.html",
        {
            "page": page,
            "filter": filterset.form,
            "kinds": Pass.Kind.choices,
            "estates": list(selectors.estates_visible_to(request.user).order_by("code")),
            "querystring": querystring(request),
        },
    )


def _render_pass(request: HttpRequest, pass_: Pass, *, revoke_form=None, status: int = 200) -> HttpResponse:
    may_revoke = request.user.has_perm(services.PASS_PERMISSION) and pass_.revoked_at is None
    return render(
        request,
        "residents/pass_detail.html",
        {
            "pass": with_state(pass_, timezone.now()),
            "qr": qr_svg(pass_.number, title=pass_.number),
            "revoke_form": (revoke_form or PassRevokeForm()) if may_revoke else None,
        },
        status=status,
    )


@desk_page("residents.view_pass")
@require_GET
def pass_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _render_pass(request, selectors.pass_for_page(user=request.user, pk=pk))


@desk_page("residents.issue_pass")
@require_POST
def pass_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    pass_ = selectors.pass_for_page(user=request.user, pk=pk)
    form = PassRevokeForm(request.POST)
    if not form.is_valid():
        return _render_pass(request, pass_, revoke_form=form, status=400)
    try:
        services.revoke_pass(pass_=pass_, actor=request.user, reason=form.cleaned_data["reason"])
    except DomainError as error:
        form.add_error("reason", error.message)
        return _render_pass(request, pass_, revoke_form=form, status=400)
    messages.success(request, _("Pass %(number)s was revoked.") % {"number": pass_.number})
    return redirect("passes:detail", pk=pass_.pk)


@desk_page("residents.view_pass")
@require_GET
def pass_print(request: HttpRequest, pk: int) -> HttpResponse:
    """The card to print and hand over: holder, unit, period, hours and a QR code of the number."""
    pass_ = selectors.pass_for_page(user=request.user, pk=pk)
    return render(
        request,
        "residents/pass_print.html",
        {"pass": pass_, "qr": qr_svg(pass_.number, title=pass_.number)},
    )
