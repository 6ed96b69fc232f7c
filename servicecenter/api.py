"""Shared API plumbing: pagination, error shape, and estate-scoped viewsets."""

from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import status
from rest_framework.exceptions import ValidationError
from rest_framework.pagination import PageNumberPagination
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from servicecenter.exceptions import DomainError


class StandardPagination(PageNumberPagination):
    page_size = 25
    page_size_query_param = "page_size"
    max_page_size = 200


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
