"""Staff pages of the resident and unit archive (业主档案). Views parse input, call one service,
and respond; every object is fetched through `visible_to(request.user)` so out-of-scope ones 404."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from residents import selectors, services
from residents.filters import AccessLogFilter, PersonFilter, UnitFilter
from residents.forms import (
    DocumentUploadForm,
    EndOccupancyForm,
    ExistingOccupantForm,
    OccupancyTermsForm,
    PersonCreateForm,
    PersonEditForm,
    RevealForm,
    VerifyIdForm,
)
from residents.models import (
    ArchiveDocument,
    Building,
    Occupancy,
    Person,
    SensitiveAccessLog,
    Unit,
    resident_unit_ids,
)
from residents.selectors import estates_visible_to
from residents.views_passes import with_state
from servicecenter.desk import desk_page, querystring
from servicecenter.exceptions import DomainError
from servicecenter.net import client_ip
from servicecenter.paging import paginate, paginate_light
from servicecenter.panels import render_unit_panels
from servicecenter.portal import portal_page
from servicecenter.uploads import serve_private_file
from servicecenter.validators import parse_id

PAGE_SIZE = 25
PICK_LIMIT = 20


def _int_param(request: HttpRequest, name: str, source=None) -> int | None:
    value = (source if source is not None else request.GET).get(name, "")
    return parse_id(value)


def _unit_or_404(request: HttpRequest, pk: int) -> Unit:
    try:
        return selectors.unit_for_page(user=request.user, pk=pk)
    except Unit.DoesNotExist:
        raise Http404(_("No such unit.")) from None


def _person_or_404(request: HttpRequest, pk: int) -> Person:
    try:
        return selectors.person_for_page(user=request.user, pk=pk)
    except Person.DoesNotExist:
        raise Http404(_("No such person.")) from None


# --- Units -------------------------------------------------------------------------------------


@desk_page("residents.view_unit")
@require_GET
def unit_list(request: HttpRequest) -> HttpResponse:
    estates = list(estates_visible_to(request.user).order_by("code"))
    filterset = UnitFilter(request.GET, queryset=selectors.units_for_desk_list(user=request.user))
    # A company user sees 50k units: counting them all cost more than the page (issue #16).
    page = paginate_light(request, filterset.qs, per_page=PAGE_SIZE)
    # Buildings are listed for one estate at a time: the chosen one, or the user's only one.
    estate_id = _int_param(request, "estate") or (estates[0].pk if len(estates) == 1 else None)
    buildings = (
        list(Building.objects.visible_to(request.user).filter(estate_id=estate_id).order_by("code"))
        if estate_id
        else []
    )
    return render(
        request,
        "residents/unit_list.html",
        {
            "page": page,
            "filter": filterset.form,
            "estates": estates,
            "buildings": buildings,
            "states": Unit.State.choices,
            "uses": Unit.Use.choices,
            "querystring": querystring(request),
        },
    )


@desk_page("residents.view_unit")
@require_GET
def unit_detail(request: HttpRequest, pk: int) -> HttpResponse:
    unit = _unit_or_404(request, pk)
    current, ended = selectors.split_occupancies(unit.occupancies.all(), today=timezone.localdate())
    now = timezone.now()
    unit_passes = (
        [with_state(p, now) for p in selectors.passes_for_unit(user=request.user, unit=unit)]
        if request.user.has_perm("residents.view_pass")
        else None
    )
    return render(
        request,
        "residents/unit_detail.html",
        {
            "unit": unit,
            "current_occupancies": current,
            "ended_occupancies": ended,
            "payer": selectors.pick_payer(o for o in current if o.is_current),
            "documents": unit.documents.all(),
            "today": timezone.localdate(),
            "upload_form": DocumentUploadForm(),
            "unit_passes": unit_passes,
            "panels": render_unit_panels(request, unit),
        },
    )


# --- Occupancies -------------------------------------------------------------------------------


@desk_page("residents.add_occupancy")
@require_http_methods(["GET", "POST"])
def occupancy_add(request: HttpRequest, pk: int) -> HttpResponse:
    """Link a person to a unit: pick one already in the estate's archive, or register a new one."""
    unit = _unit_or_404(request, pk)
    candidates = Person.objects.visible_to(request.user).filter(estate_id=unit.estate_id)
    query = request.GET.get("q", "").strip()
    mode = request.POST.get("mode", "existing")
    if mode == "new" and not request.user.has_perm("residents.add_person"):
        raise PermissionDenied
    data = request.POST if request.method == "POST" else None
    existing_form = ExistingOccupantForm(data if mode == "existing" else None, persons=candidates)
    terms_form = OccupancyTermsForm(data if mode == "new" else None, prefix="new")
    new_person_form = PersonCreateForm(
        data if mode == "new" else None, prefix="new", fixed_estate=unit.estate
    )

    if request.method == "POST":
        try:
            if mode == "existing" and existing_form.is_valid():
                values = existing_form.cleaned_data
                services.add_occupancy(
                    actor=request.user,
                    unit=unit,
                    person=values["person"],
                    role=values["role"],
                    start_date=values["start_date"],
                )
                messages.success(
                    request, _("%(name)s was added to the unit.") % {"name": values["person"].name}
                )
                return redirect("residents:unit_detail", pk=unit.pk)
            if mode == "new" and terms_form.is_valid() and new_person_form.is_valid():
                person = services.create_person_with_occupancy(
                    actor=request.user,
                    unit=unit,
                    role=terms_form.cleaned_data["role"],
                    start_date=terms_form.cleaned_data["start_date"],
                    **new_person_form.service_values(),
                )
                messages.success(
                    request, _("%(name)s was registered and added to the unit.") % {"name": person.name}
                )
                return redirect("residents:unit_detail", pk=unit.pk)
        except ValidationError as error:
            new_person_form.apply_service_error(error)
        except DomainError as error:
            (existing_form if mode == "existing" else new_person_form).add_error(None, error.message)

    picked = (
        selectors.persons_to_pick(user=request.user, estate_id=unit.estate_id, query=query, limit=PICK_LIMIT)
        if query
        else None
    )
    return render(
        request,
        "residents/occupancy_add.html",
        {
            "unit": unit,
            "pick_query": query,
            "candidates": picked,
            "pick_limit": PICK_LIMIT,
            "mode": mode,
            "existing_form": existing_form,
            "terms_form": terms_form,
            "new_person_form": new_person_form,
        },
    )


@desk_page("residents.change_occupancy")
@require_POST
def occupancy_end(request: HttpRequest, pk: int) -> HttpResponse:
    occupancy = get_object_or_404(Occupancy.objects.visible_to(request.user).select_related("person"), pk=pk)
    form = EndOccupancyForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Enter a valid end date."))
    else:
        try:
            services.end_occupancy(
                actor=request.user, occupancy=occupancy, end_date=form.cleaned_data["end_date"]
            )
        except DomainError as error:
            messages.error(request, error.message)
        else:
            messages.success(
                request, _("%(name)s is no longer linked to the unit.") % {"name": occupancy.person.name}
            )
    return redirect("residents:unit_detail", pk=occupancy.unit_id)


# --- People ------------------------------------------------------------------------------------


@desk_page("residents.view_person")
@require_GET
def person_list(request: HttpRequest) -> HttpResponse:
    estates = list(estates_visible_to(request.user).order_by("code"))
    filterset = PersonFilter(request.GET, queryset=selectors.persons_for_desk_list(user=request.user))
    page = paginate(request, filterset.qs, per_page=PAGE_SIZE)
    return render(
        request,
        "residents/person_list.html",
        {
            "page": page,
            "filter": filterset.form,
            "estates": estates,
            "querystring": querystring(request),
        },
    )


def _render_person(request: HttpRequest, person: Person, *, status: int = 200, **extra) -> HttpResponse:
    context = {
        "person": person,
        "occupancies": person.occupancies.all(),
        "documents": person.documents.all(),
        "today": timezone.localdate(),
        "reveal_form": RevealForm(),
        "verify_form": VerifyIdForm(),
        "upload_form": DocumentUploadForm(),
        "revealed": None,
        "verify_result": None,
        "verify_error": None,
        **extra,
    }
    return render(request, "residents/person_detail.html", context, status=status)


@desk_page("residents.view_person")
@require_GET
def person_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _render_person(request, _person_or_404(request, pk))


@desk_page("residents.add_person")
@require_http_methods(["GET", "POST"])
def person_create(request: HttpRequest) -> HttpResponse:
    """Register a person; with ?unit=<pk>&role=owner they are linked to that unit in the same step."""
    unit_id = _int_param(request, "unit")
    unit = _unit_or_404(request, unit_id) if unit_id else None
    role = request.GET.get("role") or Occupancy.Role.OWNER
    if role not in Occupancy.Role.values:
        role = Occupancy.Role.OWNER
    estates = estates_visible_to(request.user).order_by("code")
    form = PersonCreateForm(request.POST or None, estates=estates, fixed_estate=unit.estate if unit else None)
    if request.method == "POST" and form.is_valid():
        try:
            person = services.create_person_with_occupancy(
                actor=request.user, unit=unit, role=role, **form.service_values()
            )
        except ValidationError as error:
            form.apply_service_error(error)
        except DomainError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, _("%(name)s was added to the archive.") % {"name": person.name})
            if unit is not None:
                return redirect("residents:unit_detail", pk=unit.pk)
            return redirect("residents:person_detail", pk=person.pk)
    return render(
        request,
        "residents/person_form.html",
        {"form": form, "unit": unit, "role_label": Occupancy.Role(role).label, "person": None},
    )


@desk_page("residents.change_person")
@require_http_methods(["GET", "POST"])
def person_edit(request: HttpRequest, pk: int) -> HttpResponse:
    person = _person_or_404(request, pk)
    form = PersonEditForm(request.POST or None, person=person)
    if request.method == "POST" and form.is_valid():
        try:
            services.update_person(actor=request.user, person=person, **form.service_values())
        except ValidationError as error:
            form.apply_service_error(error)
        else:
            messages.success(request, _("The changes were saved."))
            return redirect("residents:person_detail", pk=person.pk)
        # The failed save may have changed the instance in memory; show the stored state again.
        person.refresh_from_db()
    return render(request, "residents/person_form.html", {"form": form, "person": person, "unit": None})


@desk_page("residents.view_sensitive")
@require_POST
@never_cache
def person_reveal(request: HttpRequest, pk: int) -> HttpResponse:
    """Show the full numbers in this response only; the service writes the access log."""
    person = _person_or_404(request, pk)
    form = RevealForm(request.POST)
    if not form.is_valid():
        return _render_person(request, person, reveal_form=form)
    try:
        revealed = services.reveal_person(
            actor=request.user,
            person=person,
            reason=form.cleaned_data["reason"],
            ip_address=client_ip(request),
        )
    except ValidationError as error:
        form.add_error("reason", error.message_dict.get("reason", error.messages))
        return _render_person(request, person, reveal_form=form)
    return _render_person(request, person, revealed=revealed)


@desk_page("residents.verify_id_number")
@require_POST
@never_cache
def person_verify_id(request: HttpRequest, pk: int) -> HttpResponse:
    """Does the presented card match the archive? Answers yes or no; the stored number never leaves."""
    person = _person_or_404(request, pk)
    form = VerifyIdForm(request.POST)
    if not form.is_valid():
        return _render_person(request, person, verify_form=form)
    try:
        matched = services.verify_person_id_number(
            actor=request.user,
            person=person,
            presented=form.cleaned_data["presented"],
            ip_address=client_ip(request),
        )
    except (services.RateLimited, services.CheckUnavailable) as error:
        return _render_person(request, person, verify_error=error.message, status=error.status_code)
    return _render_person(request, person, verify_result=matched)


# --- Documents ---------------------------------------------------------------------------------


@desk_page("residents.add_archivedocument")
@require_http_methods(["GET", "POST"])
def document_upload(request: HttpRequest) -> HttpResponse:
    """Upload a document to a unit (?unit=<pk>) or a person (?person=<pk>)."""
    source = request.POST if request.method == "POST" else request.GET
    unit_id, person_id = _int_param(request, "unit", source), _int_param(request, "person", source)
    unit = get_object_or_404(Unit.objects.visible_to(request.user), pk=unit_id) if unit_id else None
    person = get_object_or_404(Person.objects.visible_to(request.user), pk=person_id) if person_id else None
    if unit is None and person is None:
        raise Http404(_("Choose the unit or the person the document belongs to."))
    form = DocumentUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.upload_document(
                actor=request.user,
                uploaded=form.cleaned_data["file"],
                title=form.cleaned_data["title"],
                kind=form.cleaned_data["kind"],
                unit=unit,
                person=person,
            )
        except ValidationError as error:
            form.add_error("file", error.messages)
        except DomainError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, _("The document was uploaded."))
            if unit is not None:
                return redirect("residents:unit_detail", pk=unit.pk)
            return redirect("residents:person_detail", pk=person.pk)
    return render(
        request,
        "residents/document_upload.html",
        {"form": form, "unit": unit, "person": person},
    )


@desk_page("residents.view_archivedocument")
@require_GET
def document_download(request: HttpRequest, pk: int) -> HttpResponse:
    document = get_object_or_404(ArchiveDocument.objects.visible_to(request.user), pk=pk)
    return serve_private_file(
        document.file, content_type=document.content_type, download_name=document.original_name
    )


# --- Access log --------------------------------------------------------------------------------


@desk_page("residents.view_sensitiveaccesslog")
@require_GET
def access_log(request: HttpRequest) -> HttpResponse:
    filterset = AccessLogFilter(request.GET, queryset=selectors.access_log_for_list(user=request.user))
    page = paginate(request, filterset.qs, per_page=PAGE_SIZE)
    return render(
        request,
        "residents/access_log.html",
        {
            "page": page,
            "filter": filterset.form,
            "actions": SensitiveAccessLog.Action.choices,
            "purposes": SensitiveAccessLog.Purpose.choices,
            "querystring": querystring(request),
        },
    )


# --- Household: who pays the bills and who sees them ---------------------------------------------


def _visibility_choice(request: HttpRequest) -> bool | None:
    value = request.POST.get("visible", "")
    return {"1": True, "0": False}.get(value)


def _change_household(request: HttpRequest, occupancy: Occupancy, change: str) -> None:
    """Run one household change from a form post; refusals become messages."""
    try:
        if change == "payer":
            services.set_payer(actor=request.user, unit=occupancy.unit, occupancy=occupancy)
            messages.success(request, _("%(name)s now pays the bills.") % {"name": occupancy.person.name})
            return
        visible = _visibility_choice(request)
        if visible is None:
            messages.error(request, _("Choose whether this person sees the bills."))
            return
        services.set_bill_visibility(actor=request.user, occupancy=occupancy, visible=visible)
        text = _("%(name)s now sees the bills.") if visible else _("%(name)s no longer sees the bills.")
        messages.success(request, text % {"name": occupancy.person.name})
    except DomainError as error:
        messages.error(request, error.message)


@desk_page("residents.change_occupancy")
@require_POST
def occupancy_payer(request: HttpRequest, pk: int) -> HttpResponse:
    occupancy = get_object_or_404(
        Occupancy.objects.visible_to(request.user).select_related("person", "unit"), pk=pk
    )
    _change_household(request, occupancy, "payer")
    return redirect("residents:unit_detail", pk=occupancy.unit_id)


@desk_page("residents.change_occupancy")
@require_POST
def occupancy_bills(request: HttpRequest, pk: int) -> HttpResponse:
    occupancy = get_object_or_404(
        Occupancy.objects.visible_to(request.user).select_related("person", "unit"), pk=pk
    )
    _change_household(request, occupancy, "bills")
    return redirect("residents:unit_detail", pk=occupancy.unit_id)


@portal_page
@require_GET
def portal_household(request: HttpRequest) -> HttpResponse:
    from residents.views_household import portal_request_form

    households = selectors.household_for_portal(user=request.user)
    return render(
        request,
        "portal/residents_household.html",
        {
            "households": households,
            "requests_by_unit": selectors.household_requests_for_portal(user=request.user),
            "request_form": portal_request_form(),
        },
    )


def _portal_occupancy_or_404(request: HttpRequest, pk: int) -> Occupancy:
    # Any current occupant of one of the person's units: the service then refuses (403) anyone
    # but an owner or co-owner, so a tenant learns nothing they could not see on the page.
    return get_object_or_404(
        Occupancy.objects.current()
        .filter(unit__in=resident_unit_ids(request.user))
        .select_related("person", "unit"),
        pk=pk,
    )


@portal_page
@require_POST
def portal_household_payer(request: HttpRequest, pk: int) -> HttpResponse:
    _change_household(request, _portal_occupancy_or_404(request, pk), "payer")
    return redirect("portal:household")


@portal_page
@require_POST
def portal_household_bills(request: HttpRequest, pk: int) -> HttpResponse:
    _change_household(request, _portal_occupancy_or_404(request, pk), "bills")
    return redirect("portal:household")
