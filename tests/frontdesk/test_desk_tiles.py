"""The desk's landing page links the rest of the desk's work: key custody, move-ins, move-outs and
invoice requests, each with what waits there, shown to those who may read that page."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from frontdesk.models import MoveOut
from frontdesk.services import invoices
from moveins.models import MoveIn
from tests.billing.conftest import new_key
from tests.factories import UnitFactory, make_staff
from tests.frontdesk.keys_helpers import forget_id_checks, owner_with_id, paid_bill, register
from tests.frontdesk.moveout_helpers import make_moveout
from tests.moveins.factories import MoveInFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_id_check_counts():
    forget_id_checks()


def _tiles(html: str) -> dict[str, int]:
    return {
        name: int(count)
        for name, count in re.findall(
            r'data-tile="([^"]+)">.*?data-testid="tile-count">(\d+)<', html, flags=re.DOTALL
        )
    }


def _work(unit_a, unit_a2, unit_b, resident, users, *, tag: str, period: date):
    register(unit_a, owner_with_id(resident), users["frontdesk"], tag=tag)
    make_moveout(unit_a)
    make_moveout(unit_a, status=MoveOut.Status.COMPLETED)
    bill = paid_bill(unit_a, users["clerk"], period=period, code=tag)
    invoices.request_invoice(
        actor=resident, unit=unit_a, bill_ids=[bill.pk], title="王芳", idempotency_key=new_key()
    )
    now = timezone.now()
    MoveInFactory(unit=unit_a2, scheduled_for=now)
    MoveInFactory(unit=_unit(unit_a, "9901"), scheduled_for=now, status=MoveIn.Status.CANCELLED)
    MoveInFactory(unit=_unit(unit_a, "9902"), scheduled_for=now + timedelta(days=2))
    MoveInFactory(unit=unit_b, scheduled_for=now)


def _unit(near, number: str):
    return UnitFactory(building=near.building, number=number)


def test_the_desk_sees_its_work_counted_in_fixed_queries(
    client_as, users, unit_a, unit_a2, unit_b, resident, django_assert_max_num_queries
):
    client = client_as(users["frontdesk"])
    client.get(reverse("frontdesk:home"))
    with django_assert_max_num_queries(40) as empty:
        html = client.get(reverse("frontdesk:home")).content.decode()
    assert _tiles(html) == {
        "frontdesk:keys": 0,
        "moveins:list": 0,
        "frontdesk:moveouts": 0,
        "frontdesk:invoices": 0,
        "relations:notices": 0,
    }
    _work(unit_a, unit_a2, unit_b, resident, users, tag="A-01", period=date(2025, 1, 1))
    with django_assert_max_num_queries(len(empty.captured_queries)):
        html = client.get(reverse("frontdesk:home")).content.decode()
    # Estate B's move-in is not counted; neither are a cancelled one, one on another day, a finished move-out.
    assert _tiles(html) == {
        "frontdesk:keys": 1,
        "moveins:list": 1,
        "frontdesk:moveouts": 1,
        "frontdesk:invoices": 1,
        "relations:notices": 0,
    }
    assert f'href="{reverse("moveins:list")}"' in html and f'href="{reverse("frontdesk:keys")}"' in html
    assert 'data-testid="knowledge-hint"' in html


def test_a_tile_shows_only_for_those_who_read_its_page(client_as, users, estate_a):
    # The housekeeper reads the desk logs, move-outs and notices, not key custody, move-ins or
    # invoices.
    html = client_as(users["housekeeper"]).get(reverse("frontdesk:home")).content.decode()
    assert set(_tiles(html)) == {"frontdesk:moveouts", "relations:notices"}
    company = make_staff("company", username="company-2")
    assert set(_tiles(client_as(company).get(reverse("frontdesk:home")).content.decode())) == {
        "frontdesk:keys",
        "moveins:list",
        "frontdesk:moveouts",
        "frontdesk:invoices",
        "relations:notices",
    }
