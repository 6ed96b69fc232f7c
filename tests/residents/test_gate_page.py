"""The desk pages of passes: the gate check on a phone, the list, one pass with its revocation,
the printable card with its QR code, and the unit page's passes."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from residents import services
from servicecenter import panels
from tests.residents.pass_factory import HOLDER_ID, make_pass

pytestmark = pytest.mark.django_db

INLINE_SCRIPT = re.compile(rb"<script(?![^>]*\bsrc=)[^>]*>", re.IGNORECASE)


def _no_inline_script_or_style(content: bytes) -> None:
    assert not INLINE_SCRIPT.search(content)
    assert b"<style" not in content.lower()
    assert b" style=" not in content.lower()
    assert b" on" + b"click=" not in content.lower()


def _result(html: str) -> str:
    return re.search(r'<section class="gate-result.*?</section>', html, re.S).group(0)


# --- the gate check ------------------------------------------------------------------------------


def test_gate_page_shows_a_big_box_for_the_number(client_as, users):
    response = client_as(users["technician"]).get(reverse("passes:verify"))
    assert response.status_code == 200
    html = response.content
    assert b'name="number"' in html and b"autofocus" in html
    assert b'name="viewport" content="width=device-width' in html
    assert b"css/passes.css" in html
    assert b'data-testid="gate-result"' not in html
    _no_inline_script_or_style(html)


def test_gate_page_says_valid_with_holder_id_unit_and_hours(client_as, users, unit_a):
    pass_ = make_pass(unit_a, holder_name="王师傅", allowed_hours="08:00–12:00")
    response = client_as(users["technician"]).get(reverse("passes:verify"), {"number": pass_.number.lower()})
    html = response.content.decode()
    assert response.status_code == 200
    assert "gate-valid" in html and "gate-invalid" not in html
    assert "王师傅" in html and pass_.holder_id_masked in html and HOLDER_ID not in html
    assert unit_a.code in html and "08:00–12:00" in html
    assert "no-store" in response["Cache-Control"]
    _no_inline_script_or_style(response.content)


def test_gate_page_says_not_valid_with_the_revoke_reason(client_as, users, unit_a):
    pass_ = make_pass(unit_a)
    services.revoke_pass(pass_=pass_, actor=users["frontdesk"], reason="工人已离场")
    html = (
        client_as(users["engineer"]).get(reverse("passes:verify"), {"number": pass_.number}).content.decode()
    )
    assert "gate-invalid" in html and "gate-valid" not in html
    assert "工人已离场" in html


def test_gate_page_says_not_valid_for_an_expired_pass(client_as, users, unit_a):
    now = timezone.now()
    pass_ = make_pass(unit_a, valid_from=now - timedelta(days=2), valid_until=now - timedelta(minutes=1))
    html = (
        client_as(users["housekeeper"])
        .get(reverse("passes:verify"), {"number": pass_.number})
        .content.decode()
    )
    assert "gate-invalid" in html and pass_.holder_name in html


def test_gate_page_does_not_tell_another_estates_pass_from_an_unknown_one(client_as, users, unit_b):
    elsewhere = make_pass(unit_b, holder_name="外来人员")
    client = client_as(users["frontdesk"])
    unknown = client.get(reverse("passes:verify"), {"number": "LJYP2026-777777"}).content.decode()
    other = client.get(reverse("passes:verify"), {"number": elsewhere.number}).content.decode()
    assert "gate-invalid" in unknown and "gate-invalid" in other
    assert "外来人员" not in other
    assert _result(unknown) == _result(other)


def test_gate_page_asks_again_for_an_empty_number(client_as, users):
    html = client_as(users["frontdesk"]).get(reverse("passes:verify"), {"number": "  "}).content.decode()
    assert 'role="alert"' in html and 'data-testid="gate-result"' not in html


def test_gate_page_is_staff_only(client_as, resident, users):
    assert client_as(resident).get(reverse("passes:verify")).status_code == 404
    assert client_as(users["company"]).get(reverse("passes:verify")).status_code == 403


# --- the list ------------------------------------------------------------------------------------


def test_pass_list_runs_a_fixed_number_of_queries(
    client_as, users, unit_a, unit_a2, django_assert_max_num_queries
):
    for i in range(30):
        make_pass(unit_a if i % 2 else unit_a2, holder_name=f"工人{i}")
    client = client_as(users["frontdesk"])
    with django_assert_max_num_queries(12):
        response = client.get(reverse("passes:list"))
    rows = response.context["page"].object_list
    assert len(rows) == 25
    assert rows[0].unit.code in response.content.decode()


def test_pass_list_filters_by_validity_and_unit(client_as, users, unit_a, unit_a2):
    current = make_pass(unit_a)
    revoked = make_pass(unit_a2)
    services.revoke_pass(pass_=revoked, actor=None, reason="丢失")
    client = client_as(users["frontdesk"])
    valid_rows = client.get(reverse("passes:list"), {"valid": "true"}).context["page"].object_list
    unit_rows = client.get(reverse("passes:list"), {"unit": unit_a2.pk}).context["page"].object_list
    assert list(valid_rows) == [current]
    assert list(unit_rows) == [revoked]


# --- one pass: revoking and printing ------------------------------------------------------------------


def test_pass_page_revokes_with_a_reason(client_as, users, unit_a):
    pass_ = make_pass(unit_a)
    client = client_as(users["frontdesk"])
    page = client.get(reverse("passes:detail", args=[pass_.pk]))
    assert b'action="%s"' % reverse("passes:revoke", args=[pass_.pk]).encode() in page.content
    response = client.post(reverse("passes:revoke", args=[pass_.pk]), {"reason": "装修已完工"})
    assert response.status_code == 302
    pass_.refresh_from_db()
    assert (pass_.revoke_reason, pass_.revoked_by) == ("装修已完工", users["frontdesk"])


def test_revoking_without_a_reason_shows_the_form_again_and_changes_nothing(client_as, users, unit_a):
    pass_ = make_pass(unit_a)
    response = client_as(users["clerk"]).post(reverse("passes:revoke", args=[pass_.pk]), {"reason": "  "})
    assert response.status_code == 400
    assert response.context["revoke_form"].errors["reason"]
    pass_.refresh_from_db()
    assert pass_.revoked_at is None


def test_gate_staff_see_the_pass_but_cannot_revoke_it(client_as, users, unit_a):
    pass_ = make_pass(unit_a)
    client = client_as(users["technician"])
    page = client.get(reverse("passes:detail", args=[pass_.pk]))
    assert page.status_code == 200 and page.context["revoke_form"] is None
    assert client.post(reverse("passes:revoke", args=[pass_.pk]), {"reason": "x"}).status_code == 403
    pass_.refresh_from_db()
    assert pass_.revoked_at is None


def test_other_estates_pass_pages_are_not_found(client_as, users, unit_b):
    elsewhere = make_pass(unit_b)
    client = client_as(users["frontdesk"])
    for name in ("passes:detail", "passes:print"):
        assert client.get(reverse(name, args=[elsewhere.pk])).status_code == 404
    assert client.post(reverse("passes:revoke", args=[elsewhere.pk]), {"reason": "x"}).status_code == 404


def test_print_page_has_the_qr_code_of_the_number_and_no_inline_script_or_style(
    client_as, users, unit_a, monkeypatch
):
    import segno

    from residents import qr

    encoded = []
    real_make = segno.make
    monkeypatch.setattr(
        qr.segno, "make", lambda content, **kw: encoded.append(content) or real_make(content, **kw)
    )
    pass_ = make_pass(unit_a, holder_name="赵师傅")
    response = client_as(users["frontdesk"]).get(reverse("passes:print", args=[pass_.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    assert encoded == [pass_.number]
    assert re.search(r'<svg viewBox="[^"]+" class="qr"><title>' + re.escape(pass_.number), html)
    assert "赵师傅" in html and pass_.holder_id_masked in html and HOLDER_ID not in html
    assert "css/passes.css" in html and "data-print" in html
    _no_inline_script_or_style(response.content)


# --- the unit page ---------------------------------------------------------------------------------


def _unit_page_queries(client, unit) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("residents:unit_detail", args=[unit.pk]))
    assert response.status_code == 200
    return len(queries)


def test_unit_page_lists_its_passes_without_a_query_per_pass(client_as, users, unit_a, monkeypatch):
    monkeypatch.setattr(panels, "_UNIT_PANELS", [])
    client = client_as(users["frontdesk"])
    make_pass(unit_a, holder_name="第一位")
    _unit_page_queries(client, unit_a)  # the first request fills the user's cached permissions
    with_one = _unit_page_queries(client, unit_a)
    for i in range(9):
        make_pass(unit_a, holder_name=f"工人{i}")
    with_ten = _unit_page_queries(client, unit_a)
    page = client.get(reverse("residents:unit_detail", args=[unit_a.pk])).content.decode()
    assert with_ten == with_one
    assert "第一位" in page and "工人8" in page


def test_unit_page_has_no_passes_section_without_the_permission(client_as, users, unit_a, monkeypatch):
    from django.contrib.auth.models import Permission

    monkeypatch.setattr(panels, "_UNIT_PANELS", [])
    make_pass(unit_a, holder_name="第一位")
    user = users["frontdesk"]
    for group in user.groups.all():
        group.permissions.remove(Permission.objects.get(codename="view_pass"))
    page = client_as(user).get(reverse("residents:unit_detail", args=[unit_a.pk])).content.decode()
    assert "第一位" not in page
