"""Every admin page that changes domain data calls the app's services (issue #8).

An admin class either saves through a service (save_model / delete_model / delete_queryset /
save_formset overridden), or is read-only, or is pure configuration listed here with the reason.
"""

from __future__ import annotations

import pytest
from django.contrib import admin as django_admin
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from residents import services as residents_services
from residents.models import ArchiveDocument, Occupancy, Person, Unit
from servicecenter.crypto import keyed_hash
from servicecenter.validators import normalize_phone_list
from staff.models import Notification, StaffProfile, Zone, ZoneBuilding
from tests.factories import (
    BuildingFactory,
    OccupancyFactory,
    PersonFactory,
    TeamFactory,
    UserFactory,
    make_id_number,
    make_staff,
    make_zone,
)
from tickets.models import TicketPolicy

# Admin classes that save with Django's defaults, each with why. Nothing else may.
CONFIGURATION = {
    "billing.BillingPolicy": "per-estate billing settings (terms, discounts, late-fee rate, grace, cap)",
    "billing.ChargeItem": "the tariff's items; their rates are added through billing.services.set_charge_rate",
    "billing.UnitBillingTerms": "when a unit's fees start and end: read by the next bill run",
    "billing.Meter": "the meter register; replacements go through billing.services.replace_meter",
    "tickets.PublicLocation": "each estate's public places that tickets point at; retired, never deleted",
    "tickets.RootCause": "the company's root-cause list for closed tickets; retired, never deleted",
    "tickets.TicketCategory": "categories and SLA targets read by the ticket services; DB constraints hold the rules",
    "tickets.TicketPolicy": "callback and deadline knobs per estate; one row per estate is a DB constraint",
    "residents.Estate": "the company's estates (name, code, address, phone); nothing derived is stored from them",
    "staff.ShiftType": "each estate's shift types, copied onto a roster entry when it is saved; the model's clean refuses an end equal to the start",
    "staff.ReceptionHours": "per-estate desk hours read by the roster's team-left-empty check; one row per estate",
    "staff.EstateStaffSettings": "per-estate dispatch mode (team only, or team and on-duty member) and lateness grace, read when a ticket is registered or someone clocks in",
    "staff.Team": "an estate's teams (name, kind) that tickets are dispatched to; members join on their profile",
    "staff.InspectionChecklist": "each estate's quality checklists per team kind and their items, read when an inspection is recorded",
    "renovations.ScopeItem": "each estate's list of works (regular or not) read when an application is submitted; retired, never deleted",
    "renovations.RenovationRules": "per-estate hours, charges and limits read by the renovation services; hours checked by the form",
    "renovations.PublicHoliday": "days with no noisy work; the all-estates rows are head office's",
    "frontdesk.LostFoundRules": "per-estate keep period and reminder days, frozen on each lost item when it is logged",
    "frontdesk.KnowledgeEntry": "the desk's standard answers and phrases, read as they are; the company-wide rows are head office's",
    "moveins.ChecklistItemTemplate": "each estate's move-in checklist lines, copied when a move-in is scheduled; retired, never deleted",
    "relations.SpecialService": "each estate's special services (特约服务) and prices, booked as paid-service tickets; retired, never deleted",
    "relations.SurveyTemplate": "the company's questionnaires and their questions, copied into a survey when it is built; retired, never deleted",
    "moveins.ChargeRule": "each estate's move-in charges, billed when a move-in's documents are done; amounts checked by the form; retired, never deleted",
    "dashboards.KpiTarget": "each estate's KPI targets and amber margins, read by dashboards.kpis.kpi_board to colour the dashboard; one row per estate and KPI is a DB constraint",
}
PROJECT_APPS = {
    "servicecenter",
    "staff",
    "residents",
    "tickets",
    "billing",
    "renovations",
    "frontdesk",
    "moveins",
    "relations",
    "dashboards",
}

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


def writes_directly(model_admin, request) -> list[str]:
    """The ways this admin class would write rows with Django's defaults instead of a service."""
    default = django_admin.ModelAdmin
    kind = type(model_admin)
    found = []
    if (model_admin.has_add_permission(request) or model_admin.has_change_permission(request)) and (
        kind.save_model is default.save_model
    ):
        found.append("save_model")
    if model_admin.has_delete_permission(request):
        if kind.delete_model is default.delete_model:
            found.append("delete_model")
        if (
            "delete_selected" in model_admin.get_actions(request)
            and kind.delete_queryset is default.delete_queryset
        ):
            found.append("delete_queryset")
    parent_writable = model_admin.has_add_permission(request) or model_admin.has_change_permission(request)
    for inline in model_admin.get_inline_instances(request) if parent_writable else []:
        writable = (
            inline.has_add_permission(request, None)
            or inline.has_change_permission(request)
            or (inline.can_delete and inline.has_delete_permission(request))
        )
        if writable and kind.save_formset is default.save_formset:
            found.append(f"inline {inline.model._meta.label}")
    return found


def _superuser_request(rf):
    request = rf.get("/admin/")
    request.user = get_user_model()(is_superuser=True, is_staff=True, is_active=True)
    return request


def test_no_admin_saves_domain_models_directly(rf):
    request = _superuser_request(rf)
    offenders = {}
    for model, model_admin in django_admin.site._registry.items():
        label = model._meta.label
        if model._meta.app_label not in PROJECT_APPS or label in CONFIGURATION:
            continue
        if found := writes_directly(model_admin, request):
            offenders[label] = found
    assert offenders == {}


def test_every_configuration_entry_is_a_registered_admin_with_a_reason():
    registered = {model._meta.label for model in django_admin.site._registry}
    assert set(CONFIGURATION) <= registered
    assert all(reason.strip() for reason in CONFIGURATION.values())


def test_the_check_catches_a_direct_saving_admin(rf):
    class Careless(django_admin.ModelAdmin):
        pass

    assert writes_directly(Careless(Person, django_admin.site), _superuser_request(rf)) == [
        "save_model",
        "delete_model",
        "delete_queryset",
    ]


# --- Residents ----------------------------------------------------------------------------------


@pytest.fixture
def admin_manager(estate_a):
    return make_staff("manager", estate_a, username="admin-manager", is_staff=True)


def _person_form(estate, **overrides):
    data = {
        "estate": estate.pk,
        "name": "王芳",
        "mobile": "",
        "other_phones": "",
        "id_number": "",
        "emergency_contact_name": "",
        "emergency_contact_phone": "",
        "notes": "",
        "user": "",
        "occupancies-TOTAL_FORMS": "0",
        "occupancies-INITIAL_FORMS": "0",
        "occupancies-MIN_NUM_FORMS": "0",
        "occupancies-MAX_NUM_FORMS": "1000",
    }
    data.update(overrides)
    return data


def test_person_admin_refuses_a_bad_mobile_through_the_service(client_as, admin_manager, estate_a):
    response = client_as(admin_manager).post(
        reverse("admin:residents_person_add"), _person_form(estate_a, mobile="12345")
    )
    assert response.status_code == 200
    assert response.context["adminform"].form.errors["mobile"]
    assert not Person.objects.filter(name="王芳").exists()


def test_person_admin_writes_what_the_service_writes(client_as, admin_manager, estate_a):
    number = make_id_number(77)
    response = client_as(admin_manager).post(
        reverse("admin:residents_person_add"),
        _person_form(
            estate_a,
            mobile="138-0013-8000",
            other_phones="0755-8888-1234, 0755 6666 0000",
            id_number=number.lower(),
            emergency_contact_phone="139 0013 9000",
        ),
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    person = Person.objects.get(name="王芳")
    assert person.mobile == "13800138000"
    assert person.other_phones == normalize_phone_list("0755-8888-1234, 0755 6666 0000")
    assert person.emergency_contact_phone == "13900139000"
    assert person.decrypted_id_number() == number
    assert person.id_number_hash == keyed_hash(number) and number not in person.id_number_ciphertext


def test_person_admin_change_keeps_blank_numbers_and_refuses_a_bad_emergency_phone(
    client_as, admin_manager, estate_a
):
    person = PersonFactory(estate=estate_a, name="张伟", mobile="13912345678", id_number=make_id_number(5))
    url = reverse("admin:residents_person_change", args=[person.pk])
    client = client_as(admin_manager)
    refused = client.post(url, _person_form(estate_a, name="张伟", emergency_contact_phone="999"))
    assert refused.status_code == 200
    assert refused.context["adminform"].form.errors["emergency_contact_phone"]
    saved = client.post(url, _person_form(estate_a, name="张伟伟", mobile="139 1234 0000"))
    assert saved.status_code == 302, saved.context["adminform"].form.errors
    person.refresh_from_db()
    assert (person.name, person.mobile) == ("张伟伟", "13912340000")
    assert person.decrypted_id_number() == make_id_number(5)


def test_person_admin_links_a_login_through_the_service(client_as, admin_manager, estate_a, estate_b):
    login = UserFactory(username="resident-login")
    PersonFactory(estate=estate_b, user=login)
    person = PersonFactory(estate=estate_a, name="李娜")
    response = client_as(admin_manager).post(
        reverse("admin:residents_person_change", args=[person.pk]),
        _person_form(estate_a, name="李娜", user=login.pk),
    )
    assert response.status_code == 200
    assert "another estate" in str(response.context["adminform"].form.errors)
    person.refresh_from_db()
    assert person.user_id is None


def _unit_form(building, **overrides):
    data = {
        "building": building.pk,
        "entrance": "1",
        "number": "0901",
        "floor": "9",
        "area": "88.50",
        "use": "residential",
        "state": "vacant",
        "notes": "",
    }
    data.update(overrides)
    return data


def test_unit_admin_builds_the_code_through_the_service(client_as, admin_manager, building_a):
    client = client_as(admin_manager)
    response = client.post(reverse("admin:residents_unit_add"), _unit_form(building_a))
    assert response.status_code == 302, response.context["adminform"].form.errors
    unit = Unit.objects.get(number="0901")
    assert (unit.code, unit.estate_id) == ("3-1-0901", building_a.estate_id)
    changed = client.post(
        reverse("admin:residents_unit_change", args=[unit.pk]), _unit_form(building_a, entrance="2")
    )
    assert changed.status_code == 302
    unit.refresh_from_db()
    assert unit.code == "3-2-0901"


def test_unit_admin_shows_the_services_refusals_on_the_form(client_as, admin_manager, unit_a, unit_a2):
    # Renumbering 1102 to 1101 would make a second 3-2-1101: the service refuses, on the form.
    client = client_as(admin_manager)
    url = reverse("admin:residents_unit_change", args=[unit_a2.pk])
    response = client.post(url, _unit_form(unit_a2.building, entrance="2", number="1101"))
    assert response.status_code == 200
    assert "already has a unit" in str(response.context["adminform"].form.errors["number"])
    unit_a2.refresh_from_db()
    assert unit_a2.code == "3-2-1102"


def test_building_admin_creates_through_the_service_and_refuses_a_duplicate(
    client_as, admin_manager, building_a, estate_a
):
    client = client_as(admin_manager)
    form = {"estate": estate_a.pk, "code": " 3 ", "name": "", "floors": "", "has_elevator": "on"}
    refused = client.post(reverse("admin:residents_building_add"), form)
    assert refused.status_code == 200
    assert "already has a building" in str(refused.context["adminform"].form.errors)
    made = client.post(reverse("admin:residents_building_add"), {**form, "code": " 9 "})
    assert made.status_code == 302
    assert estate_a.buildings.filter(code="9").exists()  # stripped by the service
    assert client.post(reverse("admin:residents_building_delete", args=[building_a.pk])).status_code == 403


def test_occupancies_are_read_only_and_ended_by_the_service(client_as, admin_manager, unit_a):
    occupancy = OccupancyFactory(unit=unit_a, person=PersonFactory(estate=unit_a.estate))
    client = client_as(admin_manager)
    url = reverse("admin:residents_occupancy_change", args=[occupancy.pk])
    page = client.get(url)
    assert page.status_code == 200 and 'name="_save"' not in page.content.decode()
    client.post(url, {"start_date": "2000-01-01"})
    response = client.post(
        reverse("admin:residents_occupancy_changelist"),
        {"action": "end_today", "_selected_action": [occupancy.pk]},
    )
    assert response.status_code == 302
    occupancy.refresh_from_db()
    assert occupancy.end_date is not None and occupancy.start_date.year != 2000
    again = client.post(
        reverse("admin:residents_occupancy_changelist"),
        {"action": "end_today", "_selected_action": [occupancy.pk]},
        follow=True,
    )
    assert "already ended" in again.content.decode()
    assert Occupancy.objects.count() == 1


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


def test_document_admin_corrects_and_deletes_through_the_service(
    client_as, admin_manager, unit_a, private_media, django_capture_on_commit_callbacks
):
    admin_manager.is_superuser = True  # managers may not change documents in the admin by default
    admin_manager.save(update_fields=["is_superuser"])
    document = residents_services.upload_document(
        actor=admin_manager, uploaded=SimpleUploadedFile("c.pdf", PDF), title="合同", unit=unit_a
    )
    stored = private_media / document.file.name
    assert stored.exists()
    client = client_as(admin_manager)
    url = reverse("admin:residents_archivedocument_change", args=[document.pk])
    refused = client.post(url, {"title": "   ", "kind": document.kind})
    assert refused.status_code == 200
    assert client.post(url, {"title": " 购房合同 ", "kind": document.kind}).status_code == 302
    document.refresh_from_db()
    assert document.title == "购房合同"
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("admin:residents_archivedocument_delete", args=[document.pk]), {"post": "yes"}
        )
    assert response.status_code == 302
    assert not ArchiveDocument.objects.exists() and not stored.exists()


# --- Staff --------------------------------------------------------------------------------------


def test_staff_profile_admin_checks_the_phone_and_the_team_through_the_service(
    client_as, admin_manager, estate_a, estate_b
):
    clerk = make_staff("clerk", estate_a, username="clerk-p")
    other_team = TeamFactory(estate=estate_b, name="滨江维修组")
    own_team = TeamFactory(estate=estate_a, name="维修组")
    superuser = UserFactory(username="root", is_staff=True, is_superuser=True)
    url = reverse("admin:staff_staffprofile_change", args=[clerk.staff_profile.pk])
    client = client_as(superuser)
    form = {"estates": [estate_a.pk], "team": other_team.pk, "phone": "0571-1234", "title": ""}
    refused = client.post(url, form)
    assert refused.status_code == 200
    assert refused.context["adminform"].form.errors["team"]
    assert client.post(url, {**form, "phone": "call me"}).context["adminform"].form.errors["phone"]
    assert client.post(url, {**form, "team": own_team.pk}).status_code == 302
    profile = StaffProfile.objects.get(user=clerk)
    assert (profile.team, profile.phone) == (own_team, "05711234")
    assert client.post(reverse("admin:staff_staffprofile_delete", args=[profile.pk])).status_code == 403


def test_zone_admin_keeps_each_building_in_one_zone(client_as, admin_manager, estate_a, users):
    building = BuildingFactory(estate=estate_a, code="7")
    make_zone(estate_a, None, building, name="一区")
    response = client_as(admin_manager).post(
        reverse("admin:staff_zone_add"),
        {
            "estate": estate_a.pk,
            "name": "二区",
            "housekeeper": users["housekeeper"].pk,
            "zone_buildings-TOTAL_FORMS": "1",
            "zone_buildings-INITIAL_FORMS": "0",
            "zone_buildings-MIN_NUM_FORMS": "0",
            "zone_buildings-MAX_NUM_FORMS": "1000",
            "zone_buildings-0-building": building.pk,
        },
    )
    assert response.status_code == 200
    assert not Zone.objects.filter(name="二区").exists()
    assert ZoneBuilding.objects.get(building=building).zone.name == "一区"


def test_zone_admin_refuses_a_duplicate_name_and_moves_buildings_through_the_service(
    client_as, admin_manager, estate_a, users
):
    seven, eight = BuildingFactory(estate=estate_a, code="7"), BuildingFactory(estate=estate_a, code="8")
    zone = make_zone(estate_a, users["housekeeper"], seven, name="一区")
    make_zone(estate_a, None, name="二区")
    link = zone.zone_buildings.get()
    url = reverse("admin:staff_zone_change", args=[zone.pk])
    form = {
        "name": "二区",
        "housekeeper": users["housekeeper"].pk,
        "zone_buildings-TOTAL_FORMS": "2",
        "zone_buildings-INITIAL_FORMS": "1",
        "zone_buildings-MIN_NUM_FORMS": "0",
        "zone_buildings-MAX_NUM_FORMS": "1000",
        "zone_buildings-0-id": link.pk,
        "zone_buildings-0-zone": zone.pk,
        "zone_buildings-0-building": seven.pk,
        "zone_buildings-0-DELETE": "on",
        "zone_buildings-1-zone": zone.pk,
        "zone_buildings-1-building": eight.pk,
    }
    client = client_as(admin_manager)
    refused = client.post(url, form)
    assert refused.status_code == 200
    assert refused.context["adminform"].form.errors["name"]
    assert client.post(url, {**form, "name": "东区"}).status_code == 302
    zone.refresh_from_db()
    assert zone.name == "东区" and list(zone.buildings.all()) == [eight]
    client = client_as(UserFactory(username="root", is_staff=True, is_superuser=True))
    assert client.post(reverse("admin:staff_zone_delete", args=[zone.pk]), {"post": "yes"}).status_code == 302
    assert not Zone.objects.filter(pk=zone.pk).exists() and not ZoneBuilding.objects.exists()


def test_notifications_cannot_be_deleted_in_admin(client_as, estate_a):
    superuser = UserFactory(username="root", is_staff=True, is_superuser=True)
    notification = Notification.objects.create(recipient=superuser, estate=estate_a, kind="t", title="通知")
    url = reverse("admin:staff_notification_delete", args=[notification.pk])
    assert client_as(superuser).post(url, {"post": "yes"}).status_code == 403
    assert Notification.objects.filter(pk=notification.pk).exists()


# --- Tickets configuration ----------------------------------------------------------------------


def test_a_manager_sets_up_policies_for_their_own_estates_only(client_as, estate_a, estate_b):
    manager = make_staff("manager", estate_a, username="policy-manager", is_staff=True)
    company_row, _ = TicketPolicy.objects.get_or_create(estate=None)
    client = client_as(manager)
    form = client.get(reverse("admin:tickets_ticketpolicy_add")).context["adminform"].form
    assert list(form.fields["estate"].queryset) == [estate_a] and form.fields["estate"].required
    delete = reverse("admin:tickets_ticketpolicy_delete", args=[company_row.pk])
    assert client.post(delete, {"post": "yes"}).status_code == 403
    assert TicketPolicy.objects.filter(pk=company_row.pk).exists()
