"""The staff archive pages: scoping, masking, reveal and ID checks, forms, documents, query counts."""

from datetime import date, timedelta

import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from residents import services
from residents.models import ArchiveDocument, Occupancy, Person, SensitiveAccessLog, Unit
from servicecenter import panels
from tests.factories import (
    BuildingFactory,
    OccupancyFactory,
    PersonFactory,
    UnitFactory,
    make_id_number,
    make_resident,
    make_staff,
)

PDF_BYTES = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
FULL_ID = make_id_number(123)
FULL_MOBILE = "13912345678"


@pytest.fixture(autouse=True)
def _fresh_cache():
    # The ID-check rate limit counts in the cache; every test starts from zero.
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def private_media(settings, tmp_path):
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path)},
        },
    }
    return tmp_path


@pytest.fixture
def owner(unit_a):
    person = PersonFactory(
        estate=unit_a.estate, name="张伟", mobile=FULL_MOBILE, other_phones="13700001111", id_number=FULL_ID
    )
    OccupancyFactory(unit=unit_a, person=person, role=Occupancy.Role.OWNER)
    return person


@pytest.fixture
def person_b(unit_b):
    person = PersonFactory(estate=unit_b.estate, name="李娜", id_number=make_id_number(456))
    OccupancyFactory(unit=unit_b, person=person)
    return person


def _pdf(name="contract.pdf", payload=PDF_BYTES):
    return SimpleUploadedFile(name, payload, content_type="application/pdf")


# --- Who may open the pages ----------------------------------------------------------------------


def test_anonymous_user_is_sent_to_login(client, unit_a):
    response = client.get(reverse("residents:unit_detail", args=[unit_a.pk]))
    assert response.status_code == 302
    assert reverse("login") in response["Location"]


def test_unit_page_is_404_for_staff_of_another_estate(client_as, users, unit_b):
    response = client_as(users["frontdesk"]).get(reverse("residents:unit_detail", args=[unit_b.pk]))
    assert response.status_code == 404


def test_unit_page_is_closed_to_residents_even_for_their_own_unit(client_as, resident, unit_a, unit_b):
    client = client_as(resident)
    for unit in (unit_a, unit_b):
        response = client.get(reverse("residents:unit_detail", args=[unit.pk]))
        assert response.status_code == 404
        assert unit.code not in response.content.decode()


@pytest.mark.parametrize(
    "url_name",
    ["residents:unit_list", "residents:person_list", "residents:person_create", "residents:access_log"],
)
def test_residents_see_none_of_the_desk_pages(client_as, resident, url_name):
    assert client_as(resident).get(reverse(url_name)).status_code == 404


def test_technician_sees_units_but_not_people(client_as, users, unit_a, owner):
    from tests.tickets.conftest import ensure_default_categories
    from tests.tickets.factories import TicketFactory

    ensure_default_categories()
    # A technician sees the units of their own tickets only.
    TicketFactory(unit=unit_a, assignee=users["technician"])
    client = client_as(users["technician"])
    unit_page = client.get(reverse("residents:unit_detail", args=[unit_a.pk]))
    assert unit_page.status_code == 200
    assert unit_a.code in unit_page.content.decode()
    assert owner.name not in unit_page.content.decode()
    assert client.get(reverse("residents:person_list")).status_code == 403
    assert client.get(reverse("residents:person_detail", args=[owner.pk])).status_code == 403


def test_company_user_sees_units_of_every_estate(client_as, users, unit_a, unit_b):
    html = client_as(users["company"]).get(reverse("residents:unit_list")).content.decode()
    assert unit_a.code in html and unit_b.code in html


# --- Unit list and page --------------------------------------------------------------------------


def test_unit_list_shows_only_the_users_estates(client_as, users, unit_a, unit_b):
    html = client_as(users["frontdesk"]).get(reverse("residents:unit_list")).content.decode()
    assert reverse("residents:unit_detail", args=[unit_a.pk]) in html
    assert reverse("residents:unit_detail", args=[unit_b.pk]) not in html


def test_unit_list_filters_by_code_prefix_and_state(client_as, users, building_a):
    UnitFactory(building=building_a, entrance="1", number="101", state=Unit.State.VACANT)
    UnitFactory(building=building_a, entrance="2", number="201", state=Unit.State.OCCUPIED)
    client = client_as(users["frontdesk"])
    html = client.get(reverse("residents:unit_list"), {"q": "3-1"}).content.decode()
    assert "3-1-101" in html and "3-2-201" not in html
    html = client.get(reverse("residents:unit_list"), {"state": "occupied"}).content.decode()
    assert "3-2-201" in html and "3-1-101" not in html


def test_unit_list_estate_filter_cannot_reach_another_estate(client_as, users, unit_a, unit_b):
    html = (
        client_as(users["frontdesk"])
        .get(reverse("residents:unit_list"), {"estate": unit_b.estate_id})
        .content
    )
    assert unit_b.code.encode() not in html


def test_unit_page_splits_current_and_past_occupants(client_as, users, unit_a, owner):
    former = PersonFactory(estate=unit_a.estate, name="王芳", mobile="13655556666")
    OccupancyFactory(
        unit=unit_a,
        person=former,
        role=Occupancy.Role.TENANT,
        start_date=date(2020, 1, 1),
        end_date=date(2021, 6, 30),
    )
    response = client_as(users["frontdesk"]).get(reverse("residents:unit_detail", args=[unit_a.pk]))
    assert [o.person for o in response.context["current_occupancies"]] == [owner]
    assert [o.person for o in response.context["ended_occupancies"]] == [former]
    html = response.content.decode()
    assert "136****6666" in html and "13655556666" not in html
    assert "2021-06-30" in html


# --- Masking -------------------------------------------------------------------------------------


def test_full_numbers_never_appear_in_lists_or_pages(client_as, users, unit_a, owner):
    client = client_as(users["manager"])
    pages = [
        client.get(reverse("residents:person_list")),
        client.get(reverse("residents:person_detail", args=[owner.pk])),
        client.get(reverse("residents:person_edit", args=[owner.pk])),
        client.get(reverse("residents:unit_detail", args=[unit_a.pk])),
        client.get(reverse("residents:unit_list")),
        client.get(reverse("residents:person_list"), {"q": "5678"}),
    ]
    for response in pages:
        html = response.content.decode()
        assert response.status_code == 200
        assert FULL_ID not in html
        assert FULL_MOBILE not in html
        assert "13700001111" not in html
    list_html = pages[0].content.decode()
    detail_html = pages[1].content.decode()
    for html in (list_html, detail_html):
        assert owner.mobile_masked in html
        assert owner.id_number_masked in html
    assert owner.other_phones_masked in detail_html


# --- Reveal --------------------------------------------------------------------------------------


def test_manager_reveals_full_numbers_once_and_the_look_is_logged(client_as, users, owner):
    client = client_as(users["manager"])
    response = client.post(
        reverse("residents:person_reveal", args=[owner.pk]), {"reason": "业主来电核实身份"}
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert FULL_ID in html and FULL_MOBILE in html
    assert "no-store" in response["Cache-Control"]
    log = SensitiveAccessLog.objects.get()
    assert (log.actor, log.person, log.action, log.reason) == (
        users["manager"],
        owner,
        SensitiveAccessLog.Action.REVEAL,
        "业主来电核实身份",
    )
    # Nothing is kept for later pages.
    again = client.get(reverse("residents:person_detail", args=[owner.pk])).content.decode()
    assert FULL_ID not in again and FULL_MOBILE not in again


def test_reveal_without_a_reason_shows_an_error_and_logs_nothing(client_as, users, owner):
    response = client_as(users["supervisor"]).post(
        reverse("residents:person_reveal", args=[owner.pk]), {"reason": " "}
    )
    assert FULL_ID not in response.content.decode()
    assert response.context["reveal_form"].errors["reason"]
    assert not SensitiveAccessLog.objects.exists()


def test_frontdesk_cannot_reveal_and_sees_no_reveal_button(client_as, users, owner):
    client = client_as(users["frontdesk"])
    reveal_url = reverse("residents:person_reveal", args=[owner.pk])
    assert reveal_url not in client.get(reverse("residents:person_detail", args=[owner.pk])).content.decode()
    response = client.post(reveal_url, {"reason": "curious"})
    assert response.status_code == 403
    assert FULL_ID not in response.content.decode()
    assert not SensitiveAccessLog.objects.exists()


def test_reveal_button_is_shown_to_housekeeper(client_as, users, owner):
    html = (
        client_as(users["housekeeper"])
        .get(reverse("residents:person_detail", args=[owner.pk]))
        .content.decode()
    )
    assert reverse("residents:person_reveal", args=[owner.pk]) in html


def test_reveal_of_another_estates_person_is_404(client_as, users, person_b):
    response = client_as(users["manager"]).post(
        reverse("residents:person_reveal", args=[person_b.pk]), {"reason": "x"}
    )
    assert response.status_code == 404
    assert not SensitiveAccessLog.objects.exists()


def test_reveal_accepts_post_only(client_as, users, owner):
    response = client_as(users["manager"]).get(reverse("residents:person_reveal", args=[owner.pk]))
    assert response.status_code == 405


# --- Desk ID check -------------------------------------------------------------------------------


def test_id_check_says_match_or_mismatch_and_logs_both(client_as, users, owner):
    client = client_as(users["frontdesk"])
    url = reverse("residents:person_verify_id", args=[owner.pk])

    matched = client.post(url, {"presented": FULL_ID.lower()})
    assert matched.context["verify_result"] is True
    assert "matches the archive" in matched.content.decode()

    wrong = make_id_number(999)
    mismatched = client.post(url, {"presented": wrong})
    assert mismatched.context["verify_result"] is False
    assert "does not match" in mismatched.content.decode()
    for response in (matched, mismatched):
        assert FULL_ID not in response.content.decode()

    logs = list(SensitiveAccessLog.objects.order_by("pk").values_list("action", "matched", "actor"))
    assert logs == [
        (SensitiveAccessLog.Action.VERIFY_ID, True, users["frontdesk"].pk),
        (SensitiveAccessLog.Action.VERIFY_ID, False, users["frontdesk"].pk),
    ]


def test_id_check_is_rate_limited(client_as, users, owner, settings):
    settings.ID_VERIFY_RATE_LIMIT = 3
    client = client_as(users["clerk"])
    url = reverse("residents:person_verify_id", args=[owner.pk])
    for _ in range(3):
        assert client.post(url, {"presented": make_id_number(1)}).status_code == 200
    blocked = client.post(url, {"presented": FULL_ID})
    assert blocked.status_code == 429
    assert "Too many ID checks" in blocked.content.decode()
    assert blocked.context["verify_result"] is None
    assert SensitiveAccessLog.objects.count() == 3


def test_id_check_needs_the_permission(client_as, users, owner):
    response = client_as(users["technician"]).post(
        reverse("residents:person_verify_id", args=[owner.pk]), {"presented": FULL_ID}
    )
    assert response.status_code == 403
    assert not SensitiveAccessLog.objects.exists()


# --- Person forms --------------------------------------------------------------------------------


def _person_data(**overrides):
    data = {"name": "赵敏", "mobile": "13800138000", "id_number": make_id_number(77), "other_phones": ""}
    data.update(overrides)
    return data


def test_create_person_rejects_a_bad_id_checksum_and_saves_nothing(client_as, users, estate_a):
    bad = make_id_number(77)[:17] + ("0" if make_id_number(77)[17] != "0" else "1")
    response = client_as(users["frontdesk"]).post(
        reverse("residents:person_create"), _person_data(estate=estate_a.pk, id_number=bad)
    )
    assert response.status_code == 200
    assert "check character is wrong" in " ".join(response.context["form"].errors["id_number"])
    assert not Person.objects.exists()


def test_create_person_rejects_a_bad_mobile_and_saves_nothing(client_as, users, estate_a):
    response = client_as(users["frontdesk"]).post(
        reverse("residents:person_create"), _person_data(estate=estate_a.pk, mobile="12345")
    )
    assert "mainland mobile number" in " ".join(response.context["form"].errors["mobile"])
    assert not Person.objects.exists()


def test_duplicate_id_number_in_the_estate_is_rejected(client_as, users, estate_a, owner):
    response = client_as(users["frontdesk"]).post(
        reverse("residents:person_create"), _person_data(estate=estate_a.pk, id_number=FULL_ID)
    )
    assert "already in this estate" in " ".join(response.context["form"].errors["id_number"])
    assert Person.objects.filter(estate=estate_a).count() == 1


def test_create_person_cannot_target_an_estate_the_user_does_not_see(client_as, users, estate_b):
    response = client_as(users["frontdesk"]).post(
        reverse("residents:person_create"), _person_data(estate=estate_b.pk)
    )
    assert response.context["form"].errors["estate"]
    assert not Person.objects.exists()


def test_create_person_for_a_unit_adds_the_occupancy(client_as, users, unit_a):
    url = reverse("residents:person_create") + f"?unit={unit_a.pk}&role=tenant"
    response = client_as(users["frontdesk"]).post(url, _person_data())
    assert response.status_code == 302
    person = Person.objects.get()
    assert person.estate_id == unit_a.estate_id
    assert list(person.occupancies.values_list("unit", "role")) == [(unit_a.pk, Occupancy.Role.TENANT)]
    assert person.id_number_hash and person.decrypted_id_number() == make_id_number(77)


def test_create_person_for_a_unit_of_another_estate_is_404(client_as, users, unit_b):
    url = reverse("residents:person_create") + f"?unit={unit_b.pk}&role=owner"
    assert client_as(users["frontdesk"]).post(url, _person_data()).status_code == 404
    assert not Person.objects.exists()


def test_edit_person_with_blank_numbers_keeps_the_stored_ones(client_as, users, owner):
    client = client_as(users["clerk"])
    response = client.post(
        reverse("residents:person_edit", args=[owner.pk]),
        {"name": "张伟伟", "mobile": "", "other_phones": "", "id_number": "", "emergency_contact_phone": ""},
    )
    assert response.status_code == 302
    owner.refresh_from_db()
    assert owner.name == "张伟伟"
    assert owner.mobile == FULL_MOBILE
    assert owner.other_phones == "13700001111"
    assert owner.decrypted_id_number() == FULL_ID


def test_edit_person_replaces_the_id_number_when_given(client_as, users, owner):
    new_id = make_id_number(555)
    client_as(users["clerk"]).post(
        reverse("residents:person_edit", args=[owner.pk]), {"name": owner.name, "id_number": new_id}
    )
    owner.refresh_from_db()
    assert owner.decrypted_id_number() == new_id
    assert owner.id_number_masked == new_id[:3] + "*" * 11 + new_id[-4:]


def test_edit_person_with_a_bad_mobile_changes_nothing(client_as, users, owner):
    response = client_as(users["clerk"]).post(
        reverse("residents:person_edit", args=[owner.pk]), {"name": "新名字", "mobile": "999"}
    )
    assert response.context["form"].errors["mobile"]
    owner.refresh_from_db()
    assert (owner.name, owner.mobile) == ("张伟", FULL_MOBILE)


def test_edit_of_another_estates_person_is_404(client_as, users, person_b):
    response = client_as(users["clerk"]).post(
        reverse("residents:person_edit", args=[person_b.pk]), {"name": "x"}
    )
    assert response.status_code == 404


# --- Occupancies ---------------------------------------------------------------------------------


def test_add_an_existing_person_to_a_unit(client_as, users, unit_a2, owner):
    client = client_as(users["frontdesk"])
    search = client.get(reverse("residents:occupancy_add", args=[unit_a2.pk]), {"q": "张"})
    assert search.context["candidates"] == [owner]
    response = client.post(
        reverse("residents:occupancy_add", args=[unit_a2.pk]),
        {"mode": "existing", "person": owner.pk, "role": "co_owner", "start_date": "2024-03-01"},
    )
    assert response.status_code == 302
    assert Occupancy.objects.filter(
        unit=unit_a2, person=owner, role="co_owner", start_date=date(2024, 3, 1)
    ).exists()


def test_a_person_of_another_estate_cannot_be_added(client_as, users, unit_a, person_b):
    response = client_as(users["frontdesk"]).post(
        reverse("residents:occupancy_add", args=[unit_a.pk]),
        {"mode": "existing", "person": person_b.pk, "role": "owner"},
    )
    assert response.status_code == 200
    assert response.context["existing_form"].errors["person"]
    assert not Occupancy.objects.filter(unit=unit_a).exists()


def test_register_a_new_person_inline_and_add_them(client_as, users, unit_a):
    response = client_as(users["frontdesk"]).post(
        reverse("residents:occupancy_add", args=[unit_a.pk]),
        {"mode": "new", "new-role": "tenant", "new-name": "陈静", "new-mobile": "13512345678"},
    )
    assert response.status_code == 302
    occupancy = Occupancy.objects.select_related("person").get(unit=unit_a)
    assert (occupancy.person.name, occupancy.role) == ("陈静", "tenant")


def test_inline_new_person_with_a_bad_id_saves_neither_person_nor_occupancy(client_as, users, unit_a):
    response = client_as(users["frontdesk"]).post(
        reverse("residents:occupancy_add", args=[unit_a.pk]),
        {"mode": "new", "new-role": "tenant", "new-name": "陈静", "new-id_number": "110101198001010000"},
    )
    assert response.context["new_person_form"].errors["id_number"]
    assert not Person.objects.exists() and not Occupancy.objects.exists()


def test_end_an_occupancy(client_as, users, unit_a, owner):
    occupancy = owner.occupancies.get()
    today = date.today()
    response = client_as(users["frontdesk"]).post(
        reverse("residents:occupancy_end", args=[occupancy.pk]), {"end_date": today.isoformat()}
    )
    assert response.status_code == 302
    occupancy.refresh_from_db()
    assert occupancy.end_date == today


def test_ending_an_ended_occupancy_shows_a_message(client_as, users, unit_a, owner):
    occupancy = owner.occupancies.get()
    occupancy.end_date = occupancy.start_date
    occupancy.save()
    response = client_as(users["frontdesk"]).post(
        reverse("residents:occupancy_end", args=[occupancy.pk]), follow=True
    )
    assert "already ended" in response.content.decode()


def test_ending_another_estates_occupancy_is_404(client_as, users, person_b):
    occupancy = person_b.occupancies.get()
    response = client_as(users["manager"]).post(reverse("residents:occupancy_end", args=[occupancy.pk]))
    assert response.status_code == 404
    occupancy.refresh_from_db()
    assert occupancy.end_date is None


# --- Documents -----------------------------------------------------------------------------------


def test_upload_a_pdf_to_a_unit_and_download_it(client_as, users, unit_a, private_media):
    client = client_as(users["clerk"])
    response = client.post(
        reverse("residents:document_upload"),
        {"unit": unit_a.pk, "title": "购房合同", "kind": "sale_contract", "file": _pdf()},
    )
    assert response.status_code == 302
    document = ArchiveDocument.objects.get()
    assert (document.unit, document.content_type, document.uploaded_by) == (
        unit_a,
        "application/pdf",
        users["clerk"],
    )
    page = client.get(reverse("residents:unit_detail", args=[unit_a.pk])).content.decode()
    assert "购房合同" in page and reverse("residents:document_download", args=[document.pk]) in page
    download = client.get(reverse("residents:document_download", args=[document.pk]))
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == PDF_BYTES
    assert download["Content-Type"] == "application/pdf"
    download.close()


def test_upload_rejects_a_text_file_renamed_pdf(client_as, users, unit_a, private_media):
    fake = SimpleUploadedFile(
        "contract.pdf", b"just some text, not a pdf\n" * 20, content_type="application/pdf"
    )
    response = client_as(users["clerk"]).post(
        reverse("residents:document_upload"), {"unit": unit_a.pk, "title": "x", "kind": "other", "file": fake}
    )
    assert response.status_code == 200
    assert "not accepted" in " ".join(response.context["form"].errors["file"])
    assert not ArchiveDocument.objects.exists()
    assert not any(private_media.rglob("*.pdf"))


def test_upload_rejects_a_file_over_10_mb(client_as, users, owner, private_media):
    big = _pdf(payload=PDF_BYTES + b"0" * (10 * 1024 * 1024))
    response = client_as(users["clerk"]).post(
        reverse("residents:document_upload"),
        {"person": owner.pk, "title": "big", "kind": "other", "file": big},
    )
    assert "too large" in " ".join(response.context["form"].errors["file"])
    assert not ArchiveDocument.objects.exists()


def test_upload_to_another_estates_unit_is_404(client_as, users, unit_b, private_media):
    response = client_as(users["clerk"]).post(
        reverse("residents:document_upload"),
        {"unit": unit_b.pk, "title": "x", "kind": "other", "file": _pdf()},
    )
    assert response.status_code == 404
    assert not ArchiveDocument.objects.exists()


def test_download_across_estates_is_404(client_as, users, unit_b, private_media):
    staff_b = make_staff("clerk", unit_b.estate, username="clerk-b")
    document = services.upload_document(actor=staff_b, uploaded=_pdf(), title="B", unit=unit_b)
    assert (
        client_as(users["manager"])
        .get(reverse("residents:document_download", args=[document.pk]))
        .status_code
        == 404
    )


def test_download_is_closed_to_residents_and_technicians(client_as, users, unit_a, resident, private_media):
    document = services.upload_document(actor=users["clerk"], uploaded=_pdf(), title="A", unit=unit_a)
    url = reverse("residents:document_download", args=[document.pk])
    assert client_as(resident).get(url).status_code == 404
    assert client_as(users["technician"]).get(url).status_code == 403


# --- Access log ----------------------------------------------------------------------------------


def test_access_log_lists_the_managers_estate_only(client_as, users, owner, person_b):
    services.reveal_person(actor=users["manager"], person=owner, reason="核实业主身份")
    staff_b = make_staff("manager", person_b.estate, username="manager-b")
    services.reveal_person(actor=staff_b, person=person_b, reason="滨江核实")
    response = client_as(users["manager"]).get(reverse("residents:access_log"))
    html = response.content.decode()
    assert "核实业主身份" in html and "滨江核实" not in html
    filtered = client_as(users["manager"]).get(reverse("residents:access_log"), {"action": "verify_id"})
    assert "核实业主身份" not in filtered.content.decode()


def test_access_log_is_for_managers_only(client_as, users):
    assert client_as(users["frontdesk"]).get(reverse("residents:access_log")).status_code == 403
    assert client_as(users["supervisor"]).get(reverse("residents:access_log")).status_code == 403


# --- Query counts --------------------------------------------------------------------------------


@pytest.fixture
def busy_estate(estate_a):
    """30 units, each with an owner and a tenant; 30 documents on the first unit."""
    building = BuildingFactory(estate=estate_a, code="9")
    units = [UnitFactory(building=building, entrance="1", number=f"{100 + i}") for i in range(30)]
    for index, unit in enumerate(units):
        OccupancyFactory(unit=unit, person=PersonFactory(estate=estate_a, id_number=make_id_number(index)))
        OccupancyFactory(unit=unit, role=Occupancy.Role.TENANT, end_date=None)
    return units


def test_unit_list_runs_a_fixed_number_of_queries(
    client_as, users, busy_estate, django_assert_max_num_queries
):
    client = client_as(users["frontdesk"])
    with django_assert_max_num_queries(12):
        response = client.get(reverse("residents:unit_list"))
    rows = response.context["page"].object_list
    assert len(rows) == 25
    # The occupants column is filled from the prefetch, not left silently empty.
    assert rows[0].current_occupancies[0].person.name in response.content.decode()


def test_person_list_runs_a_fixed_number_of_queries(
    client_as, users, busy_estate, django_assert_max_num_queries
):
    client = client_as(users["frontdesk"])
    with django_assert_max_num_queries(11):
        response = client.get(reverse("residents:person_list"))
    rows = response.context["page"].object_list
    assert len(rows) == 25
    assert rows[0].current_occupancies[0].unit.code in response.content.decode()


@pytest.fixture
def crowded_unit(busy_estate, users, private_media):
    """A unit with 32 occupancies (2 current + 30 household members) and 30 documents."""
    unit = busy_estate[0]
    for index in range(30):
        OccupancyFactory(
            unit=unit,
            role=Occupancy.Role.HOUSEHOLD_MEMBER,
            start_date=date.today() - timedelta(days=900 + index),
        )
    for index in range(30):
        services.upload_document(
            actor=users["clerk"], uploaded=_pdf(f"{index}.pdf"), title=f"doc {index}", unit=unit
        )
    return unit


def test_unit_page_runs_a_fixed_number_of_queries(
    client_as, users, crowded_unit, monkeypatch, django_assert_max_num_queries
):
    # The archive's own part of the page; other apps' panels are measured by their own tests.
    monkeypatch.setattr(panels, "_UNIT_PANELS", [])
    client = client_as(users["frontdesk"])
    with django_assert_max_num_queries(10):
        response = client.get(reverse("residents:unit_detail", args=[crowded_unit.pk]))
    assert len(response.context["current_occupancies"]) == 32
    assert len(response.context["documents"]) == 30
    assert "doc 29" in response.content.decode()


def test_unit_page_queries_do_not_grow_with_occupants_and_documents(
    client_as, users, busy_estate, crowded_unit
):
    # With every registered panel: a quiet unit and a crowded one cost the same number of queries.
    client = client_as(users["frontdesk"])
    client.get(reverse("residents:unit_detail", args=[busy_estate[1].pk]))  # warm caches (content types…)
    counts = []
    for unit in (busy_estate[1], crowded_unit):
        with CaptureQueriesContext(connection) as captured:
            assert client.get(reverse("residents:unit_detail", args=[unit.pk])).status_code == 200
        counts.append(len(captured))
    assert counts[0] == counts[1]


def test_resident_of_the_unit_is_listed_as_occupant(client_as, users, unit_a):
    make_resident(unit_a, username="owner-login")
    html = (
        client_as(users["frontdesk"]).get(reverse("residents:unit_detail", args=[unit_a.pk])).content.decode()
    )
    assert "owner-login-person" in html
