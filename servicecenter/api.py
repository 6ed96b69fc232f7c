"""Shared API plumbing: pagination, money and date fields, the router, the error
shape, and estate-scoped viewsets. Hostile input is refused here once, for every endpoint (the
JSON parser is in `servicecenter.parsers`: DRF imports it while `rest_framework.views` loads)."""

from decimal import Decimal

from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers, status
from rest_framework.exceptions import APIException, ValidationError
from rest_framework.pagination import PageNumberPagination
from rest_framework.response import Response
from rest_framework.routers import DefaultRouter
from rest_framework.views import exception_handler as drf_exception_handler

from servicecenter import paging
from servicecenter.exceptions import DomainError
from servicecenter.money import MoneyError, parse_money
from servicecenter.validators import parse_id, validate_reasonable_date

# --- Pagination -------------------------------------------------------------------------------


class InvalidQueryParameter(APIException):
    status_code = status.HTTP_400_BAD_REQUEST
    default_code = "invalid"


class StandardPagination(PageNumberPagination):
    """Page numbers and sizes through the kernel's strict parser: `page=abc`, `-1`, `0` or
    `page_size=10000` is a 400 with a translated `detail`; a page past the end stays a 404."""

    page_size = 25
    page_size_query_param = "page_size"
    max_page_size = 200

    def get_page_number(self, request, paginator):
        raw = request.query_params.get(self.page_query_param)
        if raw in self.last_page_strings:
            return paginator.num_pages
        try:
            return paging.page_number(raw)
        except paging.InvalidPageNumber as error:
            raise InvalidQueryParameter(error.message) from None

    def get_page_size(self, request):
        return strict_page_size(request, self)


def strict_page_size(request, pagination) -> int:
    try:
        return paging.page_size(
            request.query_params.get(pagination.page_size_query_param),
            default=pagination.page_size,
            maximum=pagination.max_page_size,
        )
    except paging.InvalidPageNumber as error:
        raise InvalidQueryParameter(error.message) from None


def strict_page_number(request, pagination) -> int:
    try:
        return paging.page_number(request.query_params.get(pagination.page_query_param))
    except paging.InvalidPageNumber as error:
        raise InvalidQueryParameter(error.message) from None


# --- Fields -----------------------------------------------------------------------------------


@extend_schema_field({"type": "string", "pattern": r"^\d{1,10}(\.\d{1,2})?$", "example": "123.45"})
class MoneyField(serializers.DecimalField):
    """Money in the API: a string (or a whole number) by the kernel's `parse_money` rules (ASCII
    digits, at most two decimals, ten digits before the point, no padding or exponent), sent back
    as a string "123.45". JSON numbers with a point are refused: they are floats on the way in."""

    def __init__(self, *, allow_negative: bool = False, allow_zero: bool = True, **kwargs):
        self.allow_negative = allow_negative
        self.allow_zero = allow_zero
        kwargs.setdefault("max_digits", 12)
        kwargs.setdefault("decimal_places", 2)
        super().__init__(**kwargs)

    def to_internal_value(self, data) -> Decimal:
        if not isinstance(data, str | int) or isinstance(data, bool):
            raise ValidationError(_('Send the amount as a string with at most two decimals, e.g. "123.45".'))
        try:
            amount = parse_money(data, allow_negative=self.allow_negative, allow_zero=self.allow_zero)
        except MoneyError as error:
            raise ValidationError(error.message, code=error.code) from None
        self.validate_precision(amount)
        return amount


class IdField(serializers.IntegerField):
    """A database id in a request body: ASCII digits (or a JSON integer) that fit a bigint. DRF's
    IntegerField reads "１２" as 12."""

    def to_internal_value(self, data) -> int:
        if isinstance(data, bool) or parse_id(data) is None:
            self.fail("invalid")
        return parse_id(data)


class ReasonableDateField(serializers.DateField):
    """A date within the kernel's reasonable range (`validate_reasonable_date`)."""

    def to_internal_value(self, value):
        day = super().to_internal_value(value)
        try:
            validate_reasonable_date(day)
        except DjangoValidationError as error:
            raise ValidationError(error.messages, code="date_out_of_range") from None
        return day


# --- Routing ----------------------------------------------------------------------------------


class IntegerLookupRouter(DefaultRouter):
    """Detail routes match ASCII digits only. DRF's default `[^/.]+` plus Django's int() would
    resolve `/api/bills/１２/` (full-width digits) to bill 12; a viewset with another lookup says
    so with its own `lookup_value_regex`."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # DRF's own default for viewsets without `lookup_value_regex` (pinned by a test).
        self._default_value_pattern = "[0-9]+"


# --- Errors and scoping ---------------------------------------------------------------------


def exception_handler(exc, context):
    """DomainError → 400/409 with a translated `detail`; Django ValidationError → 400."""
    if isinstance(exc, DomainError):
        return Response({"detail": exc.message, "code": exc.code}, status=exc.status_code)
    if isinstance(exc, DjangoValidationError):
        exc = ValidationError(exc.message_dict if hasattr(exc, "error_dict") else {"detail": exc.messages})
    return drf_exception_handler(exc, context)


class ScopedQuerysetMixin:
    """ViewSet mixin: every object comes through `Model.objects.visible_to(user)`, so any object
    outside the user's reach is a 404, whether listed or fetched by id."""

    def get_queryset(self):
        return self.scoped_queryset(super().get_queryset())

    def scoped_queryset(self, queryset):
        return queryset.visible_to(self.request.user)


HTTP_409_CONFLICT = status.HTTP_409_CONFLICT
