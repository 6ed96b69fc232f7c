"""During the works: the day's patrols and their record form, violations (list, page, actions,
recording one, linking a complaint ticket) and the renovation figures."""

from __future__ import annotations

from collections.abc import Callable

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from renovations import metrics, page_selectors, services
from renovations.forms import (
    EscalationForm,
    LinkComplaintForm,
    MetricsForm,
    NoteForm,
    PatrolRecordForm,
    RectificationForm,
    RequiredNoteForm,
    ViolationCreateForm,
    ViolationFieldsForm,
    ViolationFilterForm,
)
from renovations.models import Patrol, Violation
from renovations.views.desk import error_text, form_errors
from renovations.workflows import VIOLATION
from servicecenter.desk import desk_page, querystring
from servicecenter.exceptions import DomainError
from servicecenter.paging import paginate_light
from tickets.models import Ticket

PAGE_SIZE = 25
MANAGE = "renovations.manage_renovation_violation"


# --- patrols ------------------------------------------------------------------------------------


@desk_page("renovations.view_patrol")
@require_GET
def patrol_list(request: HttpRequest) -> HttpResponse:
    """Today's patrols, the user's own first; the supervisor's "missed" tab lists missed ones."""
    today = timezone.localdate()
    missed = request.GET.get("view") == "missed"
    rows = page_selectors.patrols_for_desk(user=request.user, day=today, missed=missed)
    page = paginate_light(request, rows, per_page=PAGE_SIZE)
    return render(
        request,
        "renovations/patrol_list.html",
        {
            "page": page,
            "missed": missed,
            "today": today,
            "may_record": request.user.has_perm("renovations.record_renovation_patrol"),
            "querystring": querystring(request),
        },
    )


@desk_page("renovations.record_renovation_patrol")
@require_http_methods(["GET", "POST"])
def patrol_record(request: HttpRequest, pk: int) -> HttpResponse:
    """Record a patrol: OK, or a violation found (then the violation's fields too)."""
    patrol = page_selectors.patrol_for_page(user=request.user, pk=pk)
    posted = request.method == "POST"
    form = PatrolRecordForm(request.POST if posted else None, request.FILES if posted else None)
    violation_form = ViolationFieldsForm(request.POST if posted else None, prefix="violation")
    if posted and form.is_valid():
        found = form.cleaned_data["result"] == Patrol.Result.VIOLATION
        if not found or violation_form.is_valid():
            try:
                services.record_patrol(
                    patrol=patrol,
                    actor=request.user,
                    result=form.cleaned_data["result"],
                    findings=form.cleaned_data["findings"],
                    photos=form.cleaned_data["photos"],
                    violation=violation_form.violation_values() if found else None,
                )
            except DomainError as error:
                form.add_error(None, error.message)
            except PermissionDenied as error:
                form.add_error(None, str(error) or _("You are not allowed to do this."))
            else:
                messages.success(request, _("Patrol recorded."))
                return redirect("renovations:patrols")
    return render(
        request,
        "renovations/patrol_form.html",
        {
            "patrol": patrol,
            "form": form,
            "violation_form": violation_form,
            "show_violation": not posted or form.data.get("result") == Patrol.Result.VIOLATION,
        },
        status=400 if posted else 200,
    )


# --- violations ---------------------------------------------------------------------------------


@desk_page("renovations.view_violation")
@require_GET
def violation_list(request: HttpRequest) -> HttpResponse:
    today = timezone.localdate()
    form = ViolationFilterForm(request.GET)
    if form.is_valid():
        data = form.cleaned_data
        rows = page_selectors.violations_for_desk(
            user=request.user, status=data["status"], kind=data["kind"], overdue=data["overdue"], today=today
        )
    else:
        rows = Violation.objects.none()
    page = paginate_light(request, rows, per_page=PAGE_SIZE)
    for violation in page.object_list:
        violation.is_overdue = page_selectors.is_overdue(violation, today)
    return render(
        request,
        "renovations/violation_list.html",
        {
            "page": page,
            "form": form,
            "may_manage": request.user.has_perm(MANAGE),
            "querystring": querystring(request),
        },
    )


def _violation_timeline(violation: Violation) -> list:
    events = list(violation.events.all())
    for event in events:
        action = VIOLATION.by_name.get(event.action)
        event.title = (
            str(action.label)
            if action
            else _("Violation recorded")
            if event.action == "record"
            else event.action
        )
        event.from_label = VIOLATION.label(event.from_status) if event.from_status else ""
        event.to_label = VIOLATION.label(event.to_status) if event.to_status else ""
    return events


@desk_page("renovations.view_violation")
@require_GET
def violation_detail(request: HttpRequest, pk: int) -> HttpResponse:
    violation = page_selectors.violation_for_page(user=request.user, pk=pk)
    today = timezone.localdate()
    return render(
        request,
        "renovations/violation_detail.html",
        {
            "v": violation,
            "actions": [a.name for a in VIOLATION.available(violation, request.user)],
            "action_labels": {a.name: a.label for a in VIOLATION.actions},
            "events": _violation_timeline(violation),
            "is_overdue": page_selectors.is_overdue(violation, today),
            "today": today,
        },
    )


Run = Callable[[Violation, object, dict], object]
VIOLATION_ACTIONS: dict[str, tuple[type, Run]] = {
    "order_rectification": (
        RectificationForm,
        lambda v, u, d: services.order_rectification(violation=v, actor=u, **d),
    ),
    "confirm_rectified": (NoteForm, lambda v, u, d: services.confirm_rectified(violation=v, actor=u, **d)),
    "escalate": (EscalationForm, lambda v, u, d: services.escalate_violation(violation=v, actor=u, **d)),
    "dismiss": (RequiredNoteForm, lambda v, u, d: services.dismiss_violation(violation=v, actor=u, **d)),
}


@desk_page("renovations.view_violation")
@require_POST
def violation_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    if action not in VIOLATION_ACTIONS:
        raise Http404
    violation = Violation.objects.visible_to(request.user).filter(pk=pk).first()
    if violation is None:
        raise Http404(_("No such violation."))
    permission = VIOLATION.action(action).permission
    if not request.user.has_perm(permission):
        raise PermissionDenied
    form_class, run = VIOLATION_ACTIONS[action]
    form = form_class(request.POST, request.FILES)
    back = reverse("renovations:violation", args=[pk])
    if not form.is_valid():
        messages.error(request, form_errors(form))
        return redirect(back)
    try:
        run(violation, request.user, form.cleaned_data)
    except DomainError as error:
        messages.error(request, error_text(error))
    else:
        messages.success(request, _("Done: %(action)s.") % {"action": VIOLATION.action(action).label})
    return redirect(back)


@desk_page(MANAGE)
@require_http_methods(["GET", "POST"])
def violation_create(request: HttpRequest) -> HttpResponse:
    """Record a violation found outside a patrol (a resident's report, other staff), on a
    renovation or at a unit with no permit."""
    posted = request.method == "POST"
    initial = {}
    if not posted and request.GET.get("renovation", "").isdigit():
        initial["renovation"] = request.GET["renovation"]
    form = ViolationCreateForm(
        request.POST if posted else None,
        request.FILES if posted else None,
        user=request.user,
        initial=initial,
    )
    if posted and form.is_valid():
        data = form.cleaned_data
        try:
            violation = services.record_violation(
                unit=data["unit"],
                actor=request.user,
                source=data["source"],
                renovation=data["renovation"],
                photos=data["photos"],
                **form.violation_values(),
            )
        except DomainError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, _("Violation recorded."))
            return redirect("renovations:violation", pk=violation.pk)
    return render(
        request,
        "renovations/violation_form.html",
        {"form": form, "link_form": LinkComplaintForm(user=request.user, prefix="link")},
        status=400 if posted else 200,
    )


@desk_page(MANAGE)
@require_POST
def link_complaint(request: HttpRequest) -> HttpResponse:
    """A noise or renovation complaint ticket linked to a permit opens a violation check."""
    form = LinkComplaintForm(request.POST, user=request.user, prefix="link")
    if form.is_valid():
        data = form.cleaned_data
        ticket = Ticket.objects.visible_to(request.user).filter(number=data["ticket_number"].strip()).first()
        if ticket is None:
            form.add_error("ticket_number", _("No ticket with this number in your estates."))
        else:
            try:
                violation = services.link_complaint(
                    renovation=data["renovation"], ticket=ticket, actor=request.user
                )
            except DomainError as error:
                form.add_error(None, error.message)
            else:
                messages.success(request, _("The complaint is linked; a violation check is open."))
                return redirect("renovations:violation", pk=violation.pk)
    return render(
        request,
        "renovations/violation_form.html",
        {"form": ViolationCreateForm(user=request.user), "link_form": form},
        status=400,
    )


# --- figures ------------------------------------------------------------------------------------

BREAKDOWNS = (("zone", gettext_lazy("By zone")), ("housekeeper", gettext_lazy("By housekeeper")))


# The centre's KPI readers (supervisor, manager, company) read these figures too.
@desk_page("tickets.view_ticket_metrics")
@require_GET
def metrics_page(request: HttpRequest) -> HttpResponse:
    today = timezone.localdate()
    form = MetricsForm(request.GET or None, user=request.user)
    if not request.GET:
        estate = form.fields["estate"].queryset.first()
        if estate is not None:
            form = MetricsForm({"estate": estate.pk, "month": f"{today:%Y-%m}"}, user=request.user)
    figures = None
    breakdowns = []
    if form.is_bound and form.is_valid():
        estate_ids = [form.cleaned_data["estate"].pk]
        month = form.cleaned_data["month"]
        figures = metrics.violation_metrics(estate_ids=estate_ids, month=month)
        breakdowns = [
            (title, metrics.violation_metrics(estate_ids=estate_ids, month=month, by=by))
            for by, title in BREAKDOWNS
        ]
    return render(
        request, "renovations/metrics.html", {"form": form, "figures": figures, "breakdowns": breakdowns}
    )
