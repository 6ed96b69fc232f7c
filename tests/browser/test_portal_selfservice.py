"""Self-service in the resident portal (#14) in a real browser at 360 px, in English and Chinese:
an owner applies for a renovation with a plan and sees it submitted; an owner before the handover
books a move-in slot; a resident books a special service (a paid-service ticket)."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.contrib.auth.models import Group
from django.utils import timezone

from moveins.models import MoveIn
from relations.models import SpecialService, SpecialServiceBooking
from renovations.models import Renovation, ScopeItem
from tests.browser.conftest import shot
from tests.factories import UnitFactory, UserFactory
from tests.moveins.factories import MoveInBatchFactory, MoveInFactory, MoveInSlotFactory
from tests.renovations.helpers import PDF
from tickets.models import TicketCategory

pytestmark = pytest.mark.django_db(transaction=True)
LANGS = ["en", "zh-hans"]


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path)},
        },
    }


@pytest.mark.parametrize("lang", LANGS)
def test_apply_for_a_renovation_with_a_plan(page_as, live_server, resident, unit_a, lang, tmp_path):
    if not ScopeItem.objects.filter(estate=unit_a.estate, is_active=True, is_regular=True).exists():
        ScopeItem.objects.create(estate=unit_a.estate, name="墙面粉刷", area="finishing", is_regular=True)
    item = ScopeItem.objects.filter(estate=unit_a.estate, is_active=True, is_regular=True).first()
    plan = tmp_path / "plan.pdf"
    plan.write_bytes(PDF)
    page = page_as(resident, lang=lang, width=360)
    page.goto(live_server.url + "/portal/")
    page.get_by_test_id("portal-renovations").locator("a").last.click()
    page.get_by_test_id("apply-link").click()
    page.locator(f"input[name=scope_items][value='{item.pk}']").check()
    start = timezone.localdate() + timedelta(days=7)
    page.fill("input[name=planned_start]", start.isoformat())
    page.fill("input[name=planned_end]", (start + timedelta(days=30)).isoformat())
    page.fill("input[name=contractor_company]", "深圳市安居装饰工程有限公司")
    page.fill("input[name=contractor_licence]", "91440300MA5XXXXX1A")
    page.fill("input[name=contractor_contact]", "李工")
    page.fill("input[name=contractor_phone]", "13912345678")
    page.fill("input[name='workers-0-name']", "张师傅")
    page.fill("input[name='workers-0-mobile']", "13712340001")
    page.fill("input[name='workers-0-id_number']", "11010519491231002X")
    page.set_input_files("input[name=plans]", str(plan))
    shot(page, f"portal-renovation-form-{lang}-360")
    page.locator("#renovation-form button.primary").click()
    page.get_by_test_id("renovation-status").wait_for()
    renovation = Renovation.objects.get()
    assert renovation.status == Renovation.Status.SUBMITTED and renovation.documents.count() == 1
    assert renovation.number in page.content()
    shot(page, f"portal-renovation-submitted-{lang}-360")


@pytest.mark.parametrize("lang", LANGS)
def test_an_owner_before_handover_books_a_move_in_slot(page_as, live_server, estate_a, building_a, lang):
    user = UserFactory(username=f"new-owner-{lang}")
    user.groups.add(Group.objects.get(name="resident"))
    move_in = MoveInFactory(
        unit=UnitFactory(building=building_a, number="0901"),
        status=MoveIn.Status.SCHEDULED,
        scheduled_for=None,
    )
    move_in.owner.user = user
    move_in.owner.save(update_fields=["user"])
    today = timezone.localdate()
    batch = MoveInBatchFactory(estate=estate_a, starts_on=today, ends_on=today + timedelta(days=10))
    starts = timezone.now().replace(microsecond=0, second=0) + timedelta(days=2)
    slot = MoveInSlotFactory(batch=batch, starts_at=starts, ends_at=starts + timedelta(hours=1), capacity=3)
    page = page_as(user, lang=lang, width=360)
    page.goto(live_server.url + "/portal/")
    page.get_by_test_id("portal-move-ins").locator("a").first.click()
    page.locator(f"input[name=slot][value='{slot.pk}']").check()
    shot(page, f"portal-movein-slots-{lang}-360")
    page.get_by_test_id("slot-form").locator("button").click()
    page.get_by_test_id("booked-slot").wait_for()
    move_in.refresh_from_db()
    assert move_in.slot_id == slot.pk
    shot(page, f"portal-movein-booked-{lang}-360")


@pytest.mark.parametrize("lang", LANGS)
def test_book_a_special_service(page_as, live_server, resident, unit_a, lang):
    SpecialService.objects.create(
        estate=unit_a.estate,
        name="Deep cleaning",
        price=Decimal("300.00"),
        price_unit="per visit",
        category=TicketCategory.objects.get(code="public_cleaning"),
    )
    page = page_as(resident, lang=lang, width=360)
    page.goto(live_server.url + "/portal/")
    page.get_by_test_id("portal-special-services").locator("a").click()
    shot(page, f"portal-special-services-{lang}-360")
    page.get_by_test_id("special-services").locator("a.button").first.click()
    page.fill("textarea[name=notes]", "周末上午")
    page.get_by_test_id("special-service-form").locator("button").click()
    page.wait_for_url("**/portal/tickets/**")
    booking = SpecialServiceBooking.objects.get()
    assert booking.ticket.is_paid_service and booking.ticket.service_price == Decimal("300.00")
    shot(page, f"portal-special-service-booked-{lang}-360")
