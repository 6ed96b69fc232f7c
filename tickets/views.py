"""Ticket pages for staff (desk) and residents (portal). Views parse input, call one service and
respond; every ticket is fetched through `visible_to(request.user)`, so out-of-scope ones 404."""

from __future__ import annotations

from collections.abc import Callable

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from residents.models import Unit
from residents.services import TaskCall, TaskNotFound
from servicecenter.desk import desk_page, querystring
from servicecenter.exceptions import DomainError
from servicecenter.paging import paginate_light
from servicecenter.periods import month_start
from servicecenter.portal import portal_page
from servicecenter.uploads import serve_private_file
from servicecenter.validators import parse_id
from tickets import selectors, services
from tickets.filters import TicketFilter
from tickets.forms import (
    AssignForm,
    AttachmentForm,
    CallbackRecordForm,
    CloseForm,
    CommentForm,
    LinkReportForm,
    MetricsForm,
    NoteForm,
    PortalCommentForm,
    PortalTicketForm,
    RateForm,
    ReasonForm,
    ReplyForm,
    ResolveForm,
    ReviewForm,
    TicketCreateForm,
)
from tickets.models import Callback, CallbackReview, ReplyChannel, Ticket, TicketAttachment, TicketEvent
from tickets.permissions import available_actions, label_actions, may, remembering_permissions

PAGE_SIZE = 25
# A phone screen: the most urgent work first, not everything at once.
MY_WORK_MINE = 30
MY_WORK_QUEUE = 15


def _safe_next(request: HttpRequest, default: str) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return default


def _ticket_or_404(request: HttpRequest, pk: int) -> Ticket:
    try:
        return selectors.ticket_for_page(user=request.user, pk=pk)
    except Ticket.DoesNotExist:
        raise Http404(_("No such ticket.")) from None


def _plain_ticket_or_404(request: HttpRequest, pk: int) -> Ticket:
    ticket = (
        Ticket.objects.visible_to(request.user).select_related("estate", "category").filter(pk=pk).first()
    )
    if ticket is None:
        raise Http404(_("No such ticket."))
    return ticket


def _error_text(error: Exception) -> str:
    if isinstance(error, DomainError):
        return error.message
    if isinstance(error, ValidationError):
        return " ".join(error.messages)
    return str(error)


# --- list, my work -----------------------------------------------------------------------------


@desk_page("tickets.view_ticket")
@require_GET
def ticket_list(request: HttpRequest) -> HttpResponse:
    """The ticket list with filters and saved views; never counts the whole table."""
    filterset = TicketFilter(
        request.GET, queryset=selectors.tickets_for_desk_list(user=request.user), request=request
    )
    valid = filterset.is_valid()
    page = paginate_light(request, filterset.qs if valid else Ticket.objects.none(), per_page=PAGE_SIZE)
    choices = selectors.desk_list_choices(user=request.user)
    choices.label_rows(page.object_list)
    return render(
        request,
        "tickets/ticket_list.html",
        {
            "page": page,
            "errors": [e for errors in filterset.errors.values() for e in errors] if not valid else [],
            "choices": choices,
            "selected": {key: request.GET.getlist(key) for key in ("status", "kind", "channel")}
            | {
                key: request.GET.get(key, "")
                for key in (
                    "q",
                    "category",
                    "team",
                    "assignee",
                    "estate",
                    "overdue",
                    "created_after",
                    "created_before",
                    "unit",
                    "building",
                    "public_location",
                )
            },
            "statuses": Ticket.Status.choices,
            "kinds": Ticket.Kind.choices,
            "channels": Ticket.Channel.choices,
            "views": TicketFilter.VIEWS,
            "current_view": request.GET.get("view", ""),
            "order_label": _("Earliest deadline first")
            if request.GET.get("view") == TicketFilter.VIEW_OVERDUE
            else _("Newest first"),
            "querystring": querystring(request),
        },
    )


@desk_page("tickets.view_ticket")
@require_GET
def my_work(request: HttpRequest) -> HttpResponse:
    """The technician's phone page: my open work by deadline, and my team's unclaimed queue."""
    base = selectors.tickets_for_work_cards(user=request.user)
    mine = list(
        base.filter(assignee=request.user, status__in=Ticket.OPEN).order_by("resolution_due_at")[
            :MY_WORK_MINE
        ]
    )
    team_id = getattr(getattr(request.user, "staff_profile", None), "team_id", None)
    queue = []
    if team_id:
        queue = list(
            base.filter(team_id=team_id, assignee__isnull=True, status__in=Ticket.CLOCK_RUNNING).order_by(
                "resolution_due_at"
            )[:MY_WORK_QUEUE]
        )
    cards = [*mine, *queue]
    user = remembering_permissions(request.user)
    selectors.label_cards(cards)
    label_actions(user, cards)
    detail_url, call_url = _url_by_pk("tickets:detail"), _url_by_pk("tickets:call")
    action_urls = {action: _url_by_pk("tickets:action", action) for action in WORK_CARD_ACTIONS}
    for ticket in cards:
        ticket.may_call = services.may_call_reporter(user, ticket)
        ticket.detail_url = detail_url(ticket.pk)
        ticket.call_url = call_url(ticket.pk) if ticket.may_call else ""
        ticket.card_forms = [
            (action, action_urls[action](ticket.pk)) for action in ticket.actions if action in action_urls
        ]
    return render(request, "tickets/my_work.html", {"mine": mine, "queue": queue})


# The actions a work card offers (the others need the ticket page's fuller forms).
WORK_CARD_ACTIONS = ("take", "start", "resume", "hold", "resolve")
_PK_MARKER = 2_147_483_647


def _url_by_pk(name: str, *args) -> Callable[[int], str]:
    """`reverse` once for a page of rows whose links differ only by the ticket's id: a `{% url %}`
    per link and button of every card was a sixth of the my-work page."""
    pattern = reverse(name, args=[_PK_MARKER, *args])
    marker = str(_PK_MARKER)
    return lambda pk: pattern.replace(marker, str(pk), 1)


# --- registration ------------------------------------------------------------------------------

_RESENT_WITH_CHANGES = gettext_lazy(
    "This form was already sent with other details. Open a new form to register another request."
)


@desk_page("tickets.add_ticket")
@require_http_methods(["GET", "POST"])
def ticket_create(request: HttpRequest) -> HttpResponse:
    preset_unit = None
    if request.method == "GET" and parse_id(request.GET.get("unit")) is not None:
        preset_unit = (
            Unit.objects.visible_to(request.user)
            .select_related("estate")
            .filter(pk=request.GET["unit"])
            .first()
        )
    initial = {"unit": preset_unit.pk, "estate": preset_unit.estate_id} if preset_unit else None
    initial = (initial or {}) | {"kind": selectors.last_ticket_kind(request.user)}
    form = TicketCreateForm(request.POST or None, request.FILES or None, user=request.user, initial=initial)
    duplicates = []
    if request.method == "POST" and form.is_valid() and not request.POST.get("confirm_new"):
        # Shown again on submit (the form's script shows them as you type): a second caller about
        # the same leak is linked to the open ticket, not registered twice.
        duplicates = _form_duplicates(request, form)
    if request.method == "POST" and form.is_valid() and not duplicates:
        try:
            ticket = services.register_ticket(actor=request.user, **form.service_values())
        except ValidationError as error:
            form.apply_service_error(error)
        except services.IdempotencyConflict:
            form.add_error(None, _RESENT_WITH_CHANGES)
        except DomainError as error:
            form.add_error(None, error.message)
        else:
            services.remember_ticket_kind(user=request.user, kind=ticket.kind)
            if ticket.is_replay:  # a double click or a resent form: the first one registered it
                messages.info(
                    request, _("Ticket %(number)s was already registered.") % {"number": ticket.number}
                )
            else:
                messages.success(
                    request,
                    _("Ticket %(number)s registered and sent to %(team)s.")
                    % {"number": ticket.number, "team": ticket.team or _("the dispatch queue")},
                )
            if request.POST.get("another"):
                return redirect("tickets:create")
            return redirect("tickets:detail", pk=ticket.pk)
    return _render_create_form(request, form, preset_unit=preset_unit, duplicates=duplicates)


def _render_create_form(request: HttpRequest, form, *, preset_unit=None, duplicates=()) -> HttpResponse:
    selected_unit = (
        form.cleaned_data.get("unit") if form.is_bound and hasattr(form, "cleaned_data") else preset_unit
    )
    return render(
        request,
        "tickets/ticket_form.html",
        {
            "form": form,
            "selected_unit": selected_unit,
            "duplicates": duplicates,
            "category_defaults": selectors.category_defaults(),
            "teams_by_estate": selectors.teams_by_estate(user=request.user),
        },
        status=400 if form.is_bound and form.errors else 200,
    )


def _form_duplicates(request: HttpRequest, form) -> list[Ticket]:
    key = form.cleaned_data.get("idempotency_key")
    if key and selectors.registration_key_used(key):
        return []  # a resent form: the service hands back the ticket it registered
    unit, place = form.cleaned_data.get("unit"), form.cleaned_data.get("public_location")
    return selectors.possible_duplicates(
        user=request.user,
        category_id=form.cleaned_data["category"].pk,
        unit_id=unit.pk if unit else None,
        public_location_id=None if unit else (place.pk if place else None),
    )


@desk_page("tickets.add_ticket")
@require_GET
def ticket_duplicates(request: HttpRequest) -> HttpResponse:
    """The possible duplicates for the new-ticket form's unit or place and category, as the
    form's panel (the script swaps it in as the fields change)."""
    tickets = selectors.possible_duplicates(
        user=request.user,
        category_id=parse_id(request.GET.get("category")),
        unit_id=parse_id(request.GET.get("unit")),
        public_location_id=parse_id(request.GET.get("public_location")),
    )
    return render(request, "tickets/_possible_duplicates.html", {"duplicates": tickets, "live": True})


@desk_page("tickets.add_ticket")
@require_POST
def ticket_link_report(request: HttpRequest, pk: int) -> HttpResponse:
    """Link the caller on the new-ticket form to this open ticket as a co-reporter instead of
    registering a second ticket. The form's own token makes a resent link a no-op."""
    ticket = _plain_ticket_or_404(request, pk)
    form = LinkReportForm(request.POST, user=request.user)
    if form.is_valid():
        try:
            co_reporter = services.link_report(ticket=ticket, actor=request.user, **form.service_values())
        except ValidationError as error:
            form.apply_service_error(error)
        except services.IdempotencyConflict:
            form.add_error(None, _RESENT_WITH_CHANGES)
        except DomainError as error:
            form.add_error(None, error.message)
        else:
            if getattr(co_reporter, "is_replay", False):
                messages.info(
                    request, _("This report was already linked to %(number)s.") % {"number": ticket.number}
                )
            else:
                messages.success(
                    request,
                    _("%(name)s is added to ticket %(number)s; they will be called back with it.")
                    % {"name": co_reporter.display_name, "number": ticket.number},
                )
            return redirect("tickets:detail", pk=ticket.pk)
    # Back to the form as it was typed, with the reason on top.
    create_form = TicketCreateForm(request.POST, user=request.user)
    create_form.is_valid()
    for message in _form_errors(form):
        create_form.add_error(None, message)
    duplicates = _form_duplicates(request, create_form) if create_form.is_valid() else []
    response = _render_create_form(request, create_form, duplicates=duplicates)
    response.status_code = 400
    return response


@desk_page("tickets.add_ticket")
@require_GET
def reporter_lookup(request: HttpRequest) -> JsonResponse:
    """Type-ahead for the new-ticket form: units and occupants by phone, name or unit code, with
    phones masked; only within the user's estates."""
    rows = selectors.lookup_reporters(user=request.user, query=request.GET.get("q", ""))
    return JsonResponse({"results": rows})


# --- the ticket page ---------------------------------------------------------------------------


@desk_page("tickets.view_ticket")
@require_GET
def ticket_detail(request: HttpRequest, pk: int) -> HttpResponse:
    ticket = _ticket_or_404(request, pk)
    return _render_detail(request, ticket)


def _render_detail(request: HttpRequest, ticket: Ticket, *, status: int = 200, errors=None) -> HttpResponse:
    """The ticket page. Its forms are written out in the template (Django's widget rendering
    would cost more than everything else on the page); the Form classes still validate posts."""
    actions = available_actions(request.user, ticket)
    callbacks = list(ticket.callbacks.all())
    events = list(ticket.events.all())
    selectors.label_events(events)
    context = {
        "ticket": ticket,
        "actions": actions,
        "events": events,
        "registered_by": next((e.actor for e in events if e.kind == TicketEvent.Kind.CREATED), None),
        "attachments": list(ticket.attachments.all()),
        "callbacks": callbacks,
        # The reporter's own callback first: its outcome decides the ticket; co-reporters' after.
        "pending_callback": next(
            iter(
                sorted(
                    (c for c in callbacks if c.status == Callback.Status.PENDING),
                    key=lambda c: (c.co_reporter_id is not None, c.pk),
                )
            ),
            None,
        ),
        "co_reporters": list(ticket.co_reporters.all()),
        "assign_choices": selectors.assign_choices(estate_id=ticket.estate_id)
        if "assign" in actions
        else None,
        "can_record_callback": request.user.has_perm("tickets.record_callback"),
        "can_call_reporter": services.may_call_reporter(request.user, ticket),
        "root_causes": selectors.active_root_causes() if {"resolve", "close"} & set(actions) else [],
        "root_cause_required": services.root_cause_required(ticket),
        "reply_channels": ReplyChannel.choices if "reply" in actions else [],
        "errors": errors or [],
        "satisfaction_scores": ["5", "4", "3", "2", "1"],
    }
    return render(request, "tickets/ticket_detail.html", context, status=status)


def _form_errors(form) -> list[str]:
    return [str(message) for messages in form.errors.values() for message in messages]


ACTIONS: dict[str, tuple[type | None, Callable]] = {
    "assign": (AssignForm, lambda t, u, d: services.assign_ticket(ticket=t, actor=u, **d)),
    "take": (None, lambda t, u, d: services.take_ticket(ticket=t, actor=u)),
    "start": (NoteForm, lambda t, u, d: services.start_ticket(ticket=t, actor=u, **d)),
    "hold": (ReasonForm, lambda t, u, d: services.hold_ticket(ticket=t, actor=u, **d)),
    "resume": (NoteForm, lambda t, u, d: services.resume_ticket(ticket=t, actor=u, **d)),
    "resolve": (ResolveForm, lambda t, u, d: services.resolve_ticket(ticket=t, actor=u, **d)),
    "reopen": (ReasonForm, lambda t, u, d: services.reopen_ticket(ticket=t, actor=u, **d)),
    "cancel": (ReasonForm, lambda t, u, d: services.cancel_ticket(ticket=t, actor=u, **d)),
    "close": (CloseForm, lambda t, u, d: services.close_ticket(ticket=t, actor=u, **d)),
    "reply": (ReplyForm, lambda t, u, d: services.reply_to_reporter(ticket=t, actor=u, **d)),
    "flag_major": (NoteForm, lambda t, u, d: services.flag_major_complaint(ticket=t, actor=u, **d)),
}
DONE_MESSAGES = {
    "assign": gettext_lazy("Dispatched."),
    "take": gettext_lazy("The ticket is yours."),
    "start": gettext_lazy("Work started."),
    "hold": gettext_lazy("On hold: the SLA clock is stopped."),
    "resume": gettext_lazy("Work resumed."),
    "resolve": gettext_lazy("Resolved. The callback is scheduled."),
    "reopen": gettext_lazy("Reopened."),
    "cancel": gettext_lazy("Cancelled."),
    "close": gettext_lazy("Closed."),
    "reply": gettext_lazy("The reply is recorded."),
    "flag_major": gettext_lazy("Marked as a major complaint; the manager has been told."),
}


@desk_page("tickets.view_ticket")
@require_POST
def ticket_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    """One transition from a button on the ticket page or the my-work page."""
    if action not in ACTIONS:
        raise Http404
    ticket = _plain_ticket_or_404(request, pk)
    if not may(request.user, action, ticket):
        raise PermissionDenied
    form_class, run = ACTIONS[action]
    data = {}
    if form_class is not None:
        form = (
            form_class(request.POST, ticket=ticket) if form_class is AssignForm else form_class(request.POST)
        )
        if not form.is_valid():
            messages.error(request, " ".join(str(m) for errors in form.errors.values() for m in errors))
            return redirect(_safe_next(request, reverse("tickets:detail", args=[pk])))
        data = form.cleaned_data
    try:
        run(ticket, request.user, data)
    except (DomainError, ValidationError) as error:
        messages.error(request, _error_text(error))
    else:
        messages.success(request, str(DONE_MESSAGES[action]))
    return redirect(_safe_next(request, reverse("tickets:detail", args=[pk])))


@desk_page("tickets.view_ticket")
@require_POST
def ticket_comment(request: HttpRequest, pk: int) -> HttpResponse:
    ticket = _plain_ticket_or_404(request, pk)
    form = CommentForm(request.POST)
    if form.is_valid():
        try:
            services.add_comment(ticket=ticket, actor=request.user, **form.cleaned_data)
        except (DomainError, ValidationError) as error:
            messages.error(request, _error_text(error))
        else:
            return redirect(reverse("tickets:detail", args=[pk]) + "#timeline")
    return _render_detail(request, _ticket_or_404(request, pk), errors=_form_errors(form), status=400)


@desk_page("tickets.view_ticket")
@require_POST
def ticket_attach(request: HttpRequest, pk: int) -> HttpResponse:
    ticket = _plain_ticket_or_404(request, pk)
    form = AttachmentForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            for uploaded in form.cleaned_data["files"]:
                services.add_attachment(
                    ticket=ticket,
                    actor=request.user,
                    uploaded=uploaded,
                    is_internal=form.cleaned_data["is_internal"],
                )
        except (DomainError, ValidationError) as error:
            form.add_error("files", _error_text(error))
        else:
            messages.success(request, _("File added."))
            return redirect(reverse("tickets:detail", args=[pk]) + "#files")
    return _render_detail(request, _ticket_or_404(request, pk), errors=_form_errors(form), status=400)


def _serve_attachment(request: HttpRequest, pk: int, attachment_pk: int) -> HttpResponse:
    # Through the ticket first: a technician sees only their team's tickets, which the
    # attachment's own estate scope alone would not enforce.
    ticket = _plain_ticket_or_404(request, pk)
    attachment = (
        TicketAttachment.objects.visible_to(request.user).filter(pk=attachment_pk, ticket=ticket).first()
    )
    if attachment is None:
        raise Http404(_("No such file."))
    return serve_private_file(
        attachment.file,
        content_type=attachment.content_type,
        download_name=attachment.original_name,
    )


@desk_page("tickets.view_ticket")
@require_GET
def attachment_download(request: HttpRequest, pk: int, attachment_pk: int) -> HttpResponse:
    return _serve_attachment(request, pk, attachment_pk)


# --- calls from tasks ---------------------------------------------------------------------------


def _run_call(request: HttpRequest, run: Callable[[], TaskCall], *, back: str) -> HttpResponse:
    try:
        call = run()
    except TaskNotFound:
        raise Http404 from None
    except DomainError as error:
        messages.error(request, error.message)
        return redirect(back)
    # Rendered, not redirected: the number must not travel in a URL, and showing it again is
    # another call (another POST, another log row).
    return render(request, "call_dial.html", {"call": call, "back": back})


@never_cache
@desk_page("tickets.view_ticket")
@require_POST
def ticket_call(request: HttpRequest, pk: int) -> HttpResponse:
    """Dial the reporter of an open ticket (a technician: their own assigned one); logged."""
    ticket = _plain_ticket_or_404(request, pk)
    back = _safe_next(request, reverse("tickets:detail", args=[pk]))
    return _run_call(
        request,
        lambda: services.call_for_ticket(
            actor=request.user, ticket=ticket, ip_address=request.META.get("REMOTE_ADDR")
        ),
        back=back,
    )


@never_cache
@desk_page("tickets.record_callback")
@require_POST
def callback_call(request: HttpRequest, pk: int) -> HttpResponse:
    """Dial the resident of a pending callback; logged with the callback as the purpose."""
    callback = Callback.objects.visible_to(request.user).filter(pk=pk).first()
    if callback is None:
        raise Http404(_("No such callback."))
    back = _safe_next(request, reverse("tickets:callbacks"))
    return _run_call(
        request,
        lambda: services.call_for_callback(
            actor=request.user, callback=callback, ip_address=request.META.get("REMOTE_ADDR")
        ),
        back=back,
    )


# --- callbacks and re-checks -------------------------------------------------------------------


@desk_page("tickets.view_callback")
@require_GET
def callback_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """A callback lives on its ticket's page; this address is what the access log links to."""
    callback = Callback.objects.visible_to(request.user).filter(pk=pk).values("ticket_id").first()
    if callback is None:
        raise Http404(_("No such callback."))
    return redirect(reverse("tickets:detail", args=[callback["ticket_id"]]) + "#callbacks")


@desk_page("tickets.view_callback")
@require_GET
def callback_list(request: HttpRequest) -> HttpResponse:
    """Callbacks to make: mine by default for housekeepers, everything due for supervisors."""
    from tickets.filters import CallbackFilter

    params = request.GET.copy()
    if "status" not in params and "ticket" not in params:
        params.setlist("status", [Callback.Status.PENDING])
    filterset = CallbackFilter(
        params, queryset=selectors.callbacks_for_list(user=request.user), request=request
    )
    queryset = filterset.qs if filterset.is_valid() else Callback.objects.none()
    page = paginate_light(request, queryset, per_page=PAGE_SIZE)
    selectors.label_callbacks(page.object_list)
    return render(
        request,
        "tickets/callback_list.html",
        {
            "page": page,
            "form": filterset.form,
            "querystring": querystring(request),
            "can_record": request.user.has_perm("tickets.record_callback"),
            "now": timezone.now(),
            "statuses": Callback.Status.choices,
            "params": params,
        },
    )


@desk_page("tickets.record_callback")
@require_POST
def callback_record(request: HttpRequest, pk: int) -> HttpResponse:
    callback = Callback.objects.visible_to(request.user).select_related("ticket").filter(pk=pk).first()
    if callback is None:
        raise Http404(_("No such callback."))
    form = CallbackRecordForm(request.POST)
    default = reverse("tickets:detail", args=[callback.ticket_id]) + "#callbacks"
    if not form.is_valid():
        messages.error(request, " ".join(str(m) for errors in form.errors.values() for m in errors))
        return redirect(_safe_next(request, default))
    try:
        services.record_callback(callback=callback, actor=request.user, **form.cleaned_data)
    except (DomainError, ValidationError) as error:
        messages.error(request, _error_text(error))
    else:
        messages.success(request, _("Callback recorded for %(number)s.") % {"number": callback.ticket.number})
    return redirect(_safe_next(request, default))


@desk_page("tickets.review_callback")
@require_GET
def callback_review_list(request: HttpRequest) -> HttpResponse:
    reviews = selectors.reviews_for_list(user=request.user)
    if request.GET.get("done") != "1":
        reviews = reviews.filter(reviewed_at__isnull=True)
    page = paginate_light(request, reviews, per_page=PAGE_SIZE)
    return render(
        request,
        "tickets/callback_review_list.html",
        {
            "page": page,
            "form": ReviewForm(),
            "querystring": querystring(request),
            "show_done": request.GET.get("done") == "1",
        },
    )


@desk_page("tickets.review_callback")
@require_POST
def callback_review_record(request: HttpRequest, pk: int) -> HttpResponse:
    review = CallbackReview.objects.visible_to(request.user).filter(pk=pk).first()
    if review is None:
        raise Http404(_("No such re-check."))
    form = ReviewForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(str(m) for errors in form.errors.values() for m in errors))
    else:
        try:
            services.record_callback_review(review=review, actor=request.user, **form.cleaned_data)
        except (DomainError, ValidationError) as error:
            messages.error(request, _error_text(error))
        else:
            messages.success(request, _("Re-check recorded."))
    return redirect("tickets:callback_reviews")


# --- KPIs --------------------------------------------------------------------------------------


@desk_page("tickets.view_ticket_metrics")
@require_GET
def ticket_metrics_page(request: HttpRequest) -> HttpResponse:
    today = timezone.localdate()
    initial = {"month": month_start(today)}
    form = MetricsForm(request.GET or None, initial=initial, user=request.user)
    metrics = None
    if not request.GET:
        estate = form.fields["estate"].queryset.first()
        if estate is not None:
            form = MetricsForm({"estate": estate.pk, "month": f"{today:%Y-%m}"}, user=request.user)
    kinds = statuses = []
    breakdowns = []
    computed_at = None
    if form.is_bound and form.is_valid():
        estate, month = form.cleaned_data["estate"], form.cleaned_data["month"]
        stored = services.monthly_ticket_metrics(estate=estate, month=month)
        metrics, computed_at = stored.metrics, stored.computed_at
        kinds = [(Ticket.Kind(k).label, n) for k, n in sorted(metrics.counts_by_kind.items())]
        statuses = [(Ticket.Status(k).label, n) for k, n in sorted(metrics.counts_by_status.items())]
        breakdowns = [
            (title, services.monthly_ticket_metrics(estate=estate, month=month, by=by).rows)
            for by, title in (
                ("team", gettext_lazy("By team")),
                ("assignee", gettext_lazy("By staff member")),
                ("zone", gettext_lazy("By zone")),
            )
        ]
    return render(
        request,
        "tickets/metrics.html",
        {
            "form": form,
            "metrics": metrics,
            "computed_at": computed_at,
            "kinds": kinds,
            "statuses": statuses,
            "breakdowns": breakdowns,
        },
    )


# --- portal (residents) ------------------------------------------------------------------------


@portal_page
@require_GET
def portal_ticket_list(request: HttpRequest) -> HttpResponse:
    tickets = (
        Ticket.objects.visible_to(request.user).select_related("category", "unit").order_by("-created_at")
    )
    page = paginate_light(request, tickets, per_page=20, count=False)
    return render(request, "portal/tickets_list.html", {"page": page})


@portal_page
@require_http_methods(["GET", "POST"])
def portal_ticket_create(request: HttpRequest) -> HttpResponse:
    form = PortalTicketForm(request.POST or None, request.FILES or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            ticket = services.register_ticket(
                actor=request.user,
                kind=data["kind"],
                channel=Ticket.Channel.PORTAL,
                category=data["category"],
                description=data["description"],
                unit=data["unit"],
                location=data["location"],
                attachments=data["photos"] or [],
                idempotency_key=data["idempotency_key"],
            )
        except ValidationError as error:
            form.apply_service_error(error)
        except services.IdempotencyConflict:
            form.add_error(None, _RESENT_WITH_CHANGES)
        except DomainError as error:
            form.add_error(None, error.message)
        else:
            if ticket.is_replay:
                messages.info(
                    request,
                    _("Your request %(number)s had already been received.") % {"number": ticket.number},
                )
            else:
                messages.success(
                    request,
                    _("Thank you. Your request %(number)s has been received.") % {"number": ticket.number},
                )
            return redirect("portal:ticket_detail", pk=ticket.pk)
    if not form.fields["unit"].queryset.exists():
        messages.warning(
            request, _("No unit is linked to your account yet. Please contact the service centre.")
        )
    return render(request, "portal/tickets_form.html", {"form": form}, status=400 if form.errors else 200)


@portal_page
@require_GET
def portal_ticket_detail(request: HttpRequest, pk: int) -> HttpResponse:
    ticket = _ticket_or_404(request, pk)
    return _render_portal_detail(request, ticket)


def _render_portal_detail(
    request: HttpRequest, ticket: Ticket, *, status: int = 200, **forms
) -> HttpResponse:
    own = ticket.reporter_id is not None and ticket.reporter.user_id == request.user.pk
    callbacks = [c for c in ticket.callbacks.all() if c.status == Callback.Status.COMPLETED]
    return render(
        request,
        "portal/tickets_detail.html",
        {
            "ticket": ticket,
            "events": list(ticket.events.all()),
            "attachments": list(ticket.attachments.all()),
            "rating": callbacks[-1] if callbacks else None,
            "rate_form": forms.get("rate_form") or RateForm()
            if own and ticket.status == Ticket.Status.RESOLVED
            else None,
            "comment_form": forms.get("comment_form") or PortalCommentForm(),
            "can_comment": ticket.status not in (Ticket.Status.CLOSED, Ticket.Status.CANCELLED),
        },
        status=status,
    )


@portal_page
@require_POST
def portal_ticket_rate(request: HttpRequest, pk: int) -> HttpResponse:
    ticket = _ticket_or_404(request, pk)
    if ticket.reporter_id is None or ticket.reporter.user_id != request.user.pk:
        raise PermissionDenied
    form = RateForm(request.POST)
    if form.is_valid():
        try:
            services.rate_ticket(ticket=ticket, actor=request.user, **form.cleaned_data)
        except ValidationError as error:
            form.apply_service_error(error)
        except DomainError as error:
            messages.error(request, error.message)
            return redirect("portal:ticket_detail", pk=pk)
        else:
            messages.success(request, _("Thank you for your feedback."))
            return redirect("portal:ticket_detail", pk=pk)
    return _render_portal_detail(request, ticket, rate_form=form, status=400)


@portal_page
@require_POST
def portal_ticket_comment(request: HttpRequest, pk: int) -> HttpResponse:
    ticket = _plain_ticket_or_404(request, pk)
    form = PortalCommentForm(request.POST)
    if form.is_valid():
        try:
            services.add_comment(
                ticket=ticket, actor=request.user, body=form.cleaned_data["body"], is_public=True
            )
        except (DomainError, ValidationError) as error:
            messages.error(request, _error_text(error))
        return redirect("portal:ticket_detail", pk=pk)
    return _render_portal_detail(request, _ticket_or_404(request, pk), comment_form=form, status=400)


@portal_page
@require_GET
def portal_attachment_download(request: HttpRequest, pk: int, attachment_pk: int) -> HttpResponse:
    return _serve_attachment(request, pk, attachment_pk)
