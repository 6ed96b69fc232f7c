"""Key custody pages: the list, taking keys in, one custody with a form per action the workflow
offers. Every custody is fetched through `visible_to`, so another estate's is a 404."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from frontdesk import selectors
from frontdesk.forms import HandOutForm, KeyCustodyForm, KeyListFilterForm, ReturnToOwnerForm, TakeBackForm
from frontdesk.log_exports import key_custodies_workbook, xlsx_response
from frontdesk.models import KeyCustody
from frontdesk.services import keys as services
from frontdesk.views._common import PAGE_SIZE, error_text, form_errors, unit_from_query
from frontdesk.workflows import KEY_CUSTODY, MANAGE_KEYS
from residents.models import Occupancy, Person, Unit
from servicecenter.desk import desk_page, querystring
from servicecenter.exceptions import DomainError
from servicecenter.paging import paginate_light

VIEW = "frontdesk.view_keycustody"
ACTION_FORMS = {"hand_out": HandOutForm, "take_back": TakeBackForm, "return_to_owner": ReturnToOwnerForm}


def _filtered_keys(request: HttpRequest) -> tuple[KeyListFilterForm, object, list[str]]:
    data = request.GET.copy()
    data.setdefault("status", "open")
    form = KeyListFilterForm(data)
    if not form.is_valid():
        return form, KeyCustody.objects.none(), [form_errors(form)]
    rows = selectors.key_custodies_for_list(
        user=request.user, status=form.cleaned_data["status"], q=form.cleaned_data["q"]
    )
    return form, rows, []


@desk_page(VIEW)
@require_GET
def key_list(request: HttpRequest) -> HttpResponse:
    form, rows, errors = _filtered_keys(request)
    page = paginate_light(request, rows, per_page=PAGE_SIZE)
    return render(
        request,
        "frontdesk/key_list.html",
        {
            "form": form,
            "page": page,
            "querystring": querystring(request),
            "export_querystring": querystring(request, drop=("page",)),
            "errors": errors,
        },
    )


@desk_page(VIEW)
@require_GET
def key_export(request: HttpRequest) -> HttpResponse:
    """The list as filtered on the page, as an .xlsx workbook."""
    form, rows, errors = _filtered_keys(request)
    if errors:
        return HttpResponse(" ".join(errors), status=400, content_type="text/plain; charset=utf-8")
    return xlsx_response(key_custodies_workbook(rows), "keys")


def _owners(unit: Unit) -> list[Person]:
    return list(
        Person.objects.filter(
            pk__in=Occupancy.objects.current()
            .filter(unit=unit, role__in=Occupancy.BILL_ROLES)
            .values("person_id")
        ).order_by("name", "pk")
    )


@desk_page(MANAGE_KEYS)
@require_http_methods(["GET", "POST"])
def key_create(request: HttpRequest) -> HttpResponse:
    unit, unit_error = unit_from_query(request, Unit.objects.visible_to(request.user))
    owners = _owners(unit) if unit else []
    form = KeyCustodyForm(request.POST or None, owners=owners)
    errors = [unit_error] if unit_error else []
    if request.method == "POST":
        if unit is None:
            raise Http404(_("Choose the unit first."))
        if form.is_valid():
            data = form.cleaned_data
            owner = next(p for p in owners if p.pk == data["owner"])
            try:
                custody = services.register_key_custody(
                    actor=request.user,
                    unit=unit,
                    owner=owner,
                    description=data["description"],
                    quantity=data["quantity"],
                    storage_tag=data["storage_tag"],
                    collectors=[services.CollectorInput(**row) for row in form.collectors()],
                    note=data["note"],
                )
            except DomainError as error:
                errors.append(error_text(error))
            else:
                messages.success(request, _("Keys taken into custody."))
                return redirect("frontdesk:key_detail", pk=custody.pk)
        else:
            errors.append(form_errors(form))
    return render(
        request,
        "frontdesk/key_form.html",
        {"unit": unit, "form": form, "errors": errors, "code": request.GET.get("code", "")},
        status=400 if request.method == "POST" else 200,
    )


@desk_page(VIEW)
@require_GET
def key_detail(request: HttpRequest, pk: int) -> HttpResponse:
    custody = selectors.key_custody_for_page(user=request.user, pk=pk)
    if custody is None:
        raise Http404(_("No such key custody."))
    actions = [
        {"name": a.name, "label": a.label, "form": ACTION_FORMS[a.name]()}
        for a in KEY_CUSTODY.available(custody, request.user)
    ]
    collectors = [c for c in custody.collectors.all() if c.is_active]
    return render(
        request,
        "frontdesk/key_detail.html",
        {
            "c": custody,
            "actions": actions,
            "collectors": collectors,
            "state_labels": KEY_CUSTODY.state_labels,
        },
    )


@desk_page(VIEW)
@require_POST
def key_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    if action not in ACTION_FORMS:
        raise Http404(_("No such action."))
    custody = KeyCustody.objects.visible_to(request.user).filter(pk=pk).first()
    if custody is None:
        raise Http404(_("No such key custody."))
    if not KEY_CUSTODY.may(custody, action, request.user):
        raise PermissionDenied
    form = ACTION_FORMS[action](request.POST)
    back = reverse("frontdesk:key_detail", args=[pk])
    if not form.is_valid():
        messages.error(request, form_errors(form))
        return redirect(back)
    performer = KEY_CUSTODY.action(action).performer()
    try:
        performer(custody=custody, actor=request.user, **form.cleaned_data)
    except (DomainError, PermissionDenied) as error:
        messages.error(request, error_text(error))
    else:
        messages.success(request, _("Done: %(action)s.") % {"action": KEY_CUSTODY.action(action).label})
    return redirect(back)
