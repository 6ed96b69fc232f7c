"""Shared API plumbing: pagination, money, date and month fields, the router, the error shape,
the one permission class (`ActionPermission`), parse/respond for write endpoints, and estate-scoped
viewsets. Hostile input is refused here once, for every endpoint (the JSON parser is in
`servicecenter.parsers`: DRF imports it while `rest_framework.views` loads)."""

from decimal import Decimal

from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import permissions, serializers, status
from rest_framework.exceptions import APIException, ValidationError
from rest_framework.pagination import PageNumberPagination
from rest_framework.response import Response
from rest_framework.routers import DefaultRouter
from rest_framework.views import exception_handler as drf_exception_handler

from servicecenter import paging
from servicecenter.exceptions import DomainError
from servicecenter.money import MoneyError, parse_money
from servicecenter.periods import parse_month
from servicecenter.scoping import access_for
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


@extend_schema_field({"type": "string", "pattern": r"^\d{4}-\d{2}$", "example": "2025-03"})
class MonthField(serializers.Field):
    """A month as YYYY-MM (`parse_month`, within the kernel's date range) ↔ the date of its first day."""

    def to_internal_value(self, data):
        month = parse_month(str(data))
        if month is None:
            raise ValidationError(_("Enter a month as YYYY-MM, e.g. 2025-03."))
        return month

    def to_representation(self, value) -> str:
        return f"{value:%Y-%m}"


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
        details = getattr(exc, "details", None) or {}
        return Response({**details, "detail": exc.message, "code": exc.code}, status=exc.status_code)
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


# --- Permissions and action endpoints ---------------------------------------------------------


class ActionPermission(permissions.DjangoModelPermissions):
    """The one permission class of every viewset. What an action needs is declared on the viewset:

    - `action_permissions = {"void": ["billing.void_bill"], ...}`: an action named here needs
      exactly these permissions (an empty list: any signed-in user);
    - `other_actions_need = ["tickets.view_ticket"]`: every action not named needs these; without
      it, reads need `view_<model>`, POST `add_`, PUT/PATCH `change_` (Django's model permissions);
    - `residents_may_read = True`: a resident may list and read (their queryset is already limited
      to their own units by `visible_to`; the resident role holds no model permissions);
    - `may_act_on(user, action, obj) -> bool`: a further rule on the object itself (technicians
      work only their own tickets), checked when the view fetches it.

    Nothing is ever deleted through the API: archive rows, tickets and money are referenced by
    logs and ledgers (an occupancy is ended, a bill voided, not removed)."""

    perms_map = {
        "GET": ["%(app_label)s.view_%(model_name)s"],
        "OPTIONS": [],
        "HEAD": ["%(app_label)s.view_%(model_name)s"],
        "POST": ["%(app_label)s.add_%(model_name)s"],
        "PUT": ["%(app_label)s.change_%(model_name)s"],
        "PATCH": ["%(app_label)s.change_%(model_name)s"],
        "DELETE": [],
    }

    def has_permission(self, request, view) -> bool:
        user = request.user
        if not user or not user.is_authenticated or request.method == "DELETE":
            return False
        required = getattr(view, "action_permissions", {}).get(getattr(view, "action", None))
        if required is None:
            required = getattr(view, "other_actions_need", None)
        if required is not None:
            return user.has_perms(required)
        if (
            request.method in permissions.SAFE_METHODS
            and getattr(view, "residents_may_read", False)
            and access_for(user).is_resident
        ):
            return True
        return super().has_permission(request, view)

    def has_object_permission(self, request, view, obj) -> bool:
        may_act_on = getattr(view, "may_act_on", None)
        return may_act_on is None or may_act_on(request.user, getattr(view, "action", None), obj)


class ActionViewMixin:
    """Parse, call one service, respond: the two halves every write endpoint shares. An action reads
    `values = self.parse(InputSerializer)`, calls its service with them and returns
    `self.respond(result)` (the viewset's serializer unless another is named)."""

    def parse(self, serializer_class, *, partial: bool = False) -> dict:
        serializer = serializer_class(
            data=self.request.data, partial=partial, context=self.get_serializer_context()
        )
        serializer.is_valid(raise_exception=True)
        return dict(serializer.validated_data)

    def respond(self, instance, *, status_code: int = status.HTTP_200_OK, serializer_class=None) -> Response:
        serializer_class = serializer_class or self.get_serializer_class()
        return Response(
            serializer_class(instance, context=self.get_serializer_context()).data, status=status_code
        )


HTTP_409_CONFLICT = status.HTTP_409_CONFLICT
