"""The move-in desk: the list, scheduling a move-in (unit, then owner), and the move-in page with
one section per step (checklist, charges, inspection and meters, defects, keys) and the buttons the
workflow offers. Every move-in is fetched through `visible_to(request.user)`: another estate's is a
404. A service's refusal is shown on the page in the user's language, with nothing changed."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from decimal import Decimal

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from moveins import page_selectors, selectors, services
from moveins.forms import (
    ChecklistItemForm,
    DefectsNoteForm,
    DepositForm,
    KeysForm,
    MoveInFilterForm,
    NoteForm,
    ReasonForm,
    ScheduleForm,
    UnitPickForm,
    defect_formset,
    key_formset,
)
from moveins.models import ChecklistItem, MoveIn, MoveInCharge
from moveins.workflows import MOVE_IN
from residents.models import Building, Unit
from servicecenter.desk import desk_page, querystring
from servicecenter.exceptions import DomainError
from servicecenter.paging import paginate_light
from servicecenter.validators import parse_id

PAGE_SIZE = 25
VIEW = "moveins.view_movein"
HANDLE = "moveins.handle_movein"
INSPECT = "moveins.inspect_movein"
KEYS = "moveins.hand_over_keys"
DEPOSITS = "billing.manage_deposits"
DEFAULT_KEYS = [
    {"kind": gettext_lazy("Entrance door key"), "count": 3},
    {"kind": gettext_lazy("Mailbox key"), "count": 2},
    {"kind": gettext_lazy("Access card"), "count": 2},
]


def error_text(error: Exception) -> str:
    if isinstance(error, DomainError):
        return error.message
    if isinstance(error, ValidationError):
        return " ".join(error.messages)
    return str(error)


def form_errors(form) -> str:
    texts = [str(m) for errors in form.errors.values() for m in errors]
    return " ".join(texts)


def formset_errors(formset) -> str:
    texts = [str(m) for m in formset.non_form_errors()]
    for form in formset.forms:
        for field, errors in form.errors.items():
            label = form.fields[field].label if field in form.fields else ""
            texts += [f"{label}: {m}" if label else str(m) for m in errors]
    return " ".join(texts)


def _plain_or_404(request: HttpRequest, pk: int) -> MoveIn:
    move_in = (
        MoveIn.objects.visible_to(request.user)
        .select_related("unit", "estate", "owner")
        .filter(pk=pk)
        .first()
    )
    if move_in is None:
        raise Http404(_("No such move-in."))
    return move_in


def _back(pk: int, anchor: str = "") -> str:
    return reverse("moveins:detail", args=[pk]) + (f"#{anchor}" if anchor else "")


def _run(
    request: HttpRequest, pk: int, call: Callable[[], object], *, done: str, anchor: str = ""
) -> HttpResponse:
    """Call a service; a refusal (a wrong state, a broken rule) is a message on the page, with
    nothing changed."""
    try:
        call()
    except (DomainError, ValidationError, PermissionDenied) as error:
        messages.error(request, error_text(error))
    else:
        messages.success(request, done)
    return redirect(_back(pk, anchor))


# --- the list -----------------------------------------------------------------------------------


@desk_page(VIEW)
@require_GET
def move_in_list(request: HttpRequest) -> HttpResponse:
    user = request.user
    buildings = list(Building.objects.visible_to(user).order_by("estate_id", "code"))
    form = MoveInFilterForm(request.GET or {"status": "open"}, user=user, buildings=buildings)
    errors = []
    if form.is_valid():
        data = form.cleaned_data
        filters = page_selectors.ListFilters(
            status=data["status"],
            estate=data["estate"].pk if data["estate"] else None,
            batch=data["batch"].pk if data["batch"] else None,
            building=data["building"],
            q=data["q"],
        )
        rows = page_selectors.move_ins_for_desk_list(user=user, filters=filters)
    else:
        errors = [form_errors(form)]
        rows = MoveIn.objects.none()
    page = paginate_light(request, rows, per_page=PAGE_SIZE)
    return render(
        request,
        "moveins/movein_list.html",
        {
            "page": page,
            "form": form,
            "errors": errors,
            "show_estate": len({b.estate_id for b in buildings}) > 1,
            "querystring": querystring(request),
            "has_filters": bool(request.GET),
        },
    )


# --- scheduling ---------------------------------------------------------------------------------


@desk_page(HANDLE)
@require_http_methods(["GET", "POST"])
def move_in_create(request: HttpRequest) -> HttpResponse:
    """Step one picks the unit (by its code, or `?unit=` from the unit page); step two the owner
    and the appointment. Nothing is saved until the service accepts it."""
    unit = None
    unit_id = parse_id(request.POST.get("unit") if request.method == "POST" else request.GET.get("unit"))
    if unit_id is not None:
        unit = Unit.objects.visible_to(request.user).select_related("estate").filter(pk=unit_id).first()
    pick = UnitPickForm(request.GET if "unit_code" in request.GET else None, user=request.user)
    if unit is None and pick.is_bound and pick.is_valid():
        unit = pick.cleaned_data["unit"]
    if unit is None:
        status = 400 if pick.is_bound or request.method == "POST" else 200
        return render(request, "moveins/movein_unit_pick.html", {"pick": pick}, status=status)

    posted = request.method == "POST"
    form = ScheduleForm(request.POST if posted else None, unit=unit)
    if posted and form.is_valid():
        data = form.cleaned_data
        try:
            move_in = services.schedule_move_in(
                actor=request.user,
                unit=unit,
                owner=data["owner"],
                scheduled_for=data["scheduled_for"],
                notes=data["notes"],
                idempotency_key=data["idempotency_key"],
            )
        except (DomainError, ValidationError) as error:
            form.add_error(None, error_text(error))
        else:
            messages.success(request, _("Move-in %(number)s scheduled.") % {"number": move_in.number})
            return redirect("moveins:detail", pk=move_in.pk)
    open_move_in = MoveIn.objects.open().filter(unit=unit).only("pk", "number").first()
    return render(
        request,
        "moveins/movein_form.html",
        {
            "form": form,
            "unit": unit,
            "no_owner": not form.fields["owner"].queryset.exists(),
            "open_move_in": open_move_in,
        },
        status=400 if posted else 200,
    )


# --- the move-in page ---------------------------------------------------------------------------

# Action name → (form, how to call its service with the form's data). record_defects and
# hand_over_keys have their own pages' sections (rows of defects, rows of keys).
Run = Callable[[MoveIn, object, dict], object]
ACTIONS: dict[str, tuple[type | None, Run]] = {
    "start": (NoteForm, lambda m, u, d: services.start_move_in(move_in=m, actor=u, **d)),
    "finish_documents": (NoteForm, lambda m, u, d: services.finish_documents(move_in=m, actor=u, **d)),
    "waive_fees": (ReasonForm, lambda m, u, d: services.waive_move_in_fees(move_in=m, actor=u, **d)),
    "confirm_fees": (NoteForm, lambda m, u, d: services.confirm_fees(move_in=m, actor=u, **d)),
    "pass_inspection": (NoteForm, lambda m, u, d: services.pass_inspection(move_in=m, actor=u, **d)),
    "reinspect": (NoteForm, lambda m, u, d: services.request_reinspection(move_in=m, actor=u, **d)),
    "cancel": (ReasonForm, lambda m, u, d: services.cancel_move_in(move_in=m, actor=u, **d)),
}
FORM_KINDS = {NoteForm: "note", ReasonForm: "reason", None: "button"}
# The section of the page where each action's form sits (the others: the actions bar).
ACTION_SECTIONS = {
    "finish_documents": "checklist",
    "waive_fees": "charges",
    "confirm_fees": "charges",
    "pass_inspection": "inspection",
    "reinspect": "defects",
}
DONE_MESSAGES = {
    "start": gettext_lazy("The owner has arrived: work through the checklist."),
    "finish_documents": gettext_lazy("Documents done; the charges are billed."),
    "waive_fees": gettext_lazy("The charges are waived."),
    "confirm_fees": gettext_lazy("Charges settled: on to the inspection."),
    "pass_inspection": gettext_lazy("Inspection passed: the keys can be handed over."),
    "reinspect": gettext_lazy("Back to the inspection."),
    "cancel": gettext_lazy("The move-in is cancelled."),
}
# The step the page opens at, per status.
CURRENT_SECTION = {
    MoveIn.Status.SCHEDULED: "actions",
    MoveIn.Status.DOCUMENTS: "checklist",
    MoveIn.Status.FEES: "charges",
    MoveIn.Status.INSPECTION: "inspection",
    MoveIn.Status.RECTIFICATION: "defects",
    MoveIn.Status.KEYS: "keys",
}
STEPS = [
    (MoveIn.Status.DOCUMENTS, gettext_lazy("Documents")),
    (MoveIn.Status.FEES, gettext_lazy("Charges")),
    (MoveIn.Status.INSPECTION, gettext_lazy("Inspection")),
    (MoveIn.Status.KEYS, gettext_lazy("Keys")),
]
STEP_ORDER = {
    MoveIn.Status.SCHEDULED: 0,
    MoveIn.Status.DOCUMENTS: 1,
    MoveIn.Status.FEES: 2,
    MoveIn.Status.INSPECTION: 3,
    MoveIn.Status.RECTIFICATION: 3,
    MoveIn.Status.KEYS: 4,
    MoveIn.Status.COMPLETED: 5,
}


# Timeline lines that are not a change of state (written by the services with these names).
EVENT_TITLES = {
    "schedule": gettext_lazy("Move-in scheduled"),
    "checklist": gettext_lazy("Checklist line done"),
    "take_deposit": gettext_lazy("Deposit taken"),
    "opening_readings": gettext_lazy("Opening meter readings recorded"),
    "rate": gettext_lazy("Handover rated"),
    "book_slot": gettext_lazy("Appointment booked"),
    "cancel_booking": gettext_lazy("Appointment cancelled"),
}


def timeline(move_in: MoveIn) -> list:
    events = list(move_in.events.all())
    for event in events:
        action = MOVE_IN.by_name.get(event.action)
        event.title = str(action.label) if action else str(EVENT_TITLES.get(event.action, event.action))
        moved = event.from_status != event.to_status
        event.from_label = MOVE_IN.label(event.from_status) if event.from_status and moved else ""
        event.to_label = MOVE_IN.label(event.to_status) if event.to_status and moved else ""
    return events


def charge_rows(move_in: MoveIn) -> tuple[list, list]:
    """Each charge with what is billed, paid and outstanding (from the owed lines of
    `selectors.charges_outstanding`), and the owed lines themselves."""
    owed = selectors.charges_outstanding(move_in)
    owed_by_name = {line.name: line for line in owed}
    rows = []
    for charge in move_in.charges.all():
        line = owed_by_name.get(charge.name)
        charge.outstanding = line.outstanding if line is not None else Decimal("0.00")
        charge.paid = line.paid if line is not None else charge.amount
        charge.is_settled = line is None
        rows.append(charge)
    return rows, owed


def _steps(move_in: MoveIn) -> list[dict]:
    position = STEP_ORDER.get(move_in.status, -1)
    return [
        {
            "label": label,
            "done": position > index + 1 or move_in.status == MoveIn.Status.COMPLETED,
            "current": position == index + 1,
        }
        for index, (_status, label) in enumerate(STEPS)
    ]


def _render_detail(request: HttpRequest, move_in: MoveIn, *, status: int = 200, **extra) -> HttpResponse:
    user = request.user
    actions = [
        {"name": a.name, "label": a.label, "form": FORM_KINDS[ACTIONS[a.name][0]]}
        for a in MOVE_IN.available(move_in, user)
        if a.name in ACTIONS
    ]
    offered = {a.name for a in MOVE_IN.available(move_in, user)}
    charges, owed = charge_rows(move_in)
    is_open = move_in.status in MoveIn.OPEN
    readings_allowed = move_in.status in (MoveIn.Status.INSPECTION, MoveIn.Status.KEYS)
    defects = list(move_in.defects.all())
    context = {
        "m": move_in,
        "steps": _steps(move_in),
        "current_section": CURRENT_SECTION.get(move_in.status, ""),
        "bar_actions": [a for a in actions if a["name"] not in ACTION_SECTIONS],
        "section_actions": {a["name"]: a for a in actions if a["name"] in ACTION_SECTIONS},
        "checklist": list(move_in.checklist.all()),
        "may_tick": is_open and move_in.status == MoveIn.Status.DOCUMENTS and user.has_perm(HANDLE),
        "charges": charges,
        "owed": owed,
        "owed_total": sum((line.outstanding for line in owed), Decimal("0.00")),
        "may_take_deposit": move_in.status == MoveIn.Status.FEES and user.has_perm(DEPOSITS),
        "deposit_key": uuid.uuid4().hex,
        "payment_methods": DepositForm.base_fields["method"].choices,
        "inspections": list(move_in.inspections.all()),
        "defects": defects,
        "open_defects": [d for d in defects if d.closed_at is None],
        "may_record_defects": "record_defects" in offered,
        "defect_forms": extra.pop("defect_forms", None) or defect_formset(),
        "meters": page_selectors.meters_with_last_reading(move_in.unit) if readings_allowed else [],
        "readings": list(move_in.opening_readings.all()),
        "may_read_meters": readings_allowed and user.has_perm(INSPECT),
        "keys": list(move_in.keys.all()),
        "may_hand_over_keys": "hand_over_keys" in offered,
        "key_forms": extra.pop("key_forms", None) or key_formset(initial=DEFAULT_KEYS),
        "keys_form": extra.pop("keys_form", None) or KeysForm(initial={"signed_by": move_in.owner.name}),
        "events": timeline(move_in),
        "today": timezone.localdate(),
        **extra,
    }
    return render(request, "moveins/movein_detail.html", context, status=status)


@desk_page(VIEW)
@require_GET
def move_in_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _render_detail(request, page_selectors.move_in_for_page(user=request.user, pk=pk))


@desk_page(VIEW)
@require_POST
def move_in_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    """One workflow action from the move-in page: 403 without its permission; a state or rule the
    workflow refuses is shown as an error."""
    if action not in ACTIONS:
        raise Http404
    move_in = _plain_or_404(request, pk)
    permission = MOVE_IN.action(action).permission
    if permission is None or not request.user.has_perm(permission):
        raise PermissionDenied
    form_class, run = ACTIONS[action]
    data: dict = {}
    if form_class is not None:
        form = form_class(request.POST)
        if not form.is_valid():
            messages.error(request, form_errors(form))
            return redirect(_back(pk, ACTION_SECTIONS.get(action, "actions")))
        data = form.cleaned_data
    done = DONE_MESSAGES.get(action) or _("Done: %(action)s.") % {"action": MOVE_IN.action(action).label}
    return _run(
        request,
        pk,
        lambda: run(move_in, request.user, data),
        done=str(done),
        anchor=ACTION_SECTIONS.get(action, ""),
    )


@desk_page(HANDLE)
@require_POST
def checklist_tick(request: HttpRequest, pk: int, item_pk: int) -> HttpResponse:
    """Tick one checklist line: the ID line checks the number presented against the archive, a
    signed paper's line keeps its scan."""
    move_in = _plain_or_404(request, pk)
    item = ChecklistItem.objects.filter(pk=item_pk, move_in=move_in).first()
    if item is None:
        raise Http404(_("No such checklist line."))
    form = ChecklistItemForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, form_errors(form))
        return redirect(_back(pk, "checklist"))
    data = form.cleaned_data
    return _run(
        request,
        pk,
        lambda: services.complete_checklist_item(
            item=item,
            actor=request.user,
            note=data["note"],
            id_number=data["id_number"],
            signed_copy=data["signed_copy"],
        ),
        done=_("Ticked: %(line)s.") % {"line": item.name},
        anchor="checklist",
    )


@desk_page(DEPOSITS)
@require_POST
def deposit_take(request: HttpRequest, pk: int, charge_pk: int) -> HttpResponse:
    """The move-in deposit taken at the desk into billing's deposit ledger (once per key)."""
    move_in = _plain_or_404(request, pk)
    charge = MoveInCharge.objects.filter(pk=charge_pk, move_in=move_in).first()
    if charge is None:
        raise Http404(_("No such charge."))
    form = DepositForm(request.POST)
    if not form.is_valid():
        messages.error(request, form_errors(form))
        return redirect(_back(pk, "charges"))
    return _run(
        request,
        pk,
        lambda: services.take_move_in_deposit(charge=charge, actor=request.user, **form.cleaned_data),
        done=_("The deposit is taken."),
        anchor="charges",
    )


@desk_page(INSPECT)
@require_POST
def readings_record(request: HttpRequest, pk: int) -> HttpResponse:
    """The opening meter readings: one input per meter of the unit (empty ones are skipped)."""
    move_in = _plain_or_404(request, pk)
    readings = {}
    for key, value in request.POST.items():
        if key.startswith("meter-") and value.strip():
            meter_id = parse_id(key.removeprefix("meter-"))
            if meter_id is None:
                messages.error(request, _("Unknown meter."))
                return redirect(_back(pk, "inspection"))
            readings[meter_id] = value.strip()
    if not readings:
        messages.error(request, _("Enter at least one reading."))
        return redirect(_back(pk, "inspection"))
    return _run(
        request,
        pk,
        lambda: services.record_opening_readings(move_in=move_in, actor=request.user, readings=readings),
        done=_("Opening readings recorded."),
        anchor="inspection",
    )


@desk_page(INSPECT)
@require_POST
def defects_record(request: HttpRequest, pk: int) -> HttpResponse:
    """The inspection found defects: rows of where, what, by when and by whom, with photos. Each
    becomes a ticket; shown again with its errors when anything is wrong (nothing is created)."""
    move_in = _plain_or_404(request, pk)
    if not request.user.has_perm(MOVE_IN.action("record_defects").permission):
        raise PermissionDenied
    formset = defect_formset(request.POST, request.FILES)
    note_form = DefectsNoteForm(request.POST)
    if formset.is_valid() and note_form.is_valid():
        defects = [
            services.DefectInput(
                location=f.cleaned_data["location"],
                description=f.cleaned_data["description"],
                deadline=f.cleaned_data["deadline"],
                responsible=f.cleaned_data["responsible"],
                category=f.cleaned_data.get("category"),
                photos=list(f.cleaned_data.get("photos") or []),
            )
            for f in formset.forms
            if f.has_changed() and f.cleaned_data
        ]
        try:
            services.record_defects(
                move_in=move_in, actor=request.user, defects=defects, note=note_form.cleaned_data["note"]
            )
        except (DomainError, ValidationError) as error:
            formset._non_form_errors = formset.error_class([error_text(error)])
        else:
            messages.success(request, _("Defects recorded; a repair ticket is open for each."))
            return redirect(_back(pk, "defects"))
    move_in = page_selectors.move_in_for_page(user=request.user, pk=pk)
    return _render_detail(request, move_in, status=400, defect_forms=formset, defects_open=True)


@desk_page(KEYS)
@require_POST
def keys_hand_over(request: HttpRequest, pk: int) -> HttpResponse:
    """The key sign-off: rows of key and count, who signed for them. Refused (the page says what
    is owed) while a charge is unpaid and not waived."""
    move_in = _plain_or_404(request, pk)
    formset = key_formset(request.POST)
    form = KeysForm(request.POST)
    if formset.is_valid() and form.is_valid():
        keys = [
            (f.cleaned_data["kind"], f.cleaned_data["count"])
            for f in formset.forms
            if f.has_changed() and f.cleaned_data
        ]
        try:
            services.hand_over_keys(
                move_in=move_in,
                actor=request.user,
                keys=keys,
                signed_by=form.cleaned_data["signed_by"],
                note=form.cleaned_data["note"],
            )
        except (DomainError, ValidationError, PermissionDenied) as error:
            form.add_error(None, error_text(error))
        else:
            messages.success(request, _("Keys handed over: the move-in is complete."))
            return redirect(_back(pk))
    move_in = page_selectors.move_in_for_page(user=request.user, pk=pk)
    return _render_detail(request, move_in, status=400, key_forms=formset, keys_form=form)
