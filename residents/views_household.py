"""Household requests (issue #14): the owner asks in the portal ("My household") to add a family
member or a tenant; the desk verifies them in a queue and approves or rejects with a reason."""

from __future__ import annotations

import uuid

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from residents import services_household as services
from residents.models import HouseholdRequest, Occupancy, Unit, resident_unit_ids
from residents.workflows import HOUSEHOLD_REQUEST
from servicecenter.desk import desk_page, querystring
from servicecenter.exceptions import DomainError
from servicecenter.paging import paginate_light
from servicecenter.portal import portal_page

VIEW = "residents.view_householdrequest"
PAGE_SIZE = 25


class HouseholdRequestForm(forms.Form):
    unit = forms.IntegerField(widget=forms.HiddenInput)
    name = forms.CharField(label=gettext_lazy("Name"), max_length=100)
    role = forms.ChoiceField(
        label=gettext_lazy("Role"),
        choices=[(r.value, r.label) for r in HouseholdRequest.ROLES],
    )
    mobile = forms.CharField(label=gettext_lazy("Mobile"), max_length=20, required=False)
    id_number = forms.CharField(label=gettext_lazy("ID number"), max_length=30)
    move_in_date = forms.DateField(
        label=gettext_lazy("Move-in date"), widget=forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"})
    )
    idempotency_key = forms.CharField(widget=forms.HiddenInput, max_length=64)


class QueueFilterForm(forms.Form):
    status = forms.ChoiceField(
        label=gettext_lazy("Status"),
        required=False,
        choices=[*HouseholdRequest.Status.choices, ("", gettext_lazy("All"))],
    )


class RejectForm(forms.Form):
    reason = forms.CharField(label=gettext_lazy("Reason"), max_length=300)


class ApproveForm(forms.Form):
    pass


ACTION_FORMS = {"approve": ApproveForm, "reject": RejectForm}


def _errors(form) -> str:
    return " ".join(str(m) for errors in form.errors.values() for m in errors)


def portal_request_form() -> HouseholdRequestForm:
    return HouseholdRequestForm(initial={"idempotency_key": uuid.uuid4().hex})


@portal_page
@require_POST
def portal_household_request(request: HttpRequest) -> HttpResponse:
    """The owner's request; refusals (not an owner, a duplicate, a bad ID number) are messages."""
    form = HouseholdRequestForm(request.POST)
    if not form.is_valid():
        messages.error(request, _errors(form))
        return redirect("portal:household")
    data = form.cleaned_data
    unit = get_object_or_404(Unit.objects.filter(pk__in=resident_unit_ids(request.user)), pk=data["unit"])
    try:
        services.request_household_member(
            actor=request.user,
            unit=unit,
            name=data["name"],
            role=data["role"],
            mobile=data["mobile"],
            id_number=data["id_number"],
            move_in_date=data["move_in_date"],
            idempotency_key=data["idempotency_key"],
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("portal:household")
    except DomainError as error:
        messages.error(request, error.message)
        return redirect("portal:household")
    messages.success(request, _("Your request has been sent to the service centre."))
    return redirect("portal:household")


@desk_page(VIEW)
@require_GET
def household_request_list(request: HttpRequest) -> HttpResponse:
    """Pending requests first and oldest first, until each is approved or rejected."""
    data = request.GET.copy()
    data.setdefault("status", HouseholdRequest.Status.REQUESTED)
    form = QueueFilterForm(data)
    rows = HouseholdRequest.objects.visible_to(request.user).select_related("unit", "estate")
    if form.is_valid() and form.cleaned_data["status"]:
        rows = rows.filter(status=form.cleaned_data["status"])
    elif not form.is_valid():
        rows = rows.none()
    page = paginate_light(request, rows.order_by("requested_at", "pk"), per_page=PAGE_SIZE)
    return render(
        request,
        "residents/household_request_list.html",
        {"form": form, "page": page, "querystring": querystring(request)},
    )


def _request_or_404(request: HttpRequest, pk: int) -> HouseholdRequest:
    obj = (
        HouseholdRequest.objects.visible_to(request.user)
        .select_related("unit", "estate", "requested_by", "occupancy__person")
        .filter(pk=pk)
        .first()
    )
    if obj is None:
        raise Http404(_("No such household request."))
    return obj


@desk_page(VIEW)
@require_GET
def household_request_detail(request: HttpRequest, pk: int) -> HttpResponse:
    obj = _request_or_404(request, pk)
    actions = [
        {"name": a.name, "label": a.label, "form": ACTION_FORMS[a.name]()}
        for a in HOUSEHOLD_REQUEST.available(obj, request.user)
    ]
    occupants = (
        Occupancy.objects.current().filter(unit=obj.unit).select_related("person").order_by("role", "pk")
    )
    return render(
        request,
        "residents/household_request_detail.html",
        {"r": obj, "actions": actions, "occupants": occupants, "events": obj.events.select_related("actor")},
    )


@desk_page(VIEW)
@require_POST
def household_request_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    if action not in ACTION_FORMS:
        raise Http404(_("No such action."))
    obj = _request_or_404(request, pk)
    if not HOUSEHOLD_REQUEST.may(obj, action, request.user):
        raise PermissionDenied
    form = ACTION_FORMS[action](request.POST)
    back = reverse("residents:household_request_detail", args=[pk])
    if not form.is_valid():
        messages.error(request, _errors(form))
        return redirect(back)
    try:
        HOUSEHOLD_REQUEST.action(action).performer()(request=obj, actor=request.user, **form.cleaned_data)
    except DomainError as error:
        messages.error(request, error.message)
        return redirect(back)
    messages.success(request, _("Done: %(action)s.") % {"action": HOUSEHOLD_REQUEST.action(action).label})
    return redirect("residents:household_requests")
