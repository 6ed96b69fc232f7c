"""The desk's landing page links the rest of the desk's work: the tiles at 360 px (zh) and 1280 px
(en), with what waits behind each."""

from datetime import date

import pytest
from django.utils import timezone

from frontdesk.services import invoices
from tests.billing.conftest import new_key
from tests.browser.conftest import shot
from tests.frontdesk.keys_helpers import forget_id_checks, owner_with_id, paid_bill, register
from tests.frontdesk.moveout_helpers import make_moveout
from tests.moveins.factories import MoveInFactory

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.mark.parametrize(("lang", "width"), [("zh-hans", 360), ("en", 1280)])
def test_the_desk_tiles(page_as, live_server, users, unit_a, unit_a2, resident, lang, width):
    forget_id_checks()
    register(unit_a, owner_with_id(resident), users["frontdesk"], tag="A-01")
    make_moveout(unit_a)
    bill = paid_bill(unit_a, users["clerk"], period=date(2025, 1, 1), code="t1")
    invoices.request_invoice(
        actor=resident, unit=unit_a, bill_ids=[bill.pk], title="王芳", idempotency_key=new_key()
    )
    MoveInFactory(unit=unit_a2, scheduled_for=timezone.now())
    page = page_as(users["frontdesk"], lang=lang, width=width)
    page.goto(live_server.url + "/desk/")
    tiles = page.locator("[data-testid=desk-tiles] li")
    # Keys, move-ins, move-outs and invoices have one each; the notices showing today, none.
    assert tiles.count() == 5
    for index in range(4):
        assert tiles.nth(index).locator("[data-testid=tile-count]").inner_text() == "1"
    assert tiles.nth(4).locator("[data-testid=tile-count]").inner_text() == "0"
    assert page.locator("[data-testid=knowledge-hint]").is_visible()
    # Nothing sticks out of a phone's screen.
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    shot(page, f"desk-tiles-{lang}-{width}")
    tiles.nth(0).locator("a").click()
    page.wait_for_load_state()
    assert page.url.endswith("/desk/keys/")
