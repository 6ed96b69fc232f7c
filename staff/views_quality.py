"""Pages of quality supervision and incidents (supervisors, managers; the company reads): inspection
rounds and their findings, rectification orders with their workflow, CAPA against repeated
findings, the incident log with its timeline and linked tickets, and drills.

Every object is looked up among those the user may see (404 otherwise); every write calls one
service, and a refusal (DomainError, PermissionDenied) comes back as a message or a form error."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Prefetch
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from servicecenter.desk import desk_page
from servicecenter.exceptions import DomainError
from servicecenter.paging import paginate
from servicecenter.uploads import serve_private_file
from staff import selectors_quality as selectors
from staff import services_incidents, services_quality
from staff.forms_quality import (
    ChecklistChoiceForm,
    CloseIncidentForm,
    CorrectiveActionForm,
    DrillHeldForm,
    DrillPlanForm,
    IncidentForm,
    InspectionFilterForm,
    InspectionRoundForm,
    LinkTicketForm,
    NoteForm,
    NotifiedForm,
    OrderForm,
    TimelineForm,
)
from staff.models import (
    Finding,
    InspectionChecklist,
    InspectionChecklistItem,
    RectificationOrder,
    RectificationOrderEvent,
)
from staff.workflows import RECTIFICATION

INSPECT = services_quality.INSPECT


def _refused(request: HttpRequest, error: Exception) -> None:
    messages.error(request, str(getattr(error, "message", None) or error))


# --- inspections ---------------------------------------------------------------------------------


@desk_page("staff.view_qualityinspection")
@require_GET
def inspection_list(request: HttpRequest) -> HttpResponse:
    form = InspectionFilterForm(request.GET or None, user=request.user)
    filters = form.cleaned_data if form.is_valid() else {}
    estate = filters.get("estate")
    inspections = selectors.inspections_for_list(
        request.user,
        estate_id=estate.pk if estate else None,
        team_kind=filters.get("team_kind", ""),
        on=filters.get("on"),
    )
    page = paginate(request, inspections, per_page=30)
    return render(
        request,
        "staff/quality/inspection_list.html",
        {"page": page, "form": form, "may_inspect": request.user.has_perm(INSPECT)},
    )


@desk_page(INSPECT)
@require_http_methods(["GET", "POST"])
def inspection_new(request: HttpRequest) -> HttpResponse:
    """Step one (GET, no checklist): pick a checklist. Step two: the round against its items."""
    choice = ChecklistChoiceForm(request.GET or None, user=request.user)
    if not choice.is_valid():
        return render(request, "staff/quality/inspection_form.html", {"choice": choice, "form": None})
    checklist: InspectionChecklist = choice.cleaned_data["checklist"]
    items = InspectionChecklistItem.objects.filter(checklist=checklist, is_active=True)
    form = InspectionRoundForm(
        request.POST if request.method == "POST" else None,
        request.FILES if request.method == "POST" else None,
        checklist=checklist,
        items=items,
    )
    if request.method == "POST" and form.is_valid():
        try:
            inspection = services_quality.record_inspection(
                actor=request.user,
                checklist=checklist,
                team=form.cleaned_data["team"],
                results=form.results(),
                note=form.cleaned_data["note"],
            )
        except (DomainError, PermissionDenied) as error:
            form.add_error(None, str(getattr(error, "message", None) or error))
        else:
            messages.success(request, _("Inspection recorded."))
            return redirect("staff:inspection", pk=inspection.pk)
    return render(
        request,
        "staff/quality/inspection_form.html",
        {"choice": choice, "checklist": checklist, "form": form},
    )


@desk_page("staff.view_qualityinspection")
@require_GET
def inspection_detail(request: HttpRequest, pk: int) -> HttpResponse:
    inspection = selectors.inspection_for_page(request.user, pk)
    may_issue = request.user.has_perm(INSPECT)
    return render(
        request,
        "staff/quality/inspection_detail.html",
        {"inspection": inspection, "may_issue": may_issue, "order_form": OrderForm() if may_issue else None},
    )


def _finding(request: HttpRequest, pk: int, finding_pk: int) -> Finding:
    inspection = selectors.inspection_for_page(request.user, pk)
    return get_object_or_404(
        Finding.objects.select_related("inspection__estate"), inspection=inspection, pk=finding_pk
    )


@desk_page("staff.view_qualityinspection")
@require_GET
def finding_photo(request: HttpRequest, pk: int, finding_pk: int) -> HttpResponse:
    finding = _finding(request, pk, finding_pk)
    if not finding.photo:
        raise Http404(_("No photo."))
    return serve_private_file(
        finding.photo,
        content_type=finding.photo_content_type,
        download_name=finding.photo.name.rsplit("/", 1)[-1],
    )


@desk_page(INSPECT)
@require_http_methods(["GET", "POST"])
def order_issue(request: HttpRequest, pk: int, finding_pk: int) -> HttpResponse:
    """Issue a rectification order to the inspected team from a failed item."""
    finding = _finding(request, pk, finding_pk)
    if finding.passed:
        raise Http404(_("The item passed."))
    form = OrderForm(request.POST or None, initial={"description": finding.note})
    if request.method == "POST" and form.is_valid():
        try:
            order = services_quality.issue_rectification_order(
                actor=request.user,
                inspection=finding.inspection,
                finding=finding,
                description=form.cleaned_data["description"],
                deadline=form.cleaned_data["deadline"],
            )
        except (DomainError, PermissionDenied) as error:
            field = "deadline" if getattr(error, "code", "") == "deadline_past" else None
            form.add_error(field, str(getattr(error, "message", None) or error))
        else:
            messages.success(request, _("Rectification order issued."))
            return redirect("staff:rectification_order", pk=order.pk)
    return render(request, "staff/quality/order_form.html", {"finding": finding, "form": form})


# --- rectification orders ------------------------------------------------------------------------


@desk_page("staff.view_rectificationorder")
@require_GET
def order_list(request: HttpRequest) -> HttpResponse:
    orders = selectors.orders_for(request.user).select_related("estate")
    status = request.GET.get("status", "")
    if status in RectificationOrder.Status.values:
        orders = orders.filter(status=status)
    page = paginate(request, orders.order_by("deadline", "pk"), per_page=30)
    return render(
        request,
        "staff/quality/order_list.html",
        {
            "page": page,
            "statuses": RectificationOrder.Status.choices,
            "status": status,
            "workflow": RECTIFICATION,
        },
    )


def _order(request: HttpRequest, pk: int) -> RectificationOrder:
    return get_object_or_404(
        selectors.orders_for(request.user)
        .select_related("estate", "finding__item")
        .prefetch_related(
            Prefetch("events", queryset=RectificationOrderEvent.objects.select_related("actor"))
        ),
        pk=pk,
    )


@desk_page("staff.view_rectificationorder")
@require_GET
def order_detail(request: HttpRequest, pk: int) -> HttpResponse:
    order = _order(request, pk)
    return render(
        request,
        "staff/quality/order_detail.html",
        {
            "order": order,
            "actions": RECTIFICATION.available(order, request.user),
            "labels": RECTIFICATION.state_labels,
            "note_form": NoteForm(),
        },
    )


@desk_page("staff.rectify_rectificationorder")
@require_POST
def order_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    order = _order(request, pk)
    declared = RECTIFICATION.by_name.get(action)
    if declared is None or declared.is_system:
        raise Http404(_("No such action."))
    if not RECTIFICATION.may(order, declared, request.user):
        raise PermissionDenied(str(declared.permission_message or _("You are not allowed to do this.")))
    form = NoteForm(request.POST)
    note = form.cleaned_data["note"] if form.is_valid() else ""
    try:
        declared.performer()(order=order, actor=request.user, note=note)
    except (DomainError, PermissionDenied) as error:
        _refused(request, error)
    else:
        messages.success(request, _("Done: %(action)s.") % {"action": declared.label})
    return redirect("staff:rectification_order", pk=order.pk)


# --- CAPA ----------------------------------------------------------------------------------------


@desk_page("staff.view_correctiveaction")
@require_GET
def capa_list(request: HttpRequest) -> HttpResponse:
    repeated = list(selectors.repeated_findings(request.user))
    page = paginate(request, selectors.corrective_actions_for(request.user), per_page=30)
    return render(
        request,
        "staff/quality/capa_list.html",
        {
            "repeated": repeated,
            "page": page,
            "threshold": selectors.REPEAT_THRESHOLD,
            "window_days": selectors.REPEAT_WINDOW.days,
            "may_record": request.user.has_perm(INSPECT),
        },
    )


@desk_page(INSPECT)
@require_http_methods(["GET", "POST"])
def capa_new(request: HttpRequest, item_pk: int) -> HttpResponse:
    item = get_object_or_404(
        InspectionChecklistItem.objects.select_related("checklist__estate").filter(
            checklist__in=InspectionChecklist.objects.visible_to(request.user)
        ),
        pk=item_pk,
    )
    form = CorrectiveActionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services_quality.record_corrective_action(actor=request.user, item=item, **form.cleaned_data)
        except (DomainError, PermissionDenied) as error:
            form.add_error(None, str(getattr(error, "message", None) or error))
        else:
            messages.success(request, _("Corrective action recorded."))
            return redirect("staff:capa")
    failures = (
        Finding.objects.filter(item=item, passed=False)
        .select_related("inspection__team")
        .order_by("-inspection__inspected_at")[:10]
    )
    return render(request, "staff/quality/capa_form.html", {"item": item, "form": form, "failures": failures})


# --- incidents -----------------------------------------------------------------------------------


@desk_page("staff.view_incident")
@require_GET
def incident_list(request: HttpRequest) -> HttpResponse:
    incidents = selectors.incidents_for(request.user).select_related("estate")
    page = paginate(request, incidents, per_page=30)
    return render(
        request,
        "staff/quality/incident_list.html",
        {"page": page, "may_record": request.user.has_perm(services_incidents.RECORD_INCIDENT)},
    )


@desk_page(services_incidents.RECORD_INCIDENT)
@require_http_methods(["GET", "POST"])
def incident_new(request: HttpRequest) -> HttpResponse:
    form = IncidentForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            incident = services_incidents.record_incident(actor=request.user, **form.cleaned_data)
        except (DomainError, PermissionDenied) as error:
            field = "occurred_at" if getattr(error, "code", "") == "in_future" else None
            form.add_error(field, str(getattr(error, "message", None) or error))
        else:
            messages.success(request, _("Incident recorded."))
            return redirect("staff:incident", pk=incident.pk)
    return render(request, "staff/quality/incident_form.html", {"form": form})


def _incident(request: HttpRequest, pk: int):
    return get_object_or_404(
        selectors.incidents_for(request.user).select_related("estate", "closed_by"), pk=pk
    )


@desk_page("staff.view_incident")
@require_GET
def incident_detail(request: HttpRequest, pk: int) -> HttpResponse:
    incident = _incident(request, pk)
    may_follow = request.user.has_perm(services_incidents.FOLLOW_INCIDENT) and not incident.is_closed
    context = {
        "incident": incident,
        "tickets": selectors.tickets_of_incident(incident=incident, user=request.user),
        "may_follow": may_follow,
    }
    if may_follow:
        context.update(
            timeline_form=TimelineForm(),
            notified_form=NotifiedForm(estate=incident.estate),
            close_form=CloseIncidentForm(),
            link_form=LinkTicketForm(),
        )
    return render(request, "staff/quality/incident_detail.html", context)


def _incident_write(request: HttpRequest, pk: int, form_class, write, done: str, **form_kwargs):
    incident = _incident(request, pk)
    form = form_class(request.POST, **{k: v(incident) for k, v in form_kwargs.items()})
    if not form.is_valid():
        for errors in form.errors.values():
            messages.error(request, " ".join(errors))
        return redirect("staff:incident", pk=incident.pk)
    try:
        write(incident, form.cleaned_data)
    except (DomainError, PermissionDenied) as error:
        _refused(request, error)
    else:
        messages.success(request, done)
    return redirect("staff:incident", pk=incident.pk)


@desk_page(services_incidents.FOLLOW_INCIDENT)
@require_POST
def incident_timeline(request: HttpRequest, pk: int) -> HttpResponse:
    return _incident_write(
        request,
        pk,
        TimelineForm,
        lambda incident, data: services_incidents.add_timeline_entry(
            actor=request.user, incident=incident, text=data["text"], at=data["at"]
        ),
        _("Timeline entry added."),
    )


@desk_page(services_incidents.FOLLOW_INCIDENT)
@require_POST
def incident_notified(request: HttpRequest, pk: int) -> HttpResponse:
    return _incident_write(
        request,
        pk,
        NotifiedForm,
        lambda incident, data: services_incidents.record_notified(
            actor=request.user, incident=incident, users=data["users"], others=data["others"]
        ),
        _("Who was told is recorded."),
        estate=lambda incident: incident.estate,
    )


@desk_page(services_incidents.FOLLOW_INCIDENT)
@require_POST
def incident_close(request: HttpRequest, pk: int) -> HttpResponse:
    return _incident_write(
        request,
        pk,
        CloseIncidentForm,
        lambda incident, data: services_incidents.close_incident(
            actor=request.user, incident=incident, note=data["note"]
        ),
        _("Incident closed."),
    )


@desk_page(services_incidents.FOLLOW_INCIDENT)
@require_POST
def incident_link_ticket(request: HttpRequest, pk: int) -> HttpResponse:
    return _incident_write(
        request,
        pk,
        LinkTicketForm,
        lambda incident, data: services_incidents.link_ticket(
            actor=request.user, incident=incident, number=data["number"]
        ),
        _("Ticket linked."),
    )


# --- drills --------------------------------------------------------------------------------------


@desk_page("staff.view_drill")
@require_http_methods(["GET", "POST"])
def drill_list(request: HttpRequest) -> HttpResponse:
    may_plan = request.user.has_perm(services_incidents.PLAN_DRILL)
    form = DrillPlanForm(request.POST or None, user=request.user) if may_plan else None
    if request.method == "POST":
        if form is None:
            raise PermissionDenied(_("You may not plan drills."))
        if form.is_valid():
            try:
                services_incidents.plan_drill(actor=request.user, **form.cleaned_data)
            except (DomainError, PermissionDenied) as error:
                form.add_error(None, str(getattr(error, "message", None) or error))
            else:
                messages.success(request, _("Drill planned."))
                return redirect("staff:drills")
    drills = selectors.drills_for(request.user).select_related("estate")
    page = paginate(request, drills, per_page=30)
    return render(
        request,
        "staff/quality/drill_list.html",
        {
            "page": page,
            "form": form,
            "may_record": request.user.has_perm(services_incidents.RECORD_DRILL),
        },
    )


@desk_page(services_incidents.RECORD_DRILL)
@require_http_methods(["GET", "POST"])
def drill_held(request: HttpRequest, pk: int) -> HttpResponse:
    drill = get_object_or_404(selectors.drills_for(request.user).select_related("estate"), pk=pk)
    form = DrillHeldForm(
        request.POST or None, initial={"participants": drill.participants, "notes": drill.notes}
    )
    if request.method == "POST" and form.is_valid():
        try:
            services_incidents.record_drill_held(actor=request.user, drill=drill, **form.cleaned_data)
        except (DomainError, PermissionDenied) as error:
            field = "held_on" if getattr(error, "code", "") == "in_future" else None
            form.add_error(field, str(getattr(error, "message", None) or error))
        else:
            messages.success(request, _("Drill recorded as held."))
            return redirect("staff:drills")
    return render(request, "staff/quality/drill_held.html", {"drill": drill, "form": form})
