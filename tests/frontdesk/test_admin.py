"""Admin: the manager keeps the estate's lost-and-found rules; the logs are read-only and scoped,
phones masked."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from frontdesk import services
from frontdesk.models import LostFoundRules
from tests.factories import make_staff

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_manager(users):
    user = users["manager"]
    user.is_staff = True
    user.save(update_fields=["is_staff"])
    return user


def test_the_manager_sets_the_keep_period_and_it_applies_to_new_items(
    client_as, admin_manager, estate_a, users
):
    response = client_as(admin_manager).post(
        reverse("admin:frontdesk_lostfoundrules_add"),
        {"estate": estate_a.pk, "keep_days": "30", "reminder_days": "3"},
    )
    assert response.status_code == 302, response.content
    assert LostFoundRules.objects.get(estate=estate_a).keep_days == 30
    item = services.log_lost_item(
        actor=users["frontdesk"], estate=estate_a, description="伞", found_place="大堂", storage_place="柜"
    )
    assert item.keep_until == timezone.localdate(item.found_at) + timedelta(days=30)


def test_the_logs_are_read_only_scoped_and_masked(client_as, admin_manager, unit_a, unit_b, estate_b, users):
    mine = services.register_visitor(
        actor=users["frontdesk"], unit=unit_a, name="陈晓东", phone="13800138000"
    )
    services.register_visitor(
        actor=make_staff("frontdesk", estate_b, username="desk-b"), unit=unit_b, name="别处访客"
    )
    client = client_as(admin_manager)
    listing = client.get(reverse("admin:frontdesk_visitor_changelist")).content.decode()
    assert "陈晓东" in listing and "别处访客" not in listing
    assert "138****8000" in listing and "13800138000" not in listing
    page = client.get(reverse("admin:frontdesk_visitor_change", args=[mine.pk]))
    assert page.status_code == 200
    assert "13800138000" not in page.content.decode()
    assert client.get(reverse("admin:frontdesk_visitor_add")).status_code == 403
