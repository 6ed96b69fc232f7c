"""Desk forms for renovations, patrols and violations. They parse input and scope every choice to
what the user may see; the services in `renovations.services` decide the rules."""

from __future__ import annotations

import uuid

from django import forms
from django.core.exceptions import ValidationError
from django.forms import formset_factory
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from billing.models import PaymentMethod
from renovations.models import (
    Patrol,
    Renovation,
    RenovationDocument,
    ScopeItem,
    Violation,
)
from residents.models import Estate, Occupancy, Person, Unit
from servicecenter.forms import MoneyFormField, MonthFormField, ReasonableDateFormField
from servicecenter.validators import (
    normalize_id_number,
    normalize_mobile,
    validate_id_number,
    validate_mobile,
)

MAX_FILES = 10
WORKER_ROWS = 3  # empty worker rows shown at first; "more rows" adds as many again


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one input; each is checked (type by content, size) by the service."""

    def __init__(self, *args, accept: str = "image/*,application/pdf", **kwargs):
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": accept}))
        kwargs.setdefault("required", False)
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        files = data if isinstance(data, list | tuple) else ([data] if data else [])
        if len(files) > MAX_FILES:
            raise ValidationError(_("At most %(n)s files at a time.") % {"n": MAX_FILES})
        return [super(MultipleFileField, self).clean(f, initial) for f in files]


class IdempotentForm(forms.Form):
    """Carries a hidden key made when the form is first shown: a double click or a resent form
    registers once (the service gives the first result back). Shown again with errors, the form
    keeps its key."""

    idempotency_key = forms.CharField(widget=forms.HiddenInput, max_length=64, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial["idempotency_key"] = uuid.uuid4().hex

    def clean_idempotency_key(self) -> str:
        return self.cleaned_data.get("idempotency_key") or uuid.uuid4().hex


def _yes_no_all():
    return [("", _("All")), ("yes", _("Regular")), ("no", _("Non-regular"))]


def _person_label(person: Person) -> str:
    return f"{person.name} · {person.mobile_masked}" if person.mobile else person.name


# --- the list -----------------------------------------------------------------------------------


class RenovationFilterForm(forms.Form):
    view = forms.CharField(required=False)
    status = forms.ChoiceField(
        label=_("Status"), required=False, choices=[("", _("All")), *Renovation.Status.choices]
    )
    estate = forms.ModelChoiceField(
        label=_("Estate"), queryset=Estate.objects.none(), required=False, empty_label=_("All")
    )
    building = forms.ChoiceField(label=_("Building"), required=False)
    regular = forms.ChoiceField(label=_("Classification"), required=False, choices=_yes_no_all)
    q = forms.CharField(label=_("Number or unit"), required=False, max_length=50)

    def __init__(self, *args, user, buildings, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["estate"].queryset = Estate.objects.visible_to(user).order_by("code")
        self.fields["building"].choices = [("", _("All")), *[(str(b.pk), str(b)) for b in buildings]]

    def clean_building(self) -> int | None:
        value = self.cleaned_data.get("building")
        return int(value) if value else None

    def clean_regular(self) -> bool | None:
        return {"yes": True, "no": False}.get(self.cleaned_data.get("regular") or "")


# --- the application ----------------------------------------------------------------------------


class UnitPickForm(forms.Form):
    """Step one of the application: the unit by its code (3-2-1101), within the user's estates."""

    estate = forms.ModelChoiceField(label=_("Estate"), queryset=Estate.objects.none(), required=False)
    unit_code = forms.CharField(
        label=_("Unit"),
        max_length=50,
        widget=forms.TextInput(attrs={"placeholder": _("Unit code, e.g. 3-2-1101"), "autocomplete": "off"}),
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.fields["estate"].queryset = Estate.objects.visible_to(user).order_by("code")

    def clean(self):
        data = super().clean()
        code = (data.get("unit_code") or "").strip()
        if not code:
            return data
        units = Unit.objects.visible_to(self.user).select_related("estate").filter(code=code)
        if data.get("estate"):
            units = units.filter(estate=data["estate"])
        found = list(units[:2])
        if not found:
            raise ValidationError({"unit_code": _("No unit with this code in your estates.")})
        if len(found) > 1:
            raise ValidationError({"estate": _("Several estates have this unit code: choose the estate.")})
        data["unit"] = found[0]
        return data


class RenovationCreateForm(IdempotentForm):
    unit = forms.IntegerField(widget=forms.HiddenInput)
    owner = forms.ModelChoiceField(label=_("Owner"), queryset=Person.objects.none(), empty_label=None)
    contractor_company = forms.CharField(label=_("Contractor"), max_length=150)
    contractor_licence = forms.CharField(label=_("Contractor's licence number"), max_length=50)
    contractor_contact = forms.CharField(label=_("Contractor's contact person"), max_length=100)
    contractor_phone = forms.CharField(
        label=_("Contractor's phone"),
        max_length=20,
        widget=forms.TextInput(attrs={"type": "tel", "inputmode": "tel", "autocomplete": "off"}),
    )
    scope_items = forms.ModelMultipleChoiceField(
        label=_("Scope of works"), queryset=ScopeItem.objects.none(), widget=forms.CheckboxSelectMultiple
    )
    planned_start = ReasonableDateFormField(
        label=_("Planned start"), widget=forms.DateInput(attrs={"type": "date"})
    )
    planned_end = ReasonableDateFormField(
        label=_("Planned end"), widget=forms.DateInput(attrs={"type": "date"})
    )
    description = forms.CharField(
        label=_("Description of the works"),
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    plans = MultipleFileField(label=_("Plans"))
    photos = MultipleFileField(label=_("Photos"), accept="image/*")

    def __init__(self, *args, unit: Unit, **kwargs):
        super().__init__(*args, **kwargs)
        self.unit = unit
        self.initial.setdefault("unit", unit.pk)
        today = timezone.localdate()
        owners = Person.objects.filter(
            occupancies__unit=unit, occupancies__role__in=Occupancy.BILL_ROLES
        ).filter(pk__in=Occupancy.objects.filter(unit=unit).current(today).values("person_id"))
        self.fields["owner"].queryset = owners.distinct().order_by("name", "pk")
        self.fields["owner"].label_from_instance = _person_label
        self.fields["scope_items"].queryset = ScopeItem.objects.filter(
            estate_id=unit.estate_id, is_active=True
        ).order_by("sort_order", "name")
        self.fields["scope_items"].label_from_instance = _scope_label

    def clean_unit(self) -> Unit:
        if self.cleaned_data.get("unit") != self.unit.pk:
            raise ValidationError(_("The unit changed: start the form again."))
        return self.unit

    def clean(self):
        data = super().clean()
        start, end = data.get("planned_start"), data.get("planned_end")
        if start and end and end < start:
            self.add_error("planned_end", _("The planned end is before the planned start."))
        return data

    def documents(self) -> list[tuple[str, object]]:
        data = self.cleaned_data
        return [(RenovationDocument.Kind.PLAN, f) for f in data.get("plans") or []] + [
            (RenovationDocument.Kind.PHOTO, f) for f in data.get("photos") or []
        ]


def _scope_label(item: ScopeItem) -> str:
    return item.name if item.is_regular else f"{item.name} ({_('non-regular')})"


class WorkerForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=100)
    mobile = forms.CharField(
        label=_("Mobile"), max_length=20, widget=forms.TextInput(attrs={"type": "tel", "inputmode": "tel"})
    )
    id_number = forms.CharField(
        label=_("ID number"), max_length=18, widget=forms.TextInput(attrs={"autocomplete": "off"})
    )
    trade = forms.CharField(label=_("Trade"), max_length=50, required=False)

    def clean_mobile(self) -> str:
        value = self.cleaned_data["mobile"]
        validate_mobile(value)
        return normalize_mobile(value)

    def clean_id_number(self) -> str:
        value = self.cleaned_data["id_number"]
        validate_id_number(value)
        return normalize_id_number(value)


WorkerFormSet = formset_factory(WorkerForm, extra=WORKER_ROWS, max_num=50, validate_max=True)


def worker_formset(data=None, *, more: bool = False):
    """The workers' rows. `more`: the same rows as posted plus WORKER_ROWS empty ones (the "more
    rows" button re-renders the form instead of adding rows with script)."""
    if data is not None and more:
        data = data.copy()
        key = "workers-TOTAL_FORMS"
        try:
            total = int(data.get(key, WORKER_ROWS))
        except ValueError:
            total = WORKER_ROWS
        data[key] = str(min(total + WORKER_ROWS, 50))
    return WorkerFormSet(data, prefix="workers")


def workers_of(formset) -> list[dict]:
    return [
        {k: form.cleaned_data.get(k, "") for k in ("name", "mobile", "id_number", "trade")}
        for form in formset.forms
        if form.has_changed() and form.cleaned_data
    ]


# --- actions on the renovation page ---------------------------------------------------------------


class NoteForm(forms.Form):
    note = forms.CharField(
        label=_("Note"), required=False, max_length=4000, widget=forms.Textarea(attrs={"rows": 2})
    )


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))


class FindingsForm(forms.Form):
    findings = forms.CharField(
        label=_("Findings"), required=False, max_length=4000, widget=forms.Textarea(attrs={"rows": 3})
    )


class RequiredFindingsForm(forms.Form):
    findings = forms.CharField(
        label=_("Defects found"), max_length=4000, widget=forms.Textarea(attrs={"rows": 3})
    )


class AgreementForm(forms.Form):
    scanned_copy = forms.FileField(label=_("Scanned signed agreement"))


class MoneyMethodForm(forms.Form):
    """Taking the deposit or posting the refund: how, and the key that makes a resend harmless."""

    method = forms.ChoiceField(
        label=_("Method"), choices=[c for c in PaymentMethod.choices if c[0] != PaymentMethod.PREPAID]
    )
    idempotency_key = forms.CharField(widget=forms.HiddenInput, max_length=64)


class WorkerAddForm(WorkerForm):
    pass


class WorkerRemoveForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=300)


class DocumentForm(forms.Form):
    KINDS = [
        (RenovationDocument.Kind.PLAN, RenovationDocument.Kind.PLAN.label),
        (RenovationDocument.Kind.PHOTO, RenovationDocument.Kind.PHOTO.label),
        (RenovationDocument.Kind.INSPECTION, RenovationDocument.Kind.INSPECTION.label),
        (RenovationDocument.Kind.OTHER, RenovationDocument.Kind.OTHER.label),
    ]
    kind = forms.ChoiceField(label=_("Type"), choices=KINDS)
    files = MultipleFileField(label=_("Files"), required=True)


class DeductionForm(forms.Form):
    amount = MoneyFormField(label=_("Amount"), allow_zero=False)
    reason = forms.CharField(label=_("Reason"), max_length=300)
    violation = forms.ModelChoiceField(
        label=_("Violation"), queryset=Violation.objects.none(), required=False
    )

    def __init__(self, *args, renovation: Renovation, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["violation"].queryset = Violation.objects.filter(renovation=renovation)


# --- patrols and violations ---------------------------------------------------------------------


class ViolationFieldsForm(forms.Form):
    """What a violation records, on its own form and inside a patrol record."""

    kind = forms.ChoiceField(label=_("Type of violation"), choices=Violation.Kind.choices)
    description = forms.CharField(
        label=_("What was found"), max_length=4000, widget=forms.Textarea(attrs={"rows": 3})
    )
    stop_order = forms.BooleanField(label=_("Stop the works (stop order)"), required=False)
    rectify_by = ReasonableDateFormField(
        label=_("Rectify by"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    proposed_deduction = MoneyFormField(label=_("Proposed fine or deduction"), required=False)

    def violation_values(self) -> dict:
        data = self.cleaned_data
        return {
            "kind": data["kind"],
            "description": data["description"],
            "stop_order": data["stop_order"],
            "rectify_by": data.get("rectify_by"),
            "proposed_deduction": data.get("proposed_deduction") or 0,
        }


class PatrolRecordForm(forms.Form):
    result = forms.ChoiceField(
        label=_("Result"),
        choices=[
            (Patrol.Result.OK, Patrol.Result.OK.label),
            (Patrol.Result.VIOLATION, Patrol.Result.VIOLATION.label),
        ],
        widget=forms.RadioSelect,
    )
    findings = forms.CharField(
        label=_("Findings"), required=False, max_length=4000, widget=forms.Textarea(attrs={"rows": 3})
    )
    photos = MultipleFileField(label=_("Photos"), accept="image/*")


class ViolationCreateForm(ViolationFieldsForm):
    """A violation found outside a patrol: on a renovation, or at a unit with no permit at all."""

    renovation = forms.ModelChoiceField(
        label=_("Renovation"),
        queryset=Renovation.objects.none(),
        required=False,
        help_text=_("Empty for works without any permit."),
    )
    unit_code = forms.CharField(
        label=_("Unit"), max_length=50, required=False, help_text=_("For works without a permit.")
    )
    source = forms.ChoiceField(
        label=_("Found by"), choices=Violation.Source.choices, initial=Violation.Source.STAFF
    )
    photos = MultipleFileField(label=_("Photos"), accept="image/*")

    field_order = ["renovation", "unit_code", "kind", "source", "description", "stop_order", "rectify_by"]

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.fields["renovation"].queryset = (
            Renovation.objects.visible_to(user).exclude(status__in=Renovation.FINISHED).select_related("unit")
        )
        self.fields["renovation"].label_from_instance = lambda r: f"{r.number} · {r.unit.code}"

    def clean(self):
        data = super().clean()
        renovation = data.get("renovation")
        code = (data.get("unit_code") or "").strip()
        if renovation is not None:
            data["unit"] = renovation.unit
        elif code:
            unit = Unit.objects.visible_to(self.user).filter(code=code).first()
            if unit is None:
                self.add_error("unit_code", _("No unit with this code in your estates."))
            data["unit"] = unit
        else:
            raise ValidationError(_("Choose the renovation, or give the unit for works without a permit."))
        return data


class RectificationForm(forms.Form):
    rectify_by = ReasonableDateFormField(
        label=_("Rectify by"), widget=forms.DateInput(attrs={"type": "date"})
    )
    stop_order = forms.BooleanField(label=_("Stop the works (stop order)"), required=False)
    note = forms.CharField(label=_("Note"), required=False, max_length=4000)


class EscalationForm(forms.Form):
    enforcement_reference = forms.CharField(label=_("Enforcement office reference"), max_length=100)
    letter = forms.FileField(label=_("Letter to the enforcement office"), required=False)
    note = forms.CharField(label=_("Note"), required=False, max_length=4000)


class RequiredNoteForm(forms.Form):
    note = forms.CharField(label=_("Note"), max_length=4000, widget=forms.Textarea(attrs={"rows": 2}))


class LinkComplaintForm(forms.Form):
    renovation = forms.ModelChoiceField(label=_("Renovation"), queryset=Renovation.objects.none())
    ticket_number = forms.CharField(label=pgettext_lazy("ticket", "Complaint number"), max_length=30)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["renovation"].queryset = (
            Renovation.objects.visible_to(user).filter(status__in=Renovation.ACTIVE).select_related("unit")
        )
        self.fields["renovation"].label_from_instance = lambda r: f"{r.number} · {r.unit.code}"


class ViolationFilterForm(forms.Form):
    status = forms.ChoiceField(
        label=_("Status"), required=False, choices=[("", _("All")), *Violation.Status.choices]
    )
    kind = forms.ChoiceField(
        label=_("Type"), required=False, choices=[("", _("All")), *Violation.Kind.choices]
    )
    overdue = forms.BooleanField(label=_("Overdue only"), required=False)


class MetricsForm(forms.Form):
    estate = forms.ModelChoiceField(label=_("Estate"), queryset=Estate.objects.none(), empty_label=None)
    month = MonthFormField(label=_("Month"), widget=forms.DateInput(attrs={"type": "month"}, format="%Y-%m"))

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["estate"].queryset = Estate.objects.visible_to(user).order_by("code")


class PortalRenovationForm(RenovationCreateForm):
    """The owner's own application from the portal: the same fields as the desk's, without the
    owner to choose (it is the signed-in resident)."""

    def __init__(self, *args, unit: Unit, **kwargs):
        super().__init__(*args, unit=unit, **kwargs)
        del self.fields["owner"]
