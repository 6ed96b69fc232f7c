"""Form fields shared by every app's desk and portal forms: money and dates with the kernel's rules,
so a typed `１００`, ` 10`, `1e3` or a due date in year 9999 is a clear error on every form."""

from __future__ import annotations

from decimal import Decimal

import django_filters
from django import forms
from django.core.exceptions import ValidationError
from django.forms.models import ModelChoiceIterator
from django.utils.translation import gettext_lazy as _

from servicecenter.money import MoneyError, parse_money
from servicecenter.periods import parse_month
from servicecenter.validators import parse_id, validate_reasonable_date


class MoneyFormField(forms.CharField):
    """Money typed by a person: the kernel's `parse_money` (ASCII digits, at most two decimals, ten
    digits before the point). Not Django's DecimalField: that strips the text and takes
    full-width digits and exponents. Empty → None (say `required=False` to allow it)."""

    def __init__(self, *, allow_negative: bool = False, allow_zero: bool = True, **kwargs):
        self.allow_negative = allow_negative
        self.allow_zero = allow_zero
        kwargs.setdefault("strip", False)
        kwargs.setdefault(
            "widget",
            forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off", "maxlength": "16"}),
        )
        super().__init__(**kwargs)

    def to_python(self, value) -> Decimal | None:
        value = super().to_python(value)
        if value in self.empty_values:
            return None
        try:
            return parse_money(value, allow_negative=self.allow_negative, allow_zero=self.allow_zero)
        except MoneyError as error:
            raise forms.ValidationError(error.message, code=error.code) from None


class ReasonableDateFormField(forms.DateField):
    """A date within the kernel's reasonable range (`validate_reasonable_date`)."""

    default_validators = [validate_reasonable_date]


class MonthFormField(forms.CharField):
    """A month typed as YYYY-MM (`parse_month`) → the date of its first day."""

    def clean(self, value):
        value = super().clean(value)
        if value in self.empty_values and not self.required:
            return None
        month = parse_month(value)
        if month is None:
            raise forms.ValidationError(_("Enter a month as YYYY-MM, e.g. 2025-03."), code="invalid_month")
        return month


class ReasonableDateFilter(django_filters.DateFilter):
    """A query-string date filter with the same range: `?since=0001-01-01` is refused (400 in the
    API, ignored on a desk list) instead of reaching date arithmetic in the database."""

    field_class = ReasonableDateFormField


class IdFormField(forms.IntegerField):
    """A database id: ASCII digits that fit a bigint. Django's IntegerField takes "１２" as 12 and
    "1e30" as a number too large for the database (an overflow there: a 500)."""

    def to_python(self, value) -> int | None:
        if value in self.empty_values:
            return None
        number = parse_id(value)
        if number is None:
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
        return number


class IdFilter(django_filters.NumberFilter):
    """A query-string filter on an id, with `IdFormField`'s rule (400 in the API, ignored on a
    desk list), for every `?unit=`, `?estate=` and the like."""

    field_class = IdFormField


class _ListedChoiceIterator(ModelChoiceIterator):
    def __iter__(self):
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        for obj in self.field.objects():
            yield self.choice(obj)

    def __len__(self):
        return len(self.field.objects()) + (self.field.empty_label is not None)

    def __bool__(self):
        return self.field.empty_label is not None or bool(self.field.objects())


class ListedModelChoiceField(forms.ModelChoiceField):
    """A ModelChoiceField for a short list (the user's estates) read once per form: the options,
    the select's `required` check and the chosen value all use the same rows, where Django's field
    runs a query (a server-side cursor on PostgreSQL) for each."""

    iterator = _ListedChoiceIterator

    def _set_queryset(self, queryset):
        self._objects = None
        super()._set_queryset(queryset)

    queryset = property(forms.ModelChoiceField._get_queryset, _set_queryset)

    def objects(self) -> list:
        if getattr(self, "_objects", None) is None:
            self._objects = [] if self.queryset is None else list(self.queryset)
        return self._objects

    def to_python(self, value):
        if value in self.empty_values:
            return None
        self.validate_no_null_characters(value)
        key = self.to_field_name or "pk"
        if isinstance(value, self.queryset.model):
            value = getattr(value, key)
        for obj in self.objects():
            if str(getattr(obj, key)) == str(value):
                return obj
        raise ValidationError(
            self.error_messages["invalid_choice"], code="invalid_choice", params={"value": value}
        )
