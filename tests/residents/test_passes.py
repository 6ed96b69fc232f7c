"""Pass reads and rules: the gate's answer at the edges of the validity period (timezone-aware),
revoked and expired passes, scoping, the unit's passes, bad input to the issuing service, roles,
the admin and the QR code."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.contrib import admin as django_admin
from django.http import Http404
from django.urls import reverse

from residents import selectors, services
from residents.admin import PassAdmin
from residents.models import Pass, PassCounter
from servicecenter.exceptions import DomainError
from tests.factories import make_staff
from tests.residents.pass_factory import HOLDER_ID, make_pass
from tests.servicecenter.test_admin_writes import writes_directly

pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 3, 1, 10, 0, tzinfo=SHANGHAI)


# --- validity at its edges ----------------------------------------------------------------------


def test_pass_ending_exactly_now_is_expired(unit_a, users):
    pass_ = make_pass(unit_a, valid_from=NOW - timedelta(days=1), valid_until=NOW, now=NOW)
    check = selectors.verify_pass(number=pass_.number, user=users["technician"], now=NOW)
    assert (check.valid, check.reason) == (False, "expired")


def test_pass_one_second_before_its_end_is_valid(unit_a, users):
    pass_ = make_pass(unit_a, valid_from=NOW - timedelta(days=1), valid_until=NOW, now=NOW)
    check = selectors.verify_pass(
        number=pass_.number, user=users["technician"], now=NOW - timedelta(seconds=1)
    )
    assert (check.valid, check.reason) == (True, "")


def test_pass_is_valid_from_its_first_second_and_not_before(unit_a, users):
    pass_ = make_pass(unit_a, valid_from=NOW, valid_until=NOW + timedelta(days=1), now=NOW)
    at_start = selectors.verify_pass(number=pass_.number, user=users["frontdesk"], now=NOW)
    before = selectors.verify_pass(
        number=pass_.number, user=users["frontdesk"], now=NOW - timedelta(seconds=1)
    )
    assert at_start.valid is True
    assert (before.valid, before.reason) == (False, "not_yet_valid")
    assert "2026-03-01 10:00" in before.reason_text


def test_a_pass_until_shanghai_midnight_expires_at_midnight_local_time(unit_a, users, settings):
    """Shanghai midnight is 16:00 UTC the day before: the check compares instants, whatever zone
    the clock is read in, and says the end in local time."""
    settings.TIME_ZONE = "Asia/Shanghai"
    midnight = datetime(2026, 3, 2, 0, 0, tzinfo=SHANGHAI)
    pass_ = make_pass(unit_a, valid_from=NOW, valid_until=midnight, now=NOW)
    late_evening_utc = datetime(2026, 3, 1, 15, 59, 59, tzinfo=ZoneInfo("UTC"))
    midnight_utc = datetime(2026, 3, 1, 16, 0, tzinfo=ZoneInfo("UTC"))
    assert selectors.verify_pass(number=pass_.number, user=users["frontdesk"], now=late_evening_utc).valid
    expired = selectors.verify_pass(number=pass_.number, user=users["frontdesk"], now=midnight_utc)
    assert (expired.valid, expired.reason) == (False, "expired")
    assert "2026-03-02 00:00" in expired.reason_text


def test_revoked_pass_answers_not_valid_with_the_reason(unit_a, users):
    pass_ = make_pass(unit_a, now=NOW)
    services.revoke_pass(pass_=pass_, actor=users["frontdesk"], reason="工人已离场", now=NOW)
    check = selectors.verify_pass(
        number=pass_.number, user=users["technician"], now=NOW + timedelta(minutes=1)
    )
    assert (check.valid, check.reason, check.revoke_reason) == (False, "revoked", "工人已离场")
    assert "工人已离场" in check.reason_text


def test_a_pass_revoked_later_was_valid_before(unit_a, users):
    pass_ = make_pass(unit_a, now=NOW)
    services.revoke_pass(pass_=pass_, actor=users["frontdesk"], reason="丢失", now=NOW)
    assert selectors.verify_pass(
        number=pass_.number, user=users["frontdesk"], now=NOW - timedelta(hours=1)
    ).valid


def test_check_carries_what_the_gate_shows(unit_a, users):
    pass_ = make_pass(unit_a, holder_name="张师傅", allowed_hours="08:00–18:00", now=NOW)
    check = selectors.verify_pass(number=pass_.number, user=users["technician"], now=NOW)
    assert check.holder_name == "张师傅"
    assert check.holder_id_masked == HOLDER_ID[:3] + "*" * 11 + HOLDER_ID[-4:]
    assert HOLDER_ID not in repr(check)
    assert check.holder_mobile_masked == "139****5678"
    assert check.unit_code == unit_a.code
    assert check.estate_name == unit_a.estate.name
    assert check.allowed_hours == "08:00–18:00"
    assert check.kind == Pass.Kind.SHOP_STAFF and check.kind_label


# --- finding the pass ---------------------------------------------------------------------------


@pytest.mark.parametrize("typed", ["{n}", "{lower}", "  {n}  ", "{spaced}", "{fullwidth}"])
def test_number_is_found_whatever_the_case_spaces_or_width(unit_a, users, typed):
    pass_ = make_pass(unit_a, now=NOW)
    n = pass_.number
    text = typed.format(
        n=n,
        lower=n.lower(),
        spaced=" ".join(n),
        fullwidth="".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in n),
    )
    assert selectors.verify_pass(number=text, user=users["frontdesk"], now=NOW).pass_id == pass_.pk


def test_unknown_number_is_not_found(unit_a, users):
    make_pass(unit_a, now=NOW)
    with pytest.raises(Http404):
        selectors.verify_pass(number="LJYP2026-999999", user=users["frontdesk"], now=NOW)
    with pytest.raises(Http404):
        selectors.verify_pass(number="   ", user=users["frontdesk"], now=NOW)


def test_pass_of_another_estate_is_not_found(unit_b, users):
    other = make_pass(unit_b, now=NOW)
    with pytest.raises(Http404):
        selectors.verify_pass(number=other.number, user=users["frontdesk"], now=NOW)


def test_company_checks_passes_of_every_estate_but_residents_none(unit_b, users, resident, unit_a):
    other = make_pass(unit_b, now=NOW)
    own = make_pass(unit_a, now=NOW)
    assert selectors.verify_pass(number=other.number, user=users["company"], now=NOW).valid
    with pytest.raises(Http404):
        selectors.verify_pass(number=own.number, user=resident, now=NOW)


def test_lists_are_scoped(unit_a, unit_a2, unit_b, users, resident):
    mine, neighbours, elsewhere = make_pass(unit_a), make_pass(unit_a2), make_pass(unit_b)
    assert set(selectors.passes_for_list(user=users["frontdesk"])) == {mine, neighbours}
    assert set(selectors.passes_for_list(user=resident)) == {mine}
    assert set(selectors.passes_for_list(user=users["company"])) == {mine, neighbours, elsewhere}
    with pytest.raises(Http404):
        selectors.pass_for_page(user=users["frontdesk"], pk=elsewhere.pk)
    with pytest.raises(Http404):
        selectors.pass_for_page(user=resident, pk=neighbours.pk)


def test_unit_passes_take_one_query_however_many(unit_a, users, django_assert_num_queries):
    for i in range(12):
        make_pass(unit_a, holder_name=f"工人{i}")
    users["frontdesk"].has_perm("residents.view_pass")  # warm the permission and reach caches
    selectors.passes_for_list(user=users["frontdesk"]).exists()
    with django_assert_num_queries(1):
        rows = selectors.passes_for_unit(user=users["frontdesk"], unit=unit_a, limit=10)
        assert [p.unit.code for p in rows] == [unit_a.code] * 10


# --- bad input to the issuing service changes nothing ---------------------------------------------


@pytest.mark.parametrize(
    ("changes", "code"),
    [
        ({"valid_until": NOW - timedelta(hours=1)}, "invalid_period"),
        ({"valid_until": NOW}, "invalid_period"),
        ({"holder_mobile": "12345"}, "mobile_format"),
        ({"holder_id_number": "110101198001010000"}, "id_format"),
        ({"holder_name": "  "}, "holder_required"),
    ],
)
def test_bad_input_is_refused_and_nothing_is_written(unit_a, users, changes, code):
    values = {
        "estate": unit_a.estate,
        "unit": unit_a,
        "kind": Pass.Kind.SHOP_STAFF,
        "holder_name": "李师傅",
        "holder_mobile": "13912345678",
        "holder_id_number": HOLDER_ID,
        "valid_from": NOW,
        "valid_until": NOW + timedelta(days=1),
        "actor": users["frontdesk"],
        "now": NOW,
        **changes,
    }
    with pytest.raises(DomainError) as error:
        services.issue_pass(**values)
    assert error.value.code == code
    assert not Pass.objects.exists()
    assert not PassCounter.objects.exists()


def test_revoking_without_a_reason_is_refused(unit_a, users):
    pass_ = make_pass(unit_a)
    with pytest.raises(DomainError):
        services.revoke_pass(pass_=pass_, actor=users["frontdesk"], reason="  ")
    pass_.refresh_from_db()
    assert pass_.revoked_at is None


# --- roles ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "verifies", "issues"),
    [
        ("frontdesk", True, True),
        ("clerk", True, True),
        ("housekeeper", True, False),
        ("technician", True, False),
        ("engineer", True, False),
        ("supervisor", True, True),
        ("manager", True, True),
        ("company", False, False),
    ],
)
def test_roles_verify_and_issue_passes(users, role, verifies, issues):
    user = users[role]
    assert user.has_perm("residents.view_pass")
    assert user.has_perm("residents.verify_pass") is verifies
    assert user.has_perm("residents.issue_pass") is issues


def test_residents_hold_no_pass_permission(resident):
    assert not any(resident.has_perm(f"residents.{p}") for p in ("view_pass", "verify_pass", "issue_pass"))


# --- admin ---------------------------------------------------------------------------------------


def test_pass_admin_is_read_only(rf):
    from tests.servicecenter.test_admin_writes import _superuser_request

    model_admin = django_admin.site._registry[Pass]
    assert isinstance(model_admin, PassAdmin)
    assert writes_directly(model_admin, _superuser_request(rf)) == []


@pytest.fixture
def admin_frontdesk(estate_a):
    return make_staff("frontdesk", estate_a, username="desk-admin", is_staff=True)


def test_admin_revoke_asks_for_a_reason_then_revokes_through_the_service(client, admin_frontdesk, unit_a):
    pass_ = make_pass(unit_a)
    client.force_login(admin_frontdesk)
    url = reverse("admin:residents_pass_changelist")
    form = {"action": "revoke_selected", "_selected_action": [pass_.pk]}
    asked = client.post(url, form)
    assert asked.status_code == 200 and b'name="reason"' in asked.content
    blank = client.post(url, {**form, "apply": "1", "reason": " "})
    assert blank.status_code == 200
    pass_.refresh_from_db()
    assert pass_.revoked_at is None
    done = client.post(url, {**form, "apply": "1", "reason": "卡片遗失"})
    assert done.status_code == 302
    pass_.refresh_from_db()
    assert (pass_.revoke_reason, pass_.revoked_by) == ("卡片遗失", admin_frontdesk)


def test_admin_offers_revoke_only_to_issuers(client, estate_a, unit_a):
    make_pass(unit_a)
    guard = make_staff("technician", estate_a, username="guard-admin", is_staff=True)
    client.force_login(guard)
    response = client.get(reverse("admin:residents_pass_changelist"))
    assert response.status_code == 200
    assert b"revoke_selected" not in response.content


def test_admin_searches_by_number_and_holder_in_own_estate_only(client, admin_frontdesk, unit_a, unit_b):
    mine = make_pass(unit_a, holder_name="周师傅")
    other = make_pass(unit_b, holder_name="周师傅")
    client.force_login(admin_frontdesk)
    url = reverse("admin:residents_pass_changelist")
    by_holder = client.get(url, {"q": "周师傅"}).context["cl"].result_list
    by_number = client.get(url, {"q": mine.number.lower()}).context["cl"].result_list
    assert list(by_holder) == [mine] and list(by_number) == [mine]
    assert other not in by_holder


# --- the QR code ----------------------------------------------------------------------------------


def test_qr_encodes_the_pass_number(monkeypatch):
    import segno

    from residents import qr

    seen = []
    real_make = segno.make

    def spy(content, **kwargs):
        seen.append(content)
        return real_make(content, **kwargs)

    monkeypatch.setattr(qr.segno, "make", spy)
    svg = qr.qr_svg("LJYP2026-000042", title="LJYP2026-000042")
    assert seen == ["LJYP2026-000042"]
    assert svg.startswith("<svg") and "<path" in svg and "style=" not in svg
