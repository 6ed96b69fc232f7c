"""Community-event pages: the desk's list with head counts, form and detail with the sign-up list;
the portal's events, one event with the household's sign-ups, sign up and cancel."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from relations.models import CommunityEvent
from relations.notice_forms import EventFilterForm, EventForm, NoteForm, PersonForm
from relations.selectors import events as selectors
from relations.services import events as services
from relations.views.notices import form_errors
from relations.workflows import COMMUNITY_EVENT
from servicecenter.desk import desk_page, querystring
from servicecenter.exceptions import DomainError
from servicecenter.paging import paginate_light
from servicecenter.portal import portal_page

PAGE_SIZE = 25
VIEW = "relations.view_communityevent"


@desk_page(VIEW)
@require_GET
def event_list(request: HttpRequest) -> HttpResponse:
    form = EventFilterForm(request.GET, user=request.user)
    errors = []
    if form.is_valid():
        data = form.cleaned_data
        filters = selectors.EventFilters(
            status=data["status"],
            estate=data["estate"].pk if data["estate"] else None,
            upcoming_only=data["upcoming"],
            q=data["q"].strip(),
        )
        rows = selectors.events_for_desk_list(user=request.user, filters=filters, now=timezone.now())
    else:
        errors = [form_errors(form)]
        rows = CommunityEvent.objects.none()
    page = paginate_light(request, rows, per_page=PAGE_SIZE)
    return render(
        request,
        "relations/notices/event_list.html",
        {"page": page, "form": form, "errors": errors, "querystring": querystring(request)},
        status=200 if not errors else 400,
    )


def _form_page(request: HttpRequest, event: CommunityEvent | None) -> HttpResponse:
    posted = request.method == "POST"
    initial = {}
    if event is not None:
        initial = {
            "estate": event.estate,
            "buildings": list(event.buildings.all()),
            **{name: getattr(event, name) for name in ("title", "description", "place", "capacity")},
            **{
                name: timezone.localtime(getattr(event, name))
                for name in ("starts_at", "ends_at", "signup_deadline")
            },
        }
    form = EventForm(request.POST if posted else None, user=request.user, initial=initial)
    if event is not None:
        form.fields["estate"].disabled = True
    if posted and form.is_valid():
        data = dict(form.cleaned_data)
        estate = data.pop("estate")
        try:
            if event is None:
                saved = services.create_event(actor=request.user, estate=estate, **data)
            else:
                saved = services.update_event(event=event, actor=request.user, **data)
        except DomainError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, _("Event saved."))
            return redirect("relations:event_detail", pk=saved.pk)
    return render(
        request,
        "relations/notices/event_form.html",
        {"form": form, "event": event},
        status=400 if posted else 200,
    )


@desk_page("relations.add_communityevent")
@require_http_methods(["GET", "POST"])
def event_create(request: HttpRequest) -> HttpResponse:
    return _form_page(request, None)


@desk_page("relations.change_communityevent")
@require_http_methods(["GET", "POST"])
def event_edit(request: HttpRequest, pk: int) -> HttpResponse:
    return _form_page(request, selectors.event_for_page(user=request.user, pk=pk))


@desk_page(VIEW)
@require_GET
def event_detail(request: HttpRequest, pk: int) -> HttpResponse:
    event = selectors.event_for_page(user=request.user, pk=pk)
    return render(
        request,
        "relations/notices/event_detail.html",
        {
            "event": event,
            "signups": list(selectors.signups_of_event(event)),
            "actions": COMMUNITY_EVENT.available(event, request.user),
            "may_edit": request.user.has_perm("relations.change_communityevent")
            and event.status != CommunityEvent.Status.CANCELLED,
        },
    )


def _act(request: HttpRequest, pk: int, action: str, service) -> HttpResponse:
    event = selectors.event_for_page(user=request.user, pk=pk)
    form = NoteForm(request.POST)
    if not form.is_valid():
        messages.error(request, form_errors(form))
    else:
        try:
            service(event=event, actor=request.user, note=form.cleaned_data["note"])
        except DomainError as error:
            messages.error(request, error.message)
        else:
            messages.success(
                request, _("Done: %(action)s.") % {"action": COMMUNITY_EVENT.action(action).label}
            )
    return redirect("relations:event_detail", pk=pk)


@desk_page("relations.publish_communityevent")
@require_POST
def event_publish(request: HttpRequest, pk: int) -> HttpResponse:
    return _act(request, pk, "publish", services.publish_event)


@desk_page("relations.publish_communityevent")
@require_POST
def event_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    return _act(request, pk, "cancel", services.cancel_event)


# --- the resident portal ------------------------------------------------------------------------


@portal_page
@require_GET
def portal_event_list(request: HttpRequest) -> HttpResponse:
    page = paginate_light(request, selectors.events_for_resident(user=request.user), per_page=20, count=False)
    return render(request, "relations/notices/portal_event_list.html", {"page": page, "now": timezone.now()})


@portal_page
@require_GET
def portal_event_detail(request: HttpRequest, pk: int) -> HttpResponse:
    event = selectors.event_for_page(user=request.user, pk=pk)
    now = timezone.now()
    today = timezone.localdate(now)
    signed = selectors.household_signups(event, user=request.user, today=today)
    signed_ids = {s.person_id for s in signed}
    members = [p for p in selectors.household_members(request.user, today=today) if p.pk not in signed_ids]
    return render(
        request,
        "relations/notices/portal_event_detail.html",
        {
            "event": event,
            "signed": signed,
            "members": members,
            "is_open": event.signups_open(now),
            "places_left": max(event.capacity - event.head_count, 0),
        },
    )


def _household_member(request: HttpRequest):
    """The household member named in the form; None (with a message) when no one is named, a 404
    for anyone outside the household."""
    form = PersonForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose who to sign up."))
        return None
    today = timezone.localdate()
    person = (
        selectors.household_members(request.user, today=today).filter(pk=form.cleaned_data["person"]).first()
    )
    if person is None:
        raise Http404(_("No such person."))
    return person


@portal_page
@require_POST
def portal_event_signup(request: HttpRequest, pk: int) -> HttpResponse:
    event = selectors.event_for_page(user=request.user, pk=pk)
    person = _household_member(request)
    if person is None:
        return redirect("portal:event_detail", pk=pk)
    try:
        services.sign_up(event=event, person=person, user=request.user)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("%(name)s is signed up.") % {"name": person.name})
    return redirect("portal:event_detail", pk=pk)


@portal_page
@require_POST
def portal_event_signup_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    event = selectors.event_for_page(user=request.user, pk=pk)
    person = _household_member(request)
    if person is None:
        return redirect("portal:event_detail", pk=pk)
    try:
        services.cancel_signup(event=event, person=person, user=request.user)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("%(name)s is no longer signed up.") % {"name": person.name})
    return redirect("portal:event_detail", pk=pk)
