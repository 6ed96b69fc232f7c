"""Desk pages of move-out and moving requests: the list, the two-step form, the request's page with
its timeline, what the unit owes and one form per action the workflow offers. Every request is
fetched through `visible_to(request.user)`, so another estate's is a 404; the release pass is
printed and checked at the gate by the passes pages."""

from __future__ import annotations

from collections.abc import Callable

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from frontdesk import services
from frontdesk.models import MoveOut
from frontdesk.moveout_forms import (
    ApproveForm,
    MoveOutFilterForm,
    MoveOutForm,
    NoteForm,
    PortalMoveOutForm,
    ReasonForm,
    UnitPickForm,
)
from frontdesk.selectors import moveouts as selectors
from frontdesk.services.moveouts import OVERRIDE
from frontdesk.workflows import MOVEOUT
from residents.models import Unit
from servicecenter.desk import desk_page, querystring
from servicecenter.exceptions import DomainError
from servicecenter.paging import paginate_light
from servicecenter.portal import portal_page
from servicecenter.validators import parse_id

PAGE_SIZE = 25
VIEW = "frontdesk.view_moveout"
REGISTER = "frontdesk.register_moveout"


def _form_errors(form) -> str:
    return " ".join(str(m) for errors in form.errors.values() for m in errors)


def _plain_or_404(request: HttpRequest, pk: int) -> MoveOut:
    moveout = MoveOut.objects.visible_to(request.user).filter(pk=pk).first()
    if moveout is None:
        raise Http404(_("No such move-out or moving request."))
    return moveout


# --- the list -----------------------------------------------------------------------------------


@desk_page(VIEW)
@require_GET
def moveout_list(request: HttpRequest) -> HttpResponse:
    """Open requests by default (or any status), filtered and searched in the database."""
    user = request.user
    form = MoveOutFilterForm(request.GET, user=user)
    errors = []
    if form.is_valid():
        data = form.cleaned_data
        status = data["status"]
        filters = selectors.ListFilters(
            status="" if status in ("", "all") else status,
            open_only=status == "",
            kind=data["kind"],
            estate=data["estate"].pk if data["estate"] else None,
            planned_from=data["planned_from"],
            planned_until=data["planned_until"],
            q=data["q"],
        )
        rows = selectors.moveouts_for_desk_list(user=user, filters=filters)
    else:
        errors = [_form_errors(form)]
        rows = MoveOut.objects.none()
    page = paginate_light(request, rows, per_page=PAGE_SIZE)
    return render(
        request,
        "frontdesk/moveouts/moveout_list.html",
        {
            "page": page,
            "form": form,
            "errors": errors,
            "show_estate": form.fields["estate"].queryset.count() > 1,
            "querystring": querystring(request),
        },
    )


# --- the request --------------------------------------------------------------------------------


@desk_page(REGISTER)
@require_http_methods(["GET", "POST"])
def moveout_create(request: HttpRequest) -> HttpResponse:
    """Step one picks the unit (by its code, or `?unit=` from the unit page); step two is the
    request for that unit, by one of its current occupants."""
    unit = None
    unit_id = parse_id(request.POST.get("unit") if request.method == "POST" else request.GET.get("unit"))
    if unit_id is not None:
        unit = Unit.objects.visible_to(request.user).select_related("estate").filter(pk=unit_id).first()
    pick = UnitPickForm(request.GET if "unit_code" in request.GET else None, user=request.user)
    if unit is None and pick.is_bound and pick.is_valid():
        unit = pick.cleaned_data["unit"]
    if unit is None:
        status = 400 if pick.is_bound or request.method == "POST" else 200
        return render(request, "frontdesk/moveouts/moveout_unit_pick.html", {"pick": pick}, status=status)

    posted = request.method == "POST"
    occupants = selectors.occupants_of_unit(unit, today=timezone.localdate())
    form = MoveOutForm(request.POST if posted else None, occupants=occupants)
    if posted and form.is_valid():
        data = form.cleaned_data
        try:
            moveout = services.register_moveout(
                unit=unit,
                person=data["occupancy"].person,
                kind=data["kind"],
                planned_date=data["planned_date"],
                window_start=data["window_start"],
                window_end=data["window_end"],
                items=data["items"],
                vehicle_plate=data["vehicle_plate"],
                helpers=data["helpers"],
                notes=data["notes"],
                actor=request.user,
                idempotency_key=data["idempotency_key"],
            )
        except DomainError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, _("Request %(number)s registered.") % {"number": moveout.number})
            return redirect("frontdesk:moveout_detail", pk=moveout.pk)
    return render(
        request,
        "frontdesk/moveouts/moveout_form.html",
        {"form": form, "unit": unit, "no_occupant": not occupants.exists()},
        status=400 if posted else 200,
    )


def _timeline(moveout: MoveOut) -> list:
    events = list(moveout.events.all())
    for event in events:
        action = MOVEOUT.by_name.get(event.action)
        event.title = (
            str(action.label)
            if action
            else _("Request registered")
            if event.action == "register"
            else event.action
        )
        event.from_label = MOVEOUT.label(event.from_status) if event.from_status else ""
        event.to_label = MOVEOUT.label(event.to_status) if event.to_status else ""
    return events


FORM_OF_ACTION = {"approve": "note", "complete": "note", "cancel": "reason"}


@desk_page(VIEW)
@require_GET
def moveout_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    moveout = selectors.moveout_for_page(user=user, pk=pk)
    now = timezone.now()
    actions = MOVEOUT.available(moveout, user, now=now)
    owed = None
    if moveout.status == MoveOut.Status.REQUESTED:
        owed = selectors.amounts_owed(moveout, now=now)
    # The manager's override: approving is refused only by what is owed.
    may_override = (
        owed is not None
        and bool(owed.bills)
        and user.has_perm(OVERRIDE)
        and _allowed_but_for_arrears(moveout, user, now)
    )
    return render(
        request,
        "frontdesk/moveouts/moveout_detail.html",
        {
            "m": moveout,
            "actions": [{"name": a.name, "label": a.label, "form": FORM_OF_ACTION[a.name]} for a in actions],
            "owed": owed,
            "owed_rows": selectors.owed_rows(owed, today=timezone.localdate(now)) if owed else [],
            "may_override": may_override,
            "events": _timeline(moveout),
            "window": selectors.pass_window(moveout),
        },
    )


def _allowed_but_for_arrears(moveout: MoveOut, user, now) -> bool:
    try:
        MOVEOUT.check(moveout, "approve", user, now=now, skip=("nothing_owed",))
    except (DomainError, PermissionDenied):
        return False
    return True


def _act(request: HttpRequest, pk: int, action: str, form_class, run: Callable) -> HttpResponse:
    """One workflow action from the request's page: a refusal (a wrong state, what the unit owes)
    is an error message on the page, with nothing changed."""
    moveout = _plain_or_404(request, pk)
    back = reverse("frontdesk:moveout_detail", args=[pk]) + "#actions"
    form = form_class(request.POST)
    if not form.is_valid():
        messages.error(request, _form_errors(form))
        return redirect(back)
    try:
        run(moveout, form.cleaned_data)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("Done: %(action)s.") % {"action": MOVEOUT.action(action).label})
    return redirect(back)


@desk_page("frontdesk.approve_moveout")
@require_POST
def moveout_approve(request: HttpRequest, pk: int) -> HttpResponse:
    return _act(
        request,
        pk,
        "approve",
        ApproveForm,
        lambda m, d: services.approve_moveout(moveout=m, actor=request.user, **d),
    )


@desk_page("frontdesk.complete_moveout")
@require_POST
def moveout_complete(request: HttpRequest, pk: int) -> HttpResponse:
    return _act(
        request,
        pk,
        "complete",
        NoteForm,
        lambda m, d: services.complete_moveout(moveout=m, actor=request.user, **d),
    )


@desk_page(REGISTER)
@require_POST
def moveout_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    return _act(
        request,
        pk,
        "cancel",
        ReasonForm,
        lambda m, d: services.cancel_moveout(moveout=m, actor=request.user, **d),
    )


# --- the resident portal ------------------------------------------------------------------------


@portal_page
@require_GET
def portal_moveout_list(request: HttpRequest) -> HttpResponse:
    """The requests of the units the resident occupies today, newest first."""
    page = paginate_light(request, selectors.moveouts_for_list(user=request.user), per_page=20, count=False)
    return render(request, "frontdesk/moveouts/portal_list.html", {"page": page})


@portal_page
@require_http_methods(["GET", "POST"])
def portal_moveout_create(request: HttpRequest) -> HttpResponse:
    units = Unit.objects.visible_to(request.user).order_by("code")
    posted = request.method == "POST"
    form = PortalMoveOutForm(request.POST if posted else None, units=units)
    if posted and form.is_valid():
        try:
            moveout = services.request_moveout(user=request.user, **form.cleaned_data)
        except DomainError as error:
            form.add_error(None, error.message)
        else:
            messages.success(
                request,
                _("Your request %(number)s has been received. The service centre will confirm it.")
                % {"number": moveout.number},
            )
            return redirect("portal:moveouts")
    return render(
        request, "frontdesk/moveouts/portal_form.html", {"form": form}, status=400 if posted else 200
    )
