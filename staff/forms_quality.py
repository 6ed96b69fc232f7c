"""Forms of quality supervision, CAPA, incidents and drills: they parse input; the rules are in
staff.services_quality and staff.services_incidents."""

from __future__ import annotations

from django import forms
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from residents.models import Estate
from staff.models import IncidentKind, InspectionChecklist, Team

User = get_user_model()

_DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
_DATETIME = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


def _staff_name(user) -> str:
    return user.get_full_name() or user.get_username()


def estates_of(user):
    return Estate.objects.visible_to(user).order_by("code")


def staff_of_estates(estates):
    return (
        User.objects.filter(staff_profile__estates__in=estates, is_active=True)
        .distinct()
        .order_by("last_name", "first_name", "username")
    )


class InspectionFilterForm(forms.Form):
    estate = forms.ModelChoiceField(
        label=_("Estate"), queryset=Estate.objects.none(), required=False, empty_label=_("All")
    )
    team_kind = forms.ChoiceField(label=_("Team kind"), required=False)
    on = forms.DateField(label=_("Date"), required=False, widget=_DATE)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["estate"].queryset = estates_of(user)
        self.fields["team_kind"].choices = [("", _("All")), *Team.Kind.choices]


class ChecklistChoiceForm(forms.Form):
    checklist = forms.ModelChoiceField(label=_("Checklist"), queryset=InspectionChecklist.objects.none())

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["checklist"].queryset = (
            InspectionChecklist.objects.visible_to(user)
            .filter(is_active=True)
            .select_related("estate")
            .order_by("estate__code", "team_kind", "name")
        )
        self.fields["checklist"].label_from_instance = lambda c: f"{c.estate.name} · {c.name}"


RESULT_CHOICES = [("pass", pgettext_lazy("inspection result", "Pass")), ("fail", _("Fail"))]


class InspectionRoundForm(forms.Form):
    """One round against `checklist`: the team, then per item pass / fail, a note and a photo."""

    team = forms.ModelChoiceField(label=_("Team"), queryset=Team.objects.none(), empty_label=None)
    note = forms.CharField(label=_("Note"), widget=forms.Textarea(attrs={"rows": 2}), required=False)

    def __init__(self, *args, checklist: InspectionChecklist, items, **kwargs):
        super().__init__(*args, **kwargs)
        self.checklist = checklist
        self.items = list(items)
        self.fields["team"].queryset = Team.objects.filter(
            estate_id=checklist.estate_id, kind=checklist.team_kind
        ).order_by("name")
        for item in self.items:
            self.fields[f"result_{item.pk}"] = forms.ChoiceField(
                label=item.text, choices=RESULT_CHOICES, widget=forms.RadioSelect, initial="pass"
            )
            self.fields[f"note_{item.pk}"] = forms.CharField(
                label=_("What was wrong"), max_length=4000, required=False
            )
            self.fields[f"photo_{item.pk}"] = forms.FileField(label=_("Photo"), required=False)

    def rows(self):
        """(item, result field, note field, photo field) for the template's table."""
        return [
            (item, self[f"result_{item.pk}"], self[f"note_{item.pk}"], self[f"photo_{item.pk}"])
            for item in self.items
        ]

    def results(self) -> list[dict]:
        data = self.cleaned_data
        return [
            {
                "item": item,
                "passed": data[f"result_{item.pk}"] == "pass",
                "note": data[f"note_{item.pk}"],
                "photo": data.get(f"photo_{item.pk}"),
            }
            for item in self.items
        ]


class OrderForm(forms.Form):
    description = forms.CharField(
        label=_("What to rectify"), widget=forms.Textarea(attrs={"rows": 3}), max_length=4000
    )
    deadline = forms.DateTimeField(label=_("Deadline"), widget=_DATETIME)


class NoteForm(forms.Form):
    note = forms.CharField(
        label=_("Note"), widget=forms.Textarea(attrs={"rows": 2}), max_length=4000, required=False
    )


class CorrectiveActionForm(forms.Form):
    cause = forms.CharField(label=_("Cause"), widget=forms.Textarea(attrs={"rows": 3}), max_length=4000)
    corrective_action = forms.CharField(
        label=_("Corrective action"), widget=forms.Textarea(attrs={"rows": 3}), max_length=4000
    )
    preventive_action = forms.CharField(
        label=_("Preventive action"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=4000,
        required=False,
    )


class IncidentForm(forms.Form):
    estate = forms.ModelChoiceField(label=_("Estate"), queryset=Estate.objects.none(), empty_label=None)
    kind = forms.ChoiceField(label=_("Kind"), choices=IncidentKind.choices)
    title = forms.CharField(label=_("Title"), max_length=200)
    location = forms.CharField(label=_("Place"), max_length=200, required=False)
    occurred_at = forms.DateTimeField(label=_("When"), widget=_DATETIME)
    description = forms.CharField(
        label=_("Description"), widget=forms.Textarea(attrs={"rows": 3}), max_length=4000, required=False
    )
    notified_users = forms.ModelMultipleChoiceField(
        label=_("Staff notified"), queryset=User.objects.none(), required=False
    )
    notified_others = forms.CharField(
        label=_("Others notified"),
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=2000,
        required=False,
        help_text=_("E.g. the fire brigade, the owner of the unit."),
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        estates = estates_of(user)
        self.fields["estate"].queryset = estates
        self.fields["notified_users"].queryset = staff_of_estates(estates)
        self.fields["notified_users"].label_from_instance = _staff_name


class TimelineForm(forms.Form):
    text = forms.CharField(
        label=_("What happened"), widget=forms.Textarea(attrs={"rows": 2}), max_length=4000
    )
    at = forms.DateTimeField(label=_("Time"), widget=_DATETIME, required=False, help_text=_("Empty: now."))


class NotifiedForm(forms.Form):
    users = forms.ModelMultipleChoiceField(
        label=_("Staff notified"), queryset=User.objects.none(), required=False
    )
    others = forms.CharField(label=_("Others notified"), max_length=2000, required=False)

    def __init__(self, *args, estate, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["users"].queryset = staff_of_estates([estate])
        self.fields["users"].label_from_instance = _staff_name


class CloseIncidentForm(forms.Form):
    note = forms.CharField(
        label=_("How it was resolved"), widget=forms.Textarea(attrs={"rows": 2}), max_length=4000
    )


class LinkTicketForm(forms.Form):
    number = forms.CharField(label=_("Ticket number"), max_length=40)


class DrillPlanForm(forms.Form):
    estate = forms.ModelChoiceField(label=_("Estate"), queryset=Estate.objects.none(), empty_label=None)
    kind = forms.ChoiceField(label=_("Kind"), choices=IncidentKind.choices)
    planned_for = forms.DateField(label=_("Planned for"), widget=_DATE)
    participants = forms.CharField(label=_("Participants"), max_length=4000, required=False)
    notes = forms.CharField(
        label=_("Notes"), widget=forms.Textarea(attrs={"rows": 2}), max_length=4000, required=False
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["estate"].queryset = estates_of(user)


class DrillHeldForm(forms.Form):
    held_on = forms.DateField(label=_("Held on"), widget=_DATE)
    participants = forms.CharField(
        label=_("Participants"), widget=forms.Textarea(attrs={"rows": 2}), max_length=4000
    )
    notes = forms.CharField(
        label=_("Notes"), widget=forms.Textarea(attrs={"rows": 2}), max_length=4000, required=False
    )
