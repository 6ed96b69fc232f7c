"""The renovation list, the application form, the renovation page with one form per action the
workflow offers, and the printable permit. Every renovation is fetched through
`visible_to(request.user)`, so another estate's is a 404."""

from __future__ import annotations

import uuid
from collections.abc import Callable

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from renovations import page_selectors, selectors, services
from renovations.forms import (
    AgreementForm,
    DeductionForm,
    DocumentForm,
    FindingsForm,
    MoneyMethodForm,
    NoteForm,
    ReasonForm,
    RenovationCreateForm,
    RenovationFilterForm,
    RequiredFindingsForm,
    UnitPickForm,
    WorkerAddForm,
    WorkerRemoveForm,
    worker_formset,
    workers_of,
)
from renovations.models import Deduction, Renovation, RenovationDocument, RenovationWorker
from renovations.workflows import RENOVATION
from residents.models import Building, Unit
from servicecenter.desk import desk_page, querystring
from servicecenter.exceptions import DomainError
from servicecenter.paging import paginate_light
from servicecenter.uploads import serve_private_file
from servicecenter.validators import parse_id

PAGE_SIZE = 25
VIEW = "renovations.view_renovation"
REGISTER = "renovations.register_renovation"


def error_text(error: Exception) -> str:
    if isinstance(error, DomainError):
        return error.message
    if isinstance(error, ValidationError):
        return " ".join(error.messages)
    return str(error)


def form_errors(form) -> str:
    return " ".join(str(m) for errors in form.errors.values() for m in errors)


def _plain_or_404(request: HttpRequest, pk: int) -> Renovation:
    renovation = (
        Renovation.objects.visible_to(request.user).select_related("unit", "estate").filter(pk=pk).first()
    )
    if renovation is None:
        raise Http404(_("No such renovation."))
    return renovation


def _back(pk: int, anchor: str = "") -> str:
    return reverse("renovations:detail", args=[pk]) + (f"#{anchor}" if anchor else "")


# --- the list -----------------------------------------------------------------------------------

LIST_TABS = [
    ("active", gettext_lazy("Works in progress")),
    ("review", gettext_lazy("Applications")),
    ("approved", gettext_lazy("Waiting for the permit")),
    ("closing", gettext_lazy("Inspections and refunds")),
    ("all", gettext_lazy("All")),
]


@desk_page(VIEW)
@require_GET
def renovation_list(request: HttpRequest) -> HttpResponse:
    """Active renovations with today's patrol, or another tab; filters applied in the database."""
    user = request.user
    today = timezone.localdate()
    buildings = list(Building.objects.visible_to(user).order_by("estate_id", "code"))
    form = RenovationFilterForm(request.GET, user=user, buildings=buildings)
    tabs = list(LIST_TABS)
    if page_selectors.review_statuses(user):
        tabs.insert(0, ("mine", gettext_lazy("Waiting for my review")))
    view = request.GET.get("view") or "active"
    if view not in dict(tabs):
        raise Http404(_("No such list."))
    errors = []
    if form.is_valid():
        data = form.cleaned_data
        filters = page_selectors.ListFilters(
            view=view,
            status=data["status"],
            estate=data["estate"].pk if data["estate"] else None,
            building=data["building"],
            regular=data["regular"],
            q=data["q"],
        )
        rows = page_selectors.renovations_for_desk_list(user=user, filters=filters, today=today)
    else:
        errors = [form_errors(form)]
        rows = Renovation.objects.none()
    page = paginate_light(request, rows, per_page=PAGE_SIZE)
    return render(
        request,
        "renovations/renovation_list.html",
        {
            "page": page,
            "form": form,
            "tabs": tabs,
            "view": view,
            "errors": errors,
            "today": today,
            "show_estate": len({b.estate_id for b in buildings}) > 1,
            "querystring": querystring(request),
            "tab_querystring": querystring(request, drop=("page", "view")),
        },
    )


# --- the application ----------------------------------------------------------------------------


@desk_page(REGISTER)
@require_http_methods(["GET", "POST"])
def renovation_create(request: HttpRequest) -> HttpResponse:
    """Step one picks the unit (by its code, or `?unit=` from the unit page); step two is the
    application for that unit. Nothing is saved until the whole application is valid."""
    unit = None
    unit_id = parse_id(request.POST.get("unit") if request.method == "POST" else request.GET.get("unit"))
    if unit_id is not None:
        unit = Unit.objects.visible_to(request.user).select_related("estate").filter(pk=unit_id).first()
    pick = UnitPickForm(request.GET if "unit_code" in request.GET else None, user=request.user)
    if unit is None and pick.is_bound and pick.is_valid():
        unit = pick.cleaned_data["unit"]
    if unit is None:
        status = 400 if pick.is_bound or request.method == "POST" else 200
        return render(request, "renovations/renovation_unit_pick.html", {"pick": pick}, status=status)

    posted = request.method == "POST"
    more = posted and "more_workers" in request.POST
    form = RenovationCreateForm(
        request.POST if posted else None, request.FILES if posted else None, unit=unit
    )
    workers = worker_formset(request.POST if posted else None, more=more)
    if posted and not more and form.is_valid() & workers.is_valid():
        data = form.cleaned_data
        try:
            renovation = services.register_renovation(
                unit=unit,
                owner=data["owner"],
                actor=request.user,
                contractor_company=data["contractor_company"],
                contractor_licence=data["contractor_licence"],
                contractor_contact=data["contractor_contact"],
                contractor_phone=data["contractor_phone"],
                planned_start=data["planned_start"],
                planned_end=data["planned_end"],
                scope_items=list(data["scope_items"]),
                workers=workers_of(workers),
                description=data["description"],
                documents=form.documents(),
                idempotency_key=data["idempotency_key"],
            )
        except ValidationError as error:
            _apply_service_error(form, error)
        except DomainError as error:
            form.add_error(None, error.message)
        else:
            messages.success(
                request, _("Renovation application %(number)s registered.") % {"number": renovation.number}
            )
            return redirect("renovations:detail", pk=renovation.pk)
    invalid = posted and not more
    return render(
        request,
        "renovations/renovation_form.html",
        {
            "form": form,
            "workers": workers,
            "unit": unit,
            "no_owner": not form.fields["owner"].queryset.exists(),
        },
        status=400 if invalid else 200,
    )


def _apply_service_error(form, error: ValidationError) -> None:
    if hasattr(error, "error_dict"):
        for field, errors in error.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error)


# --- the renovation page ------------------------------------------------------------------------

# Action name → (form, how to call its service with the form's data).
Run = Callable[[Renovation, object, dict], object]
ACTIONS: dict[str, tuple[type | None, Run]] = {
    "send_to_engineering": (NoteForm, lambda r, u, d: services.send_for_review(renovation=r, actor=u, **d)),
    "send_to_manager": (NoteForm, lambda r, u, d: services.send_for_review(renovation=r, actor=u, **d)),
    "engineering_approve": (
        NoteForm,
        lambda r, u, d: services.engineering_approve(renovation=r, actor=u, **d),
    ),
    "engineering_request_changes": (
        ReasonForm,
        lambda r, u, d: services.engineering_request_changes(renovation=r, actor=u, **d),
    ),
    "engineering_reject": (
        ReasonForm,
        lambda r, u, d: services.engineering_reject(renovation=r, actor=u, **d),
    ),
    "approve": (NoteForm, lambda r, u, d: services.approve_renovation(renovation=r, actor=u, **d)),
    "request_changes": (
        ReasonForm,
        lambda r, u, d: services.request_renovation_changes(renovation=r, actor=u, **d),
    ),
    "reject": (ReasonForm, lambda r, u, d: services.reject_renovation(renovation=r, actor=u, **d)),
    "resubmit": (NoteForm, lambda r, u, d: services.resubmit_renovation(renovation=r, actor=u, **d)),
    "withdraw": (ReasonForm, lambda r, u, d: services.withdraw_renovation(renovation=r, actor=u, **d)),
    "record_agreement": (
        AgreementForm,
        lambda r, u, d: services.record_agreement(renovation=r, actor=u, **d),
    ),
    "waive_charges": (
        ReasonForm,
        lambda r, u, d: services.waive_renovation_charges(renovation=r, actor=u, **d),
    ),
    "issue_permit": (None, lambda r, u, d: services.issue_permit(renovation=r, actor=u)),
    "start_works": (None, lambda r, u, d: services.start_works(renovation=r, actor=u)),
    "request_completion": (NoteForm, lambda r, u, d: services.request_completion(renovation=r, actor=u, **d)),
    "accept": (FindingsForm, lambda r, u, d: services.pass_acceptance(renovation=r, actor=u, **d)),
    "fail_acceptance": (
        RequiredFindingsForm,
        lambda r, u, d: services.fail_acceptance(renovation=r, actor=u, **d),
    ),
    "pass_second_inspection": (
        FindingsForm,
        lambda r, u, d: services.pass_second_inspection(renovation=r, actor=u, **d),
    ),
    "fail_second_inspection": (
        RequiredFindingsForm,
        lambda r, u, d: services.fail_second_inspection(renovation=r, actor=u, **d),
    ),
    "approve_refund": (MoneyMethodForm, lambda r, u, d: services.approve_refund(renovation=r, actor=u, **d)),
    "close": (NoteForm, lambda r, u, d: services.close_renovation(renovation=r, actor=u, **d)),
}
# The form each action's template block draws (the Form classes above validate the post).
FORM_KINDS = {
    NoteForm: "note",
    ReasonForm: "reason",
    FindingsForm: "findings",
    RequiredFindingsForm: "findings_required",
    AgreementForm: "agreement",
    MoneyMethodForm: "money",
    None: "button",
}
DONE_MESSAGES = {
    "send_to_engineering": gettext_lazy("Sent to the engineering review."),
    "send_to_manager": gettext_lazy("Sent to the manager for approval."),
    "engineering_approve": gettext_lazy("Engineering review passed: sent to the manager."),
    "approve": gettext_lazy("Approved. The charges are now due."),
    "record_agreement": gettext_lazy("The signed agreement is recorded."),
    "waive_charges": gettext_lazy("The charges are waived."),
    "issue_permit": gettext_lazy("Permit issued; the workers' passes are valid for the permit period."),
    "approve_refund": gettext_lazy("The deposit refund is posted."),
}


def _timeline(renovation: Renovation) -> list:
    events = list(renovation.events.all())
    for event in events:
        action = RENOVATION.by_name.get(event.action)
        event.title = (
            str(action.label)
            if action
            else _("Application registered")
            if event.action == "register"
            else event.action
        )
        event.from_label = RENOVATION.label(event.from_status) if event.from_status else ""
        event.to_label = RENOVATION.label(event.to_status) if event.to_status else ""
    return events


def _render_detail(request: HttpRequest, renovation: Renovation, *, status: int = 200) -> HttpResponse:
    user = request.user
    actions = RENOVATION.available(renovation, user)
    owed = selectors.charges_outstanding(renovation)
    owed_kinds = {o.kind for o in owed}
    charges = list(renovation.charges.all())
    for charge in charges:
        charge.is_paid = charge.kind not in owed_kinds
    workers = list(renovation.workers.all())
    may_register = user.has_perm(REGISTER)
    context = {
        "r": renovation,
        "actions": [
            {"name": a.name, "label": a.label, "form": FORM_KINDS[ACTIONS[a.name][0]]}
            for a in actions
            if a.name in ACTIONS
        ],
        "charges": charges,
        "owed": owed,
        "may_take_deposit": any(o.kind == "deposit" for o in owed)
        and user.has_perm("renovations.issue_renovation_permit"),
        "money_key": uuid.uuid4().hex,
        "payment_methods": MoneyMethodForm.base_fields["method"].choices,
        "workers": [w for w in workers if w.removed_at is None],
        "removed_workers": [w for w in workers if w.removed_at is not None],
        "documents": list(renovation.documents.all()),
        "inspections": list(renovation.inspections.all()),
        "deductions": list(renovation.deductions.all()),
        "patrols": list(renovation.patrols.all())[:14],
        "violations": list(renovation.violations.all()),
        "events": _timeline(renovation),
        "may_register": may_register,
        "may_deduct": user.has_perm("renovations.manage_renovation_violation")
        or user.has_perm("renovations.approve_renovation_refund"),
        "may_record_violation": user.has_perm("renovations.manage_renovation_violation"),
        "document_kinds": DocumentForm.KINDS,
        "may_print_permit": renovation.permitted_at is not None,
        "today": timezone.localdate(),
    }
    return render(request, "renovations/renovation_detail.html", context, status=status)


@desk_page(VIEW)
@require_GET
def renovation_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _render_detail(request, page_selectors.renovation_for_page(user=request.user, pk=pk))


def _run(
    request: HttpRequest, pk: int, call: Callable[[], object], *, done: str, anchor: str = ""
) -> HttpResponse:
    """Call a service; a refusal (a wrong state, a broken rule) is a message on the page, with
    nothing changed."""
    try:
        call()
    except (DomainError, ValidationError) as error:
        messages.error(request, error_text(error))
    else:
        messages.success(request, done)
    return redirect(_back(pk, anchor))


@desk_page(VIEW)
@require_POST
def renovation_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    """One workflow action from the renovation page: 403 without its permission; a state or rule
    the workflow refuses is shown as an error."""
    if action not in ACTIONS:
        raise Http404
    renovation = _plain_or_404(request, pk)
    permission = RENOVATION.action(action).permission
    if permission is None or not request.user.has_perm(permission):
        raise PermissionDenied
    form_class, run = ACTIONS[action]
    data: dict = {}
    if form_class is not None:
        form = form_class(request.POST, request.FILES)
        if not form.is_valid():
            messages.error(request, form_errors(form))
            return redirect(_back(pk, "actions"))
        data = form.cleaned_data
    done = DONE_MESSAGES.get(action) or _("Done: %(action)s.") % {"action": RENOVATION.action(action).label}
    return _run(request, pk, lambda: run(renovation, request.user, data), done=str(done), anchor="actions")


@desk_page("renovations.issue_renovation_permit")
@require_POST
def deposit_take(request: HttpRequest, pk: int) -> HttpResponse:
    """The clerk takes the renovation deposit (through billing's deposit ledger, once per key)."""
    renovation = _plain_or_404(request, pk)
    form = MoneyMethodForm(request.POST)
    if not form.is_valid():
        messages.error(request, form_errors(form))
        return redirect(_back(pk, "charges"))
    return _run(
        request,
        pk,
        lambda: services.take_renovation_deposit(
            renovation=renovation, actor=request.user, **form.cleaned_data
        ),
        done=_("The deposit is taken."),
        anchor="charges",
    )


@desk_page(REGISTER)
@require_POST
def worker_add(request: HttpRequest, pk: int) -> HttpResponse:
    renovation = _plain_or_404(request, pk)
    form = WorkerAddForm(request.POST)
    if not form.is_valid():
        messages.error(request, form_errors(form))
        return redirect(_back(pk, "workers"))
    return _run(
        request,
        pk,
        lambda: services.add_worker(renovation=renovation, actor=request.user, **form.cleaned_data),
        done=_("Worker added."),
        anchor="workers",
    )


@desk_page(REGISTER)
@require_POST
def worker_remove(request: HttpRequest, pk: int, worker_pk: int) -> HttpResponse:
    renovation = _plain_or_404(request, pk)
    worker = RenovationWorker.objects.filter(pk=worker_pk, renovation=renovation).first()
    if worker is None:
        raise Http404(_("No such worker."))
    form = WorkerRemoveForm(request.POST)
    if not form.is_valid():
        messages.error(request, form_errors(form))
        return redirect(_back(pk, "workers"))
    return _run(
        request,
        pk,
        lambda: services.remove_worker(worker=worker, actor=request.user, reason=form.cleaned_data["reason"]),
        done=_("Worker removed; the pass is revoked."),
        anchor="workers",
    )


@desk_page(REGISTER)
@require_POST
def document_upload(request: HttpRequest, pk: int) -> HttpResponse:
    renovation = _plain_or_404(request, pk)
    form = DocumentForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, form_errors(form))
        return redirect(_back(pk, "documents"))

    def upload():
        for uploaded in form.cleaned_data["files"]:
            services.add_document(
                renovation=renovation, actor=request.user, kind=form.cleaned_data["kind"], file=uploaded
            )

    return _run(request, pk, upload, done=_("File added."), anchor="documents")


@desk_page("renovations.view_renovationdocument")
@require_GET
def document_download(request: HttpRequest, pk: int, document_pk: int) -> HttpResponse:
    renovation = _plain_or_404(request, pk)
    document = (
        RenovationDocument.objects.visible_to(request.user)
        .filter(pk=document_pk, renovation=renovation)
        .first()
    )
    if document is None:
        raise Http404(_("No such file."))
    return serve_private_file(
        document.file, content_type=document.content_type, download_name=document.original_name
    )


DEDUCTORS = "renovations.manage_renovation_violation"


@desk_page(DEDUCTORS)
@require_POST
def deduction_propose(request: HttpRequest, pk: int) -> HttpResponse:
    renovation = _plain_or_404(request, pk)
    form = DeductionForm(request.POST, renovation=renovation)
    if not form.is_valid():
        messages.error(request, form_errors(form))
        return redirect(_back(pk, "deductions"))
    return _run(
        request,
        pk,
        lambda: services.propose_deduction(renovation=renovation, actor=request.user, **form.cleaned_data),
        done=_("Deduction proposed."),
        anchor="deductions",
    )


@desk_page(DEDUCTORS)
@require_POST
def deduction_withdraw(request: HttpRequest, pk: int, deduction_pk: int) -> HttpResponse:
    renovation = _plain_or_404(request, pk)
    deduction = Deduction.objects.filter(pk=deduction_pk, renovation=renovation).first()
    if deduction is None:
        raise Http404(_("No such deduction."))
    return _run(
        request,
        pk,
        lambda: services.withdraw_deduction(deduction=deduction, actor=request.user),
        done=_("Deduction withdrawn."),
        anchor="deductions",
    )


# --- the permit ---------------------------------------------------------------------------------


@desk_page(VIEW)
@require_GET
def renovation_permit(request: HttpRequest, pk: int) -> HttpResponse:
    """The printable permit (施工许可证): the hours frozen when it was issued, the estate's rules."""
    renovation = page_selectors.renovation_for_page(user=request.user, pk=pk)
    if renovation.permitted_at is None:
        raise Http404(_("No permit has been issued for this renovation."))
    rules = selectors.rules_for(renovation.estate_id)
    return render(
        request,
        "renovations/permit.html",
        {
            "r": renovation,
            "rules_text": rules.rules_text,
            "workers": [w for w in renovation.workers.all() if w.removed_at is None],
        },
    )
