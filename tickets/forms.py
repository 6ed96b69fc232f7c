"""Desk and portal forms for tickets. They parse input and scope every choice to what the user
may see; the services decide the rules."""

from __future__ import annotations

import uuid

from django import forms
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from residents.models import Estate, Person, Unit
from servicecenter.forms import ListedModelChoiceField, MoneyFormField, MonthFormField
from staff.models import Team
from tickets.models import Callback, CallbackReview, PublicLocation, ReplyChannel, RootCause, Ticket
from tickets.selectors import active_categories, assignable_users

User = get_user_model()
MAX_PHOTOS = 6


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several photos in one input; each is checked by the service (type by content, size)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": "image/*,application/pdf"}))
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        files = data if isinstance(data, list | tuple) else ([data] if data else [])
        if len(files) > MAX_PHOTOS:
            raise ValidationError(_("At most %(n)s files at a time.") % {"n": MAX_PHOTOS})
        return [super(MultipleFileField, self).clean(f, initial) for f in files]


class ServiceErrorsMixin:
    def apply_service_error(self, error: ValidationError) -> None:
        """Show a service's ValidationError on the field it names (or on top of the form)."""
        if hasattr(error, "error_dict"):
            for field, messages in error.message_dict.items():
                self.add_error(field if field in self.fields else None, messages)
        else:
            self.add_error(None, error)


class IdempotentForm(forms.Form):
    """A form that registers a ticket carries a hidden token made when it is first shown, so a
    double click, a resent form or a retry after a timeout registers one ticket (the service
    returns the first one). A form shown again with errors keeps its token. Not required: a page
    rendered before the token existed still posts, only without that protection."""

    idempotency_key = forms.CharField(widget=forms.HiddenInput, max_length=100, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial["idempotency_key"] = uuid.uuid4().hex


class TicketCreateForm(ServiceErrorsMixin, IdempotentForm):
    """The front desk's form, built for speed: the type-ahead fills `unit` and `reporter`, the
    category fills team and priority (static/js/tickets.js)."""

    lookup = forms.CharField(
        label=_("Find the resident"),
        required=False,
        widget=forms.TextInput(
            attrs={
                "autocomplete": "off",
                "placeholder": _("Phone, name or unit (3-2-1101)"),
                "autofocus": True,
                "data-lookup": "1",
            }
        ),
    )
    unit = forms.IntegerField(required=False, widget=forms.HiddenInput)
    reporter = forms.IntegerField(required=False, widget=forms.HiddenInput)
    estate = forms.ModelChoiceField(label=_("Estate"), queryset=Estate.objects.none(), required=False)
    public_location = forms.ModelChoiceField(
        label=_("Public place"),
        queryset=PublicLocation.objects.none(),
        required=False,
        help_text=_("For a public area: choose the place (the list is kept per estate)."),
    )
    location = forms.CharField(
        label=_("Where exactly"),
        max_length=200,
        required=False,
        help_text=_("In the unit (kitchen) or at the place (by the lift)."),
    )
    reporter_name = forms.CharField(label=_("Reporter's name"), max_length=100, required=False)
    reporter_phone = forms.CharField(
        label=_("Reporter's phone"),
        max_length=20,
        required=False,
        widget=forms.TextInput(attrs={"type": "tel", "inputmode": "tel", "autocomplete": "off"}),
    )
    kind = forms.ChoiceField(label=_("Type"), choices=Ticket.Kind.choices, initial=Ticket.Kind.REPAIR)
    channel = forms.ChoiceField(
        label=_("Channel"), choices=Ticket.Channel.choices, initial=Ticket.Channel.PHONE
    )
    authority_reference = forms.CharField(
        label=_("Authority's reference"),
        max_length=60,
        required=False,
        help_text=_("Required for the 12345 hotline and authorities: their case number."),
    )
    reply_deadline_at = forms.DateTimeField(
        label=_("Reply deadline"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        help_text=_("When the authority expects the answer."),
    )
    category = forms.ModelChoiceField(label=_("Category"), queryset=active_categories(), empty_label=None)
    priority = forms.ChoiceField(
        label=_("Priority"),
        required=False,
        choices=[("", pgettext_lazy("priority", "Category default")), *Ticket.Priority.choices],
    )
    description = forms.CharField(
        label=_("Description"), widget=forms.Textarea(attrs={"rows": 4}), max_length=4000
    )
    team = forms.ModelChoiceField(
        label=_("Team"),
        queryset=Team.objects.none(),
        required=False,
        help_text=_("Empty: the category's team."),
    )
    assignee = forms.ModelChoiceField(label=_("Assign to"), queryset=User.objects.none(), required=False)
    is_major = forms.BooleanField(label=_("Major complaint"), required=False)
    is_paid_service = forms.BooleanField(label=_("Paid service"), required=False)
    service_price = MoneyFormField(label=_("Price"), required=False)
    photos = MultipleFileField(label=_("Photos or PDF"), required=False)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        estates = Estate.objects.visible_to(user).order_by("code")
        self.fields["estate"].queryset = estates
        places = PublicLocation.objects.visible_to(user).active().select_related("estate")
        self.fields["public_location"].queryset = places.order_by("estate__code", "sort_order", "name")
        if len(estates) > 1:
            self.fields["public_location"].label_from_instance = lambda p: f"{p.estate.name} · {p.name}"
        self.fields["team"].queryset = (
            Team.objects.visible_to(user).select_related("estate").order_by("estate", "name")
        )
        estate_ids = list(estates.values_list("pk", flat=True)[:2])
        if len(estate_ids) == 1:
            self.fields["estate"].initial = estate_ids[0]
            self.fields["assignee"].queryset = assignable_users(estate_id=estate_ids[0])
        else:
            self.fields["assignee"].queryset = User.objects.filter(
                staff_profile__estates__in=estates, is_active=True
            ).distinct()
        self.fields["assignee"].label_from_instance = lambda u: u.get_full_name() or u.get_username()

    def clean_unit(self):
        pk = self.cleaned_data.get("unit")
        if not pk:
            return None
        unit = Unit.objects.visible_to(self.user).select_related("estate").filter(pk=pk).first()
        if unit is None:
            raise ValidationError(_("Choose a unit from the search results."))
        return unit

    def clean_reporter(self):
        pk = self.cleaned_data.get("reporter")
        if not pk:
            return None
        person = Person.objects.visible_to(self.user).filter(pk=pk).first()
        if person is None:
            raise ValidationError(_("Choose a resident from the search results."))
        return person

    def clean(self):
        data = super().clean()
        category, kind = data.get("category"), data.get("kind")
        if category is not None and kind and not category.is_for_kind(kind):
            self.add_error("category", _("This category is not offered for this type of request."))
        return data

    def service_values(self) -> dict:
        data = dict(self.cleaned_data)
        data.pop("lookup", None)
        data["attachments"] = data.pop("photos", []) or []
        data["priority"] = data.get("priority") or None
        return data


class LinkReportForm(ServiceErrorsMixin, forms.Form):
    """The caller's details, posted from the new-ticket form (or the API) to link them to an open
    ticket. Field names are the new-ticket form's, so its "link" buttons post that form as typed."""

    reporter = forms.IntegerField(required=False, widget=forms.HiddenInput)
    reporter_name = forms.CharField(label=_("Reporter's name"), max_length=100, required=False)
    reporter_phone = forms.CharField(label=_("Reporter's phone"), max_length=20, required=False)
    description = forms.CharField(label=_("Description"), max_length=4000, required=False)
    idempotency_key = forms.CharField(widget=forms.HiddenInput, max_length=90, required=False)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user

    def clean_reporter(self):
        pk = self.cleaned_data.get("reporter")
        if not pk:
            return None
        person = Person.objects.visible_to(self.user).filter(pk=pk).first()
        if person is None:
            raise ValidationError(_("Choose a resident from the search results."))
        return person

    def service_values(self) -> dict:
        data = self.cleaned_data
        key = data.get("idempotency_key") or ""
        return {
            "person": data.get("reporter"),
            "name": data.get("reporter_name") or "",
            "phone": data.get("reporter_phone") or "",
            "note": data.get("description") or "",
            # The form's token also keys the registration: a link is another request.
            "idempotency_key": f"link:{key}" if key else None,
        }


class AssignForm(forms.Form):
    assignee = forms.ModelChoiceField(label=_("Person"), queryset=User.objects.none(), required=False)
    team = forms.ModelChoiceField(label=_("Team"), queryset=Team.objects.none(), required=False)
    note = forms.CharField(label=_("Note"), required=False, max_length=2000)

    def __init__(self, *args, ticket: Ticket, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["assignee"].queryset = assignable_users(estate_id=ticket.estate_id)
        self.fields["assignee"].label_from_instance = _person_label
        self.fields["team"].queryset = Team.objects.filter(estate_id=ticket.estate_id).order_by("name")
        self.fields["assignee"].initial = ticket.assignee_id
        self.fields["team"].initial = ticket.team_id

    def clean(self):
        data = super().clean()
        if not data.get("assignee") and not data.get("team"):
            raise ValidationError(_("Choose a person or a team."))
        return data


def _person_label(user) -> str:
    name = user.get_full_name() or user.get_username()
    profile = getattr(user, "staff_profile", None)
    team = profile.team if profile is not None and profile.team_id else None
    return f"{name} · {team.name}" if team else name


class NoteForm(forms.Form):
    note = forms.CharField(
        label=_("Note"), required=False, max_length=4000, widget=forms.Textarea(attrs={"rows": 2})
    )


class RequiredNoteForm(forms.Form):
    note = forms.CharField(
        label=_("What was done"), max_length=4000, widget=forms.Textarea(attrs={"rows": 2})
    )


class RootCauseMixin(forms.Form):
    root_cause = forms.ModelChoiceField(
        label=_("Root cause"), queryset=RootCause.objects.filter(is_active=True), required=False
    )


class ResolveForm(RootCauseMixin, RequiredNoteForm):
    pass


class CloseForm(RootCauseMixin, NoteForm):
    pass


class ReplyForm(forms.Form):
    channel = forms.ChoiceField(label=_("How did the reply reach them?"), choices=ReplyChannel.choices)
    note = forms.CharField(
        label=_("What was said"), max_length=4000, widget=forms.Textarea(attrs={"rows": 2})
    )


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))


class CommentForm(forms.Form):
    body = forms.CharField(label=_("Comment"), max_length=4000, widget=forms.Textarea(attrs={"rows": 3}))
    is_public = forms.BooleanField(label=_("Visible to the resident"), required=False)


class AttachmentForm(forms.Form):
    files = MultipleFileField(label=_("Photos or PDF"))
    is_internal = forms.BooleanField(label=_("Staff only"), required=False)


YES_NO = [("yes", _("Yes")), ("no", _("No"))]
SATISFACTION = [(str(n), str(n)) for n in range(5, 0, -1)]


class CallbackRecordForm(ServiceErrorsMixin, forms.Form):
    reached = forms.TypedChoiceField(
        label=_("Reached the resident?"),
        choices=YES_NO,
        coerce=lambda v: v == "yes",
        widget=forms.RadioSelect,
    )
    satisfaction = forms.TypedChoiceField(
        label=_("Satisfaction (5 = very satisfied)"),
        choices=SATISFACTION,
        coerce=int,
        required=False,
        empty_value=None,
        widget=forms.RadioSelect,
    )
    solved = forms.TypedChoiceField(
        label=_("Is the problem solved?"),
        choices=YES_NO,
        coerce=lambda v: v == "yes",
        required=False,
        empty_value=None,
        widget=forms.RadioSelect,
    )
    method = forms.ChoiceField(
        label=_("How"), choices=[(Callback.Method.PHONE, _("Phone")), (Callback.Method.VISIT, _("Visit"))]
    )
    comment = forms.CharField(label=_("Comment"), required=False, widget=forms.Textarea(attrs={"rows": 2}))


class ReviewForm(forms.Form):
    result = forms.ChoiceField(
        label=_("Result"), choices=CallbackReview.Result.choices, widget=forms.RadioSelect
    )
    note = forms.CharField(label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 2}))


class MetricsForm(forms.Form):
    estate = ListedModelChoiceField(label=_("Estate"), queryset=Estate.objects.none(), empty_label=None)
    month = MonthFormField(
        label=_("Month"),
        widget=forms.DateInput(attrs={"type": "month"}, format="%Y-%m"),
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["estate"].queryset = Estate.objects.visible_to(user).order_by("code")


# --- portal ------------------------------------------------------------------------------------

PORTAL_KINDS = [
    (Ticket.Kind.REPAIR, pgettext_lazy("portal", "Repair")),
    (Ticket.Kind.COMPLAINT, pgettext_lazy("portal", "Complaint")),
    (Ticket.Kind.INQUIRY, pgettext_lazy("portal", "Question")),
    (Ticket.Kind.SUGGESTION, pgettext_lazy("portal", "Suggestion")),
    (Ticket.Kind.PRAISE, pgettext_lazy("portal", "Praise")),
]


class PortalTicketForm(ServiceErrorsMixin, IdempotentForm):
    unit = forms.ModelChoiceField(label=_("Your unit"), queryset=Unit.objects.none(), empty_label=None)
    kind = forms.ChoiceField(
        label=_("What is it?"), choices=PORTAL_KINDS, widget=forms.RadioSelect, initial=Ticket.Kind.REPAIR
    )
    category = forms.ModelChoiceField(label=_("About"), queryset=active_categories(), empty_label=None)
    description = forms.CharField(
        label=_("Tell us what happened"), max_length=4000, widget=forms.Textarea(attrs={"rows": 4})
    )
    location = forms.CharField(
        label=_("Where"), max_length=200, required=False, help_text=_("e.g. kitchen, or the lift lobby")
    )
    photos = MultipleFileField(label=_("Photos"), required=False)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = Unit.objects.visible_to(user).select_related("estate").order_by("code")
        self.fields["unit"].label_from_instance = lambda u: f"{u.estate.name} · {u.code}"


class RateForm(ServiceErrorsMixin, forms.Form):
    solved = forms.TypedChoiceField(
        label=_("Is the problem solved?"),
        choices=YES_NO,
        coerce=lambda v: v == "yes",
        widget=forms.RadioSelect,
    )
    satisfaction = forms.TypedChoiceField(
        label=_("How satisfied are you? (5 = very satisfied)"),
        choices=SATISFACTION,
        coerce=int,
        widget=forms.RadioSelect,
    )
    comment = forms.CharField(
        label=_("Anything to add?"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class PortalCommentForm(forms.Form):
    body = forms.CharField(
        label=_("Add information"), max_length=4000, widget=forms.Textarea(attrs={"rows": 2})
    )
