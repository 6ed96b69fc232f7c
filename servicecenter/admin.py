"""The admin site's titles, the mixin that scopes every app's admin to the user's estates (and
links its list's foreign keys to their admin pages), read-only bases for ledgers and event rows,
and the form base that saves an admin page through a service."""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.contrib.admin.utils import NotRelationField, get_fields_from_path
from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.db import transaction
from django.db.models.constants import LOOKUP_SEP
from django.urls import NoReverseMatch, reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from servicecenter.exceptions import DomainError
from servicecenter.phones import SECRET_FIELD_NAMES
from servicecenter.scoping import ScopedQuerySet, access_for

admin.site.site_header = _("Service centre administration")
admin.site.site_title = _("Service centre administration")
admin.site.index_title = _("Archive, staff and settings")


def is_scoped_model(model) -> bool:
    return isinstance(model._default_manager.all(), ScopedQuerySet)


def _crosses_many_valued_relation(model, lookup: str) -> bool:
    """Does filtering on `lookup` join a to-many relation (so rows could repeat)?"""
    try:
        fields = get_fields_from_path(model, lookup)
    except (FieldDoesNotExist, NotRelationField):
        return False
    return any(
        getattr(field, "many_to_many", False) or getattr(field, "one_to_many", False) for field in fields
    )


def scope_queryset(queryset, user, estate_lookup: str | None = None):
    """The rows of `queryset` the user may see.

    Models with a ScopedQuerySet use their own `visible_to`. Other models name the path to their
    estate in `estate_lookup`. A model with neither is shown only to users who see every estate,
    so that forgetting to scope an admin hides data instead of leaking it.
    """
    access = access_for(user)
    if estate_lookup is None and isinstance(queryset, ScopedQuerySet):
        scoped = queryset.visible_to(user)
        lookup = queryset.estate_lookup
    elif access.all_estates:
        return queryset
    elif estate_lookup is not None and access.is_staff_member:
        scoped = queryset.filter(**{f"{estate_lookup}__in": sorted(access.estate_ids)})
        lookup = estate_lookup
    else:
        return queryset.none()
    if not access.all_estates and _crosses_many_valued_relation(queryset.model, lookup):
        scoped = scoped.distinct()
    return scoped


def admin_link(obj, label=None):
    """`obj` as a link to its admin change page ("—" for None, plain text for a model the admin
    does not register). No query: the caller has selected the related row already."""
    if obj is None:
        return "—"
    text = obj if label is None else label
    try:
        url = reverse(f"admin:{obj._meta.app_label}_{obj._meta.model_name}_change", args=[obj.pk])
    except NoReverseMatch:
        return str(text)
    return format_html('<a href="{}">{}</a>', url, text)


def _link_column(field):
    def column(obj):
        return admin_link(getattr(obj, field.name))

    column.__name__ = field.name  # keeps the column's CSS class "column-<name>"
    column.short_description = field.verbose_name
    column.admin_order_field = field.name
    return column


class RelatedLinksAdminMixin:
    """Shows each foreign key in `list_display` as a link to the related row's admin page, when
    the user may view that model there. The column that opens the row itself is left alone (a
    link inside a link), and so are editable columns. Read-only change pages link their foreign
    keys already (Django's own readonly-field rendering)."""

    def get_list_display(self, request):
        list_display = super().get_list_display(request)
        if self.list_display_links:
            own = set(self.list_display_links)
        else:
            own = {list_display[0]} if list_display else set()
        own |= set(self.list_editable)
        return [self._linked_column(request, entry) if entry not in own else entry for entry in list_display]

    def get_list_select_related(self, request):
        selected = super().get_list_select_related(request)
        if selected is not False:
            return selected
        # Django follows the foreign keys of the list by itself only while they are field names.
        return self._foreign_keys_listed() or False

    def _foreign_keys_listed(self) -> list[str]:
        names = []
        for entry in self.list_display:
            if not isinstance(entry, str):
                continue
            try:
                field = self.model._meta.get_field(entry)
            except FieldDoesNotExist:
                continue
            if field.many_to_one or field.one_to_one:
                names.append(entry)
        return names

    def _linked_column(self, request, entry):
        if entry not in self._foreign_keys_listed():
            return entry
        field = self.model._meta.get_field(entry)
        target = self.admin_site._registry.get(field.related_model)
        if target is None or not target.has_view_or_change_permission(request):
            return entry
        return _link_column(field)


class SecretLookupsAdminMixin:
    """Refuses changelist filters on phones and ID numbers in the query string.

    Django lets a changelist URL filter on any of the model's own fields
    (?mobile__startswith=1350), so without this anyone who may view the list could recover a
    masked number one digit at a time. `secret_fields` adds names beyond the project-wide ones.
    """

    secret_fields: tuple[str, ...] = ()

    def lookup_allowed(self, lookup, value, request=None):
        if set(lookup.split(LOOKUP_SEP)) & (SECRET_FIELD_NAMES | set(self.secret_fields)):
            return False
        return super().lookup_allowed(lookup, value, request)


class EstateScopedAdminMixin(RelatedLinksAdminMixin, SecretLookupsAdminMixin):
    """Put first in the bases of a ModelAdmin or inline:

        class UnitAdmin(EstateScopedAdminMixin, admin.ModelAdmin): ...

    - the changelist, change, delete and history pages see only rows of the user's estates (others
      are "not found"), through `visible_to(request.user)`, or `estate_lookup` for a model whose
      manager is not a ScopedQuerySet (e.g. `estate_lookup = "notification__estate"`);
    - foreign-key and many-to-many choices (selects, autocompletes, raw-id validation) offer only
      rows of scoped related models the user may see;
    - a many-to-many save keeps the links to rows the user cannot see (otherwise editing a
      profile on two estates from one of them would silently drop the other);
    - related-field list filters offer only values present in the user's rows.
    """

    estate_lookup: str | None = None

    def get_queryset(self, request):
        return scope_queryset(super().get_queryset(request), request.user, self.estate_lookup)

    def get_field_queryset(self, db, db_field, request):
        # Both formfield_for_foreignkey and formfield_for_manytomany ask here for their choices.
        queryset = super().get_field_queryset(db, db_field, request)
        related_model = db_field.remote_field.model
        if not is_scoped_model(related_model):
            return queryset
        if queryset is None:
            queryset = related_model._default_manager.using(db).all()
        return queryset.visible_to(request.user)

    def get_list_filter(self, request):
        return [self._scoped_list_filter(entry) for entry in super().get_list_filter(request)]

    def _scoped_list_filter(self, entry):
        if not isinstance(entry, str):
            return entry
        try:
            field = get_fields_from_path(self.model, entry)[-1]
        except (FieldDoesNotExist, NotRelationField):
            return entry
        if field.is_relation and field.related_model is not None and is_scoped_model(field.related_model):
            # The plain related filter lists every row of the related table, other estates' too.
            return (entry, admin.RelatedOnlyFieldListFilter)
        return entry

    def save_related(self, request, form, formsets, change):
        hidden = self._hidden_many_to_many(request, form) if change else {}
        super().save_related(request, form, formsets, change)
        for name, pks in hidden.items():
            if pks:
                getattr(form.instance, name).add(*pks)

    def _hidden_many_to_many(self, request, form) -> dict[str, list]:
        hidden = {}
        for field in form.instance._meta.many_to_many:
            if field.name not in form.cleaned_data or not is_scoped_model(field.related_model):
                continue
            if not field.remote_field.through._meta.auto_created:
                continue  # saved through an inline, which is scoped on its own
            visible = field.related_model._default_manager.visible_to(request.user).values("pk")
            hidden[field.name] = list(
                getattr(form.instance, field.name).exclude(pk__in=visible).values_list("pk", flat=True)
            )
        return hidden


# --- Ledgers and event rows: view only -----------------------------------------------------------


class ReadOnlyAdminMixin:
    """Rows written only by services (ledgers, event rows, logs): the admin shows them, nothing
    more. No add, no change, no delete, for superusers too."""

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class ReadOnlyTabularInline(ReadOnlyAdminMixin, admin.TabularInline):
    """A parent's event rows (or other ledger rows) listed on its page, every field read-only."""

    extra = 0
    can_delete = False
    show_change_link = False

    def get_readonly_fields(self, request, obj=None):
        return self.fields or []


# --- Admin forms that save through a service -----------------------------------------------------


class _DryRun(Exception):
    """Rolls back a service call made only to learn whether it would succeed."""


class ServiceForm(forms.ModelForm):
    """An admin form whose rules are the service's own: `clean()` runs `write()` (the service call)
    in a savepoint that is always rolled back, and shows what the service refuses as form errors.
    `save_model` then calls `write()` for real. So the admin checks exactly what the desk and the
    API check (phone and ID validators, unit codes, duplicates), with no copy of the rules here.
    The service checks again when saving; a race with another writer ends in its refusal.
    `write()` must touch nothing outside the database except through on_commit hooks (a stored
    file, a task), which the rolled-back savepoint discards."""

    actor = None  # the request's user, set by ServiceFormAdminMixin.get_form
    _service_refused = False

    def write(self, data: dict, *, instance):
        """The service call that saves this form (create when `instance` is None); each subclass
        names its own, so there is no default that could save around a service."""
        raise NotImplementedError(f"{type(self).__name__}.write must call the app's service")

    def clean(self):
        data = super().clean()
        if self.errors:
            return data  # the service would only repeat what the fields already refused
        model = type(self.instance)
        instance = model._default_manager.get(pk=self.instance.pk) if self.instance.pk else None
        try:
            with transaction.atomic():
                self.write(data, instance=instance)
                raise _DryRun
        except _DryRun:
            pass
        except ValidationError as error:
            self._service_refused = True
            self._add_service_error(error)
        except DomainError as error:
            self._service_refused = True
            self.add_error(None, error.message)
        return data

    def _post_clean(self):
        if self._service_refused:
            return  # the model's own validators would repeat the service's messages
        super()._post_clean()

    def _add_service_error(self, error: ValidationError) -> None:
        if not hasattr(error, "error_dict"):
            self.add_error(None, error.messages)
            return
        for field, field_errors in error.message_dict.items():
            self.add_error(field if field in self.fields else None, field_errors)


class ServiceFormAdminMixin:
    """Saves through the form's `write()` (the service), never with the ModelAdmin's obj.save()."""

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        return type(form.__name__, (form,), {"actor": request.user})

    def save_model(self, request, obj, form, change):
        # The service gets the stored row, not `obj`, which the form has already filled in with
        # everything posted (blank phones included, which mean "keep the stored one").
        stored = type(obj)._default_manager.get(pk=obj.pk) if change else None
        saved = form.write(form.cleaned_data, instance=stored)
        for field in obj._meta.concrete_fields:
            setattr(obj, field.attname, getattr(saved, field.attname))
        obj._state.adding = False
