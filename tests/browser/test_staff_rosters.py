"""The weekly roster grid, a shift swap and a shift handover, in a browser, in Chinese and English.

The supervisor opens next week's roster of the front desk, copies this week into it, fills two
cells that leave the housekeeper less than 8 hours' rest (a night on call, then a morning), saves
and sees the conflict; the front desk asks the clerk to take their Monday and the supervisor
approves; the outgoing front desk leaves a handover note and the incoming clerk acknowledges it."""

from datetime import timedelta

import pytest
from django.utils import timezone

from staff.models import RosterEntry, ShiftHandover, ShiftType, StaffProfile, SwapRequest, Team
from tests.browser.conftest import shot
from tests.factories import TeamFactory

pytestmark = pytest.mark.django_db(transaction=True)


def _page(page_as, user, **options):
    page = page_as(user, **options)
    page.set_default_timeout(60_000)  # a busy shared machine: slow, not wrong
    return page


@pytest.mark.parametrize("lang", ["zh-hans", "en"])
def test_roster_swap_and_handover(page_as, live_server, users, estate_a, lang):
    desk = TeamFactory(estate=estate_a, kind=Team.Kind.CUSTOMER_SERVICE, name="客服组")
    for role in ("frontdesk", "clerk", "housekeeper"):
        StaffProfile.objects.filter(user=users[role]).update(team=desk)
    today = timezone.localdate()
    this_monday = today - timedelta(days=today.weekday())
    next_monday = this_monday + timedelta(days=7)
    morning = ShiftType.objects.get(estate=estate_a, code="morning")
    night = ShiftType.objects.get(estate=estate_a, code="night_on_call")
    starts_at, ends_at = morning.span_on(this_monday)
    RosterEntry.objects.create(
        estate=estate_a,
        team=desk,
        user=users["frontdesk"],
        day=this_monday,
        shift_type=morning,
        starts_at=starts_at,
        ends_at=ends_at,
    )

    # The supervisor copies this week into next week, fills two cells and saves.
    supervisor = _page(page_as, users["supervisor"], lang=lang)
    supervisor.goto(f"{live_server.url}/staff/rosters/?team={desk.pk}&week={next_monday:%Y-%m-%d}")
    supervisor.locator("form[action$='/copy-last-week/'] button").click()
    supervisor.wait_for_load_state()
    frontdesk_cell = f"select[name='cell-{users['frontdesk'].pk}-{next_monday:%Y-%m-%d}']"
    assert supervisor.locator(frontdesk_cell).input_value() == str(morning.pk)
    keeper = users["housekeeper"].pk
    supervisor.select_option(f"select[name='cell-{keeper}-{next_monday:%Y-%m-%d}']", str(night.pk))
    tuesday = next_monday + timedelta(days=1)
    supervisor.select_option(f"select[name='cell-{keeper}-{tuesday:%Y-%m-%d}']", str(morning.pk))
    supervisor.locator("form[action$='/rosters/save/'] button[type=submit]").click()
    supervisor.wait_for_load_state()
    conflicts = supervisor.locator("[data-testid=roster-conflicts]")
    assert conflicts.is_visible()
    assert tuesday.isoformat() in conflicts.inner_text()
    assert RosterEntry.objects.filter(user_id=keeper, day=tuesday, shift_type=morning).exists()
    shot(supervisor, f"roster-grid-conflict-{lang}")

    # The front desk asks the clerk to take their Monday; the supervisor approves.
    asker = _page(page_as, users["frontdesk"], lang=lang)
    asker.goto(f"{live_server.url}/staff/rosters/swaps/new/")
    given = RosterEntry.objects.get(user=users["frontdesk"], day=next_monday)
    asker.select_option("select[name=entry]", str(given.pk))
    asker.select_option("select[name=counterpart]", str(users["clerk"].pk))
    asker.locator("form[method=post] button.primary").click()
    asker.wait_for_load_state()
    swap = SwapRequest.objects.get(requested_by=users["frontdesk"])
    assert swap.status == SwapRequest.Status.REQUESTED
    supervisor.goto(f"{live_server.url}/staff/rosters/swaps/")
    supervisor.locator(f"form[action$='/swaps/{swap.pk}/approve/'] button").click()
    supervisor.wait_for_load_state()
    swap.refresh_from_db()
    assert swap.status == SwapRequest.Status.APPROVED
    assert RosterEntry.objects.get(team=desk, day=next_monday, shift_type=morning).user == users["clerk"]
    shot(supervisor, f"roster-swap-approved-{lang}")

    # The outgoing front desk leaves a note; the incoming clerk acknowledges it.
    asker.goto(f"{live_server.url}/staff/handovers/team/{desk.pk}/")
    asker.locator("details:has(form.stacked) > summary").click()
    asker.fill("textarea[name=notes]", "3栋电梯维保中，钥匙在前台柜")
    asker.locator("form.stacked button[type=submit]").click()
    asker.wait_for_load_state()
    handover = ShiftHandover.objects.get(team=desk)
    assert asker.locator(f"form[action$='/handovers/{handover.pk}/acknowledge/']").count() == 0
    clerk = _page(page_as, users["clerk"], lang=lang, width=360)
    clerk.goto(f"{live_server.url}/staff/handovers/team/{desk.pk}/")
    clerk.locator(f"form[action$='/handovers/{handover.pk}/acknowledge/'] button").click()
    clerk.wait_for_load_state()
    handover.refresh_from_db()
    assert (handover.status, handover.acknowledged_by) == (ShiftHandover.Status.ACKNOWLEDGED, users["clerk"])
    assert handover.events.get().actor == users["clerk"]
    assert "3栋电梯维保中" in clerk.content()
    shot(clerk, f"handover-acknowledged-{lang}-360")
