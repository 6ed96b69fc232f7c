import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from billing import services
from billing.models import Payment
from tests.billing.conftest import make_bill, new_key
from tests.billing.factories import BillingPolicyFactory, ChargeItemFactory
from tests.servicecenter.test_admin_writes import CONFIGURATION, writes_directly

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client_(client):
    user = get_user_model().objects.create_superuser("root", "root@example.com", "pw")
    client.force_login(user)
    return client


def test_ledger_rows_cannot_be_changed_or_deleted_in_admin(admin_client_, users, unit_a):
    make_bill(unit_a, "10.00")
    payment = services.record_payment(
        idempotency_key=new_key(), unit=unit_a, amount="10.00", method="cash", actor=users["clerk"]
    ).payment
    assert admin_client_.get(reverse("admin:billing_payment_changelist")).status_code == 200
    assert admin_client_.get(reverse("admin:billing_bill_changelist")).status_code == 200
    assert (
        admin_client_.post(
            reverse("admin:billing_payment_delete", args=[payment.pk]), {"post": "yes"}
        ).status_code
        == 403
    )
    admin_client_.post(reverse("admin:billing_payment_change", args=[payment.pk]), {"amount": "1.00"})
    payment.refresh_from_db()
    assert payment.amount == 10 and Payment.objects.count() == 1
    assert admin_client_.get(reverse("admin:billing_payment_add")).status_code == 403


# --- Every admin write goes through the services ----------------------------------------------
# The project-wide check and its list of configuration admins are in
# tests/servicecenter/test_admin_writes.py; billing's own part of that list:
BILLING_CONFIGURATION = {label for label in CONFIGURATION if label.startswith("billing.")}


def test_billing_admins_need_no_exception_beyond_configuration(rf):
    from django.contrib import admin as django_admin

    request = rf.get("/admin/")
    request.user = get_user_model()(is_superuser=True, is_staff=True, is_active=True)
    direct = {
        model._meta.label
        for model, model_admin in django_admin.site._registry.items()
        if model._meta.app_label == "billing" and writes_directly(model_admin, request)
    }
    assert direct <= BILLING_CONFIGURATION
    assert "billing.ChargeEnrollment" not in direct


def _enrollment_form(unit, item, start, end=""):
    return {
        "unit": unit.pk,
        "charge_item": item.pk,
        "quantity": "1",
        "start_date": start,
        "end_date": end,
        "note": "",
    }


def test_admin_refuses_an_overlapping_enrollment(admin_client_, unit_a):
    from billing.models import ChargeEnrollment, ChargeItem

    item = ChargeItemFactory(
        estate=unit_a.estate,
        code="parking",
        name="车位",
        kind=ChargeItem.Kind.PARKING,
        basis=ChargeItem.Basis.PER_UNIT_MONTH,
        applies_to=ChargeItem.AppliesTo.ENROLLED_UNITS,
    )
    url = reverse("admin:billing_chargeenrollment_add")
    first = admin_client_.post(url, _enrollment_form(unit_a, item, "2025-01-01", "2025-06-30"))
    assert first.status_code == 302, first.content
    enrollment = ChargeEnrollment.objects.get()
    assert enrollment.estate_id == unit_a.estate_id
    second = admin_client_.post(url, _enrollment_form(unit_a, item, "2025-06-01"))
    assert second.status_code == 200
    assert "already enrolled" in second.content.decode()
    assert ChargeEnrollment.objects.count() == 1
    # A later, non-overlapping one is fine; then stretching the first over it is refused too.
    assert admin_client_.post(url, _enrollment_form(unit_a, item, "2025-07-01")).status_code == 302
    change = reverse("admin:billing_chargeenrollment_change", args=[enrollment.pk])
    response = admin_client_.post(change, {**_enrollment_form(unit_a, item, "2025-01-01", "2025-08-31")})
    assert response.status_code == 200 and "already enrolled" in response.content.decode()
    enrollment.refresh_from_db()
    assert enrollment.end_date.isoformat() == "2025-06-30"


def test_admin_action_waives_late_fees_with_a_reason(admin_client_, users, unit_a):
    from datetime import date

    from billing.models import Bill, BillEvent, ChargeItem
    from tests.billing.conftest import at

    BillingPolicyFactory(
        estate=unit_a.estate, late_fees_enabled=True, late_fee_daily_rate="0.001", late_fee_cap_percent="10"
    )
    bill = make_bill(unit_a, "1000.00", period=date(2025, 3, 1), due=date(2025, 3, 31))
    services.record_payment(
        idempotency_key=new_key(),
        unit=unit_a,
        amount="1000.00",
        method="cash",
        actor=users["clerk"],
        bill_ids=[bill.pk],
        now=at(2025, 4, 5),
    )
    fee_bill = Bill.objects.get(charge_item__kind=ChargeItem.Kind.LATE_FEE)
    url = reverse("admin:billing_bill_changelist")
    body = {"action": "waive_late_fees", "_selected_action": [fee_bill.pk]}
    asked = admin_client_.post(url, body)
    assert asked.status_code == 200 and "waive-reason" in asked.content.decode()
    fee_bill.refresh_from_db()
    assert fee_bill.status == Bill.Status.OPEN
    done = admin_client_.post(url, {**body, "apply": "1", "reason": "物业经理批准减免"})
    assert done.status_code == 302
    fee_bill.refresh_from_db()
    assert fee_bill.status == Bill.Status.VOID
    assert BillEvent.objects.filter(bill=fee_bill, note__contains="物业经理批准减免").exists()
