import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from billing import services
from billing.models import Payment
from tests.billing.conftest import make_bill, new_key

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
