"""Forms of the training log pages: they parse input; the rules are in staff.services_training."""

from __future__ import annotations

from django import forms
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from residents.models import Estate

User = get_user_model()


class TrainingSessionForm(forms.Form):
    estate = forms.ModelChoiceField(label=_("Estate"), queryset=Estate.objects.none(), empty_label=None)
    topic = forms.CharField(label=_("Topic"), max_length=200)
    session_date = forms.DateField(label=_("Date"), widget=forms.DateInput(attrs={"type": "date"}))
    trainer = forms.ModelChoiceField(label=_("Trainer"), queryset=User.objects.none(), required=False)
    trainer_name = forms.CharField(
        label=_("Trainer from outside"), max_length=100, required=False, help_text=_("If not a colleague.")
    )
    materials = forms.FileField(label=_("Materials (PDF or picture)"), required=False)
    materials_url = forms.URLField(label=_("Materials link"), required=False, assume_scheme="https")

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        estates = Estate.objects.visible_to(user).order_by("code")
        self.fields["estate"].queryset = estates
        self.fields["trainer"].queryset = (
            User.objects.filter(staff_profile__estates__in=estates, is_active=True)
            .distinct()
            .order_by("last_name", "first_name", "username")
        )
        self.fields["trainer"].label_from_instance = lambda u: u.get_full_name() or u.get_username()

    def apply_service_error(self, error: ValidationError) -> None:
        if hasattr(error, "error_dict"):
            for field, messages in error.message_dict.items():
                self.add_error(field if field in self.fields else None, messages)
        else:
            self.add_error(None, error)


class AttendanceForm(forms.Form):
    """One line of the attendance grid."""

    user = forms.IntegerField(widget=forms.HiddenInput)
    attended = forms.BooleanField(label=_("Attended"), required=False)
    score = forms.IntegerField(label=_("Score"), min_value=0, max_value=100, required=False)
    note = forms.CharField(label=_("Note"), max_length=200, required=False)
