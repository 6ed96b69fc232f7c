from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from dashboards.selectors import future_month_message, is_future
from residents.models import Estate
from servicecenter.forms import MonthFormField
from servicecenter.periods import month_start


class DashboardFilterForm(forms.Form):
    """The page's filters. The estate is checked against the user's reach before the form (an
    estate outside it is a 404); the select offers only the user's estates."""

    estate = forms.ModelChoiceField(label=_("Estate"), queryset=Estate.objects.none(), empty_label=None)
    month = MonthFormField(
        label=_("Month"),
        required=False,
        widget=forms.DateInput(attrs={"type": "month"}, format="%Y-%m"),
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["estate"].queryset = Estate.objects.visible_to(user).order_by("code")

    def clean_month(self):
        month = self.cleaned_data.get("month")
        if month is None:
            return month_start(timezone.localdate())
        if is_future(month):
            raise forms.ValidationError(future_month_message(), code="future_month")
        return month
