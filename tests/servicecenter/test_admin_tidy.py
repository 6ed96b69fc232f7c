"""The Django admin is tidy for managers (issue #15).

Every registered admin of the project apps opens as a manager on an estate with a few rows of
everything (the URL walk's estate: two units' worth of tickets, bills, renovations, move-ins,
desk logs …): its changelist and a change page answer 200, run no query once per row, and show
foreign keys as links to the related rows' admin pages. Ledgers, event rows and logs refuse add,
change and delete, to superusers too.
"""

from __future__ import annotations

import re
from collections import Counter
from decimal import Decimal

import pytest
from django.contrib import admin as django_admin
from django.contrib.admin.options import InlineModelAdmin
from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from billing.models import PaymentMethod
from billing.services import record_payment
from servicecenter.admin import EstateScopedAdminMixin, admin_link, is_scoped_model
from staff.models import StaffProfile
from tests.billing.conftest import make_bill
from tests.billing.factories import ChargeItemFactory
from tests.factories import UnitFactory, UserFactory
from tests.servicecenter.test_admin_writes import PROJECT_APPS
from tests.servicecenter.urlwalk import build_shared, build_unit_world
from tests.tickets.factories import TicketFactory

pytestmark = pytest.mark.django_db

APPS = sorted(PROJECT_APPS - {"servicecenter"})

# Configuration that is the company's, the same for every estate (no estate column to scope by).
COMPANY_WIDE = {"tickets.RootCause", "tickets.TicketCategory", "relations.SurveyTemplate"}

# Rows written only by services: the admin shows them and nothing more.
READ_ONLY = [
    "billing.Payment",
    "billing.Allocation",
    "billing.Receipt",
    "billing.Bill",
    "billing.BillEvent",
    "billing.LateFeeAccrual",
    "billing.PaymentReversal",
    "billing.PrepaidMovement",
    "billing.DepositAccount",
    "billing.DepositMovement",
    "billing.MeterReading",
    "billing.Reminder",
    "billing.CollectionCall",
    "billing.IdempotencyRecord",
    "billing.PaymentOrder",
    "billing.PaymentOrderEvent",
    "residents.SensitiveAccessLog",
    "residents.HouseholdChange",
    "residents.Occupancy",
    "residents.Pass",
    "staff.Notification",
    "staff.OutboundMessage",
    "staff.ShiftHandover",
    "staff.AttendanceRecord",
    "staff.CorrectiveAction",
    "staff.TrainingSession",
    "tickets.Ticket",
    "tickets.TicketEvent",
    "tickets.Callback",
    "tickets.CallbackAttempt",
    "tickets.Escalation",
    "tickets.CallbackSample",
    "renovations.Renovation",
    "renovations.RenovationEvent",
    "renovations.Patrol",
    "renovations.Violation",
    "renovations.ViolationEvent",
    "renovations.Deduction",
    "moveins.MoveIn",
    "moveins.MoveInEvent",
    "moveins.SpotCheck",
    "frontdesk.Visitor",
    "frontdesk.VisitorEvent",
    "frontdesk.LostItem",
    "frontdesk.LostItemEvent",
    "frontdesk.Parcel",
    "frontdesk.ParcelEvent",
    "frontdesk.KeyCustody",
    "frontdesk.KeyCustodyEvent",
    "frontdesk.InvoiceRequest",
    "frontdesk.InvoiceRequestEvent",
    "frontdesk.MoveOut",
    "frontdesk.MoveOutEvent",
]

# Event models shown inline, read-only, on their parent's admin page.
EVENT_INLINES = {
    "tickets.Ticket": "tickets.TicketEvent",
    "billing.Bill": "billing.BillEvent",
    "billing.PaymentOrder": "billing.PaymentOrderEvent",
    "renovations.Renovation": "renovations.RenovationEvent",
    "renovations.Violation": "renovations.ViolationEvent",
    "moveins.MoveIn": "moveins.MoveInEvent",
    "frontdesk.Visitor": "frontdesk.VisitorEvent",
    "frontdesk.LostItem": "frontdesk.LostItemEvent",
    "frontdesk.Parcel": "frontdesk.ParcelEvent",
    "frontdesk.KeyCustody": "frontdesk.KeyCustodyEvent",
    "frontdesk.InvoiceRequest": "frontdesk.InvoiceRequestEvent",
    "frontdesk.MoveOut": "frontdesk.MoveOutEvent",
}


def _project_admins(app_label: str | None = None):
    return sorted(
        (
            (model, model_admin)
            for model, model_admin in django_admin.site._registry.items()
            if model._meta.app_label in PROJECT_APPS
            and (app_label is None or model._meta.app_label == app_label)
        ),
        key=lambda pair: pair[0]._meta.label,
    )


def _superuser_request(rf):
    request = rf.get("/admin/")
    request.user = get_user_model()(is_superuser=True, is_staff=True, is_active=True)
    return request


# --- the shape of every admin (no database rows needed) -----------------------------------------


def test_every_estate_admin_is_scoped():
    """Estate rows are seen through the mixin: by the model's own scoping or a path to the estate."""
    unscoped = []
    for model, model_admin in _project_admins():
        label = model._meta.label
        if label in COMPANY_WIDE or label == "tickets.TicketPolicy":  # its own get_queryset, tested
            continue
        # Neither scoped nor a path to the estate: shown to company-wide users only.
        managers_see_nothing = (
            not is_scoped_model(model)
            and model_admin.estate_lookup is None
            and type(model_admin).get_queryset is EstateScopedAdminMixin.get_queryset
        )
        if not isinstance(model_admin, EstateScopedAdminMixin) or managers_see_nothing:
            unscoped.append(label)
    assert unscoped == []


@pytest.mark.parametrize("label", READ_ONLY)
def test_ledgers_and_events_refuse_add_change_and_delete(rf, label):
    request = _superuser_request(rf)
    registry = {model._meta.label: model_admin for model, model_admin in django_admin.site._registry.items()}
    admins = []
    if label in registry:
        admins.append(registry[label])
    for parent in registry.values():
        admins += [
            inline for inline in parent.get_inline_instances(request) if inline.model._meta.label == label
        ]
    assert admins, f"{label} is neither registered nor inline anywhere"
    for model_admin in admins:
        is_inline = isinstance(model_admin, InlineModelAdmin)
        add_args = (request, None) if is_inline else (request,)
        assert not model_admin.has_add_permission(*add_args), model_admin
        assert not model_admin.has_change_permission(request, None), model_admin
        assert not model_admin.has_delete_permission(request, None), model_admin
        if is_inline:
            assert set(model_admin.get_readonly_fields(request)) >= set(model_admin.get_fields(request))
        else:
            assert "delete_selected" not in model_admin.get_actions(request)


@pytest.mark.parametrize(("parent", "events"), sorted(EVENT_INLINES.items()))
def test_detail_pages_show_their_events_inline(rf, parent, events):
    request = _superuser_request(rf)
    registry = {model._meta.label: model_admin for model, model_admin in django_admin.site._registry.items()}
    inlines = [i.model._meta.label for i in registry[parent].get_inline_instances(request)]
    assert events in inlines


def test_admin_link_points_at_the_change_page_or_says_nothing(unit_a):
    assert admin_link(unit_a) == (
        f'<a href="{reverse("admin:residents_unit_change", args=[unit_a.pk])}">{unit_a}</a>'
    )
    assert admin_link(None) == "—"
    assert admin_link(unit_a, label="<b>").endswith(">&lt;b&gt;</a>")


# --- every changelist and change page, as a manager, with rows ----------------------------------


@pytest.fixture
def world(users, resident, resident2, unit_a, unit_a2, estate_a, settings, tmp_path):
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path)},
        },
    }
    own = build_unit_world(unit=unit_a, resident_user=resident, staff=users, tag="A1")
    build_unit_world(unit=unit_a2, resident_user=resident2, staff=users, tag="A2")
    shared = build_shared(estate=estate_a, staff=users, world=own)
    StaffProfile.objects.filter(user=users["technician"]).update(team=shared["team"])
    TicketFactory(unit=unit_a, team=shared["team"], number="LJY-A1-0002")
    manager = users["manager"]
    manager.is_staff = True
    manager.save(update_fields=["is_staff"])
    return manager


_LITERALS = re.compile(r"'[^']*'|\b\d+(\.\d+)?\b|%s")


def _repeated_queries(captured) -> dict[str, int]:
    """Queries that ran more than twice with only their values changed: one per row (N+1)."""
    shapes = Counter(_LITERALS.sub("?", query["sql"]) for query in captured.captured_queries)
    return {sql[:160]: count for sql, count in shapes.items() if count > 2 and "SAVEPOINT" not in sql}


def _link_columns(model_admin, request) -> list:
    return [entry for entry in model_admin.get_list_display(request) if callable(entry)]


def _open(client, url):
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    return response, captured


@pytest.mark.parametrize("app_label", APPS)
def test_every_admin_opens_for_a_manager_with_links_and_no_query_per_row(client, rf, world, app_label):
    manager = world
    superuser = UserFactory(username="root-tidy", is_staff=True, is_superuser=True)
    problems = {}
    for model, model_admin in _project_admins(app_label):
        label = model._meta.label
        request = rf.get("/admin/")
        request.user = manager
        viewer = manager if model_admin.has_view_or_change_permission(request) else superuser
        request.user = viewer
        client.force_login(viewer)
        opts = model._meta
        changelist, captured = _open(client, reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist"))
        if changelist.status_code != 200:
            problems[label] = f"changelist {changelist.status_code}"
            continue
        rows = list(changelist.context["cl"].result_list)
        if len(rows) >= 2 and (repeated := _repeated_queries(captured)):
            problems[label] = f"changelist repeats {repeated}"
            continue
        html = changelist.content.decode()
        for column in _link_columns(model_admin, request):
            related = next(
                (getattr(row, column.__name__) for row in rows if getattr(row, column.__name__)), None
            )
            if related is not None and admin_link(related) not in html:
                problems[label] = f"no link for {column.__name__}"
        if not rows:
            if model_admin.get_queryset(request).exists():
                problems[label] = "rows exist but the changelist shows none"
            continue
        change, captured = _open(
            client, reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[rows[0].pk])
        )
        if change.status_code != 200:
            problems[label] = f"change page {change.status_code}"
        elif repeated := _repeated_queries(captured):
            problems[label] = f"change page repeats {repeated}"
    assert problems == {}


# --- a few big changelists: the same number of queries for 2 rows or 12 -------------------------


@pytest.fixture
def manager(users):
    user = users["manager"]
    user.is_staff = True
    user.save(update_fields=["is_staff"])
    return user


def _many_units(building, count: int) -> list:
    return [UnitFactory(building=building, entrance="5", number=f"{n:04d}") for n in range(1, count + 1)]


def _count_queries(client, url) -> int:
    response, captured = _open(client, url)
    assert response.status_code == 200
    return len(captured.captured_queries)


def test_ticket_changelist_queries_do_not_grow_with_rows(
    client_as, manager, users, building_a, unit_b, django_assert_max_num_queries
):
    client = client_as(manager)
    url = reverse("admin:tickets_ticket_changelist")
    units = _many_units(building_a, 12)
    for unit in units[:2]:
        TicketFactory(unit=unit, assignee=users["technician"])
    few = _count_queries(client, url)
    for unit in units[2:]:
        TicketFactory(unit=unit, assignee=users["technician"])
    other = TicketFactory(unit=unit_b)  # another estate's: not listed
    with django_assert_max_num_queries(few):
        response = client.get(url)
    html = response.content.decode()
    assert len(response.context["cl"].result_list) == 12 and other.number not in html
    assert admin_link(units[5]) in html  # the unit column links to the unit's admin page


def test_bill_and_payment_changelists_queries_do_not_grow_with_rows(
    client_as, manager, users, building_a, django_assert_max_num_queries
):
    client = client_as(manager)
    units = _many_units(building_a, 12)
    item = ChargeItemFactory(estate=building_a.estate, code="svc")

    def bill_and_pay(unit, n):
        make_bill(unit, "30.00", item=item)
        record_payment(
            unit=unit,
            amount=Decimal("30.00"),
            method=PaymentMethod.CASH,
            actor=users["clerk"],
            idempotency_key=f"tidy-{n}",
        )

    for n, unit in enumerate(units[:2]):
        bill_and_pay(unit, n)
    urls = [reverse("admin:billing_bill_changelist"), reverse("admin:billing_payment_changelist")]
    few = {url: _count_queries(client, url) for url in urls}
    for n, unit in enumerate(units[2:], start=2):
        bill_and_pay(unit, n)
    for url in urls:
        with django_assert_max_num_queries(few[url]):
            response = client.get(url)
        assert len(response.context["cl"].result_list) == 12
