"""Walk the whole URLconf and the API router, and build one estate whose two units each have a
resident with tickets, files, bills, payments and receipts: shared by the authorization-matrix
test and the portal isolation test.

Every URL with arguments needs a line in URL_KWARGS (and every API detail route a line in
API_OBJECTS): a URL added without one makes both tests fail with the URL's name, never pass
silently.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone

from billing import services as billing_services
from billing.models import Meter, MeterReading, PaymentMethod, Reminder
from billing.services import online as online_services
from residents import services as residents_services
from residents.models import Occupancy, Person
from servicecenter.api_router import router
from staff.models import RosterEntry, ShiftType, SwapRequest, Team
from tests.factories import make_zone
from tests.tickets.conftest import ensure_default_categories
from tests.tickets.factories import CallbackFactory, TicketFactory
from tickets import services as ticket_services
from tickets.models import (
    Callback,
    CallbackReview,
    CallbackSample,
    PublicLocation,
    RootCause,
    Ticket,
    TicketCategory,
)

# A 1×1 PNG: the lost item's photo.
PNG_BYTES = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082"
)
PDF_BYTES = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


# --- the URLconf ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Url:
    name: str  # "tickets:detail"
    route: str  # "tickets/<int:pk>/"
    args: tuple[str, ...]  # keyword argument names, in order

    @property
    def is_portal(self) -> bool:
        return self.route.startswith("portal/")

    @property
    def is_api(self) -> bool:
        return self.route.startswith("api/")


_CONVERTER = re.compile(r"<(?:\w+:)?(\w+)>")
_REGEX_GROUP = re.compile(r"\(\?P<(\w+)>")


def _route_text(pattern) -> str:
    return str(pattern.pattern)


def _walk(patterns, prefix: str, namespace: str | None):
    for entry in patterns:
        text = prefix + _route_text(entry)
        if isinstance(entry, URLResolver):
            ns = entry.namespace
            full = f"{namespace}:{ns}" if namespace and ns else (ns or namespace)
            yield from _walk(entry.url_patterns, text, full)
        elif isinstance(entry, URLPattern):
            if not entry.name and namespace == "admin":
                continue  # the admin's own legacy redirects; the admin guards itself
            if not entry.name:
                raise AssertionError(f"URL {text!r} has no name: every URL needs one for the matrix")
            name = f"{namespace}:{entry.name}" if namespace else entry.name
            args = tuple(dict.fromkeys(_CONVERTER.findall(text) + _REGEX_GROUP.findall(text)))
            yield Url(name=name, route=text.replace("^", "").replace("\\", ""), args=args)


def all_urls() -> list[Url]:
    """Every named URL of the URLconf (the format-suffix twins of API routes included)."""
    seen: dict[tuple[str, tuple[str, ...]], Url] = {}
    for url in _walk(get_resolver().url_patterns, "", None):
        seen.setdefault((url.name, url.args), url)
    return list(seen.values())


# --- the API router ---------------------------------------------------------------------------


@dataclass(frozen=True)
class ApiAction:
    basename: str
    action: str  # list, retrieve, create, update, partial_update, destroy, or an @action's name
    method: str
    url_name: str  # "ticket-detail"
    detail: bool
    extra_args: tuple[str, ...]

    @property
    def key(self) -> str:
        return f"{self.basename}.{self.action}"


def all_api_actions() -> list[ApiAction]:
    found = []
    for _prefix, viewset, basename in router.registry:
        for route in router.get_routes(viewset):
            for method, action in route.mapping.items():
                if not hasattr(viewset, action):
                    continue
                extra = tuple(a for a in _REGEX_GROUP.findall(route.url) if a not in ("pk", "format"))
                extra += tuple(
                    a for a in _CONVERTER.findall(route.url) if a not in ("pk", "format", "lookup")
                )
                found.append(
                    ApiAction(
                        basename=basename,
                        action=action,
                        method=method,
                        url_name=route.name.format(basename=basename),
                        detail=route.detail,
                        extra_args=extra,
                    )
                )
    return found


# --- one estate, two residents ------------------------------------------------------------------


def _pdf(name: str) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, PDF_BYTES, content_type="application/pdf")


def build_unit_world(*, unit, resident_user, staff: dict, tag: str) -> dict:
    """A resident's unit with a ticket (reported by them, resolved, assigned to the technician),
    a public file on it, a callback, a bill, a payment with its receipt, a meter reading and an
    archive document. `tag` goes into every text so a leak is easy to find."""
    ensure_default_categories()  # a transactional test before this one may have flushed them
    person = Person.objects.get(user=resident_user)
    ticket = TicketFactory(
        unit=unit,
        reporter=person,
        reporter_name="",
        description=f"leak-{tag} description",
        kind=Ticket.Kind.COMPLAINT,
        status=Ticket.Status.RESOLVED,
        assignee=staff["technician"],
        number=f"LJY-{tag}-0001",
    )
    attachment = ticket_services.add_attachment(
        ticket=ticket, actor=staff["frontdesk"], uploaded=_pdf(f"photo-{tag}.pdf")
    )
    callback = CallbackFactory(
        ticket=ticket,
        status=Callback.Status.COMPLETED,
        completed_at=timezone.now(),
        completed_by=staff["housekeeper"],
        satisfaction=5,
    )
    bill = _bill(unit, tag)
    payment = billing_services.record_payment(
        unit=unit,
        amount=Decimal("50.00"),
        method=PaymentMethod.CASH,
        actor=staff["clerk"],
        bill_ids=[bill.pk],
        payer_name=f"payer-{tag}",
        idempotency_key=f"walk-{tag}",
    ).payment
    meter = Meter.objects.create(estate=unit.estate, unit=unit, kind=Meter.Kind.WATER, serial=f"M-{tag}")
    reading = MeterReading.objects.create(
        estate=unit.estate,
        unit=unit,
        meter=meter,
        period=date(2025, 1, 1),
        reading_date=date(2025, 1, 28),
        value=Decimal("12.00"),
        consumption=Decimal("12.00"),
        recorded_by=staff["clerk"],
    )
    document = residents_services.upload_document(
        actor=staff["clerk"], uploaded=_pdf(f"deed-{tag}.pdf"), title=f"deed-{tag}", unit=unit
    )
    return {
        "unit": unit,
        "person": person,
        "occupancy": Occupancy.objects.get(person=person, unit=unit),
        "ticket": ticket,
        "attachment": attachment,
        "callback": callback,
        # A second round still to be called: what the Call button dials.
        "pending_callback": CallbackFactory(
            ticket=ticket, round=1, status=Callback.Status.PENDING, assigned_to=staff["housekeeper"]
        ),
        "bill": bill,
        # The housekeeper's fee-collection call on a second, overdue bill.
        "fee_call": Reminder.objects.create(
            estate=unit.estate,
            unit=unit,
            bill=_bill(unit, f"{tag}-overdue", period=date(2025, 2, 1)),
            stage=Reminder.Stage.CALL,
            created_at=timezone.now(),
            assignee=staff["housekeeper"],
        ),
        # Work in progress for the technician: what the Call button on a ticket dials.
        "deposit_account": billing_services.receive_deposit(
            unit=unit,
            purpose="renovation",
            amount=Decimal("500.00"),
            method=PaymentMethod.CASH,
            actor=staff["clerk"],
            idempotency_key=f"walk-deposit-{tag}",
        ).account,
        "open_ticket": TicketFactory(
            unit=unit,
            reporter=person,
            reporter_name="",
            description=f"leak-{tag} open work",
            status=Ticket.Status.IN_PROGRESS,
            assignee=staff["technician"],
            number=f"LJY-{tag}-0003",
        ),
        "payment": payment,
        # An online payment order of the resident's, still waiting (the simulator's page shows it).
        "payment_order": online_services.create_payment_order(
            user=resident_user,
            unit=unit,
            amount=Decimal("12.00"),
            purpose="bills",
            description=f"leak-{tag} online",
            idempotency_key=f"walk-online-{tag}",
        ),
        "receipt_number": payment.receipt.number,
        "meter_reading": reading,
        "document": document,
        # A shop-staff pass of the unit, valid for a year from now: the gate checks it by number.
        "pass": residents_services.issue_pass(
            estate=unit.estate,
            unit=unit,
            kind="shop_staff",
            holder_name=f"holder-{tag}",
            holder_mobile="13800138000",
            valid_from=timezone.now() - timedelta(days=1),
            valid_until=timezone.now() + timedelta(days=365),
            actor=staff["frontdesk"],
        ),
        **_renovation_world(unit, staff, tag),
        **_desk_log_world(unit, staff, tag),
        **_frontdesk_keys_world(unit, staff, tag, person, resident_user),
        "moveout": _moveout(unit, person, staff, tag),
        **_notices_world(unit, person, resident_user, staff, tag),
        **_movein_world(unit, resident_user, staff, tag),
        **_household_world(unit, resident_user, staff, tag),
        **_special_service_world(unit, resident_user, tag),
    }


def _household_world(unit, resident_user, staff: dict, tag: str) -> dict:
    """A household request the owner made for a family member (issue #14), and a housekeeper's
    visit to the unit with its household flagged important."""
    from relations.services import visits as visit_services
    from residents import services_household
    from tests.factories import make_id_number

    request = services_household.request_household_member(
        actor=resident_user,
        unit=unit,
        name=f"member-{tag}",
        role="household_member",
        id_number=make_id_number(500 + sum(map(ord, tag)) % 400, birth="20000101"),
        move_in_date=date(2026, 1, 1),
        idempotency_key=f"walk-household-{tag}",
    )
    visit = visit_services.log_visit(
        actor=staff["housekeeper"],
        unit=unit,
        visited_on=date(2026, 1, 5),
        channel="home",
        met=f"met-{tag}",
        topics=f"topics-{tag}",
        notes=f"notes-{tag}",
        follow_up=f"follow-{tag}",
    )
    flag = visit_services.flag_important(actor=staff["housekeeper"], unit=unit, reason=f"reason-{tag}")
    return {"household_request": request, "visit": visit, "important_flag": flag}


def _desk_log_world(unit, staff: dict, tag: str) -> dict:
    """A visitor inside, a lost item held with its photo, a parcel at the desk for the unit."""
    from django.core.files.base import ContentFile

    from frontdesk.models import LostItem, Parcel, Visitor

    now = timezone.now()
    return {
        "visitor": Visitor.objects.create(
            estate=unit.estate,
            unit=unit,
            name=f"visitor-{tag}",
            phone="13800138000",
            let_in_by=staff["frontdesk"],
        ),
        "lost_item": LostItem.objects.create(
            estate=unit.estate,
            description=f"leak-{tag} umbrella",
            photo=ContentFile(PNG_BYTES, name=f"item-{tag}.png"),
            photo_content_type="image/png",
            found_place="大堂",
            storage_place="前台柜",
            keep_until=timezone.localdate(now) + timedelta(days=90),
            logged_by=staff["frontdesk"],
        ),
        "parcel": Parcel.objects.create(
            estate=unit.estate,
            unit=unit,
            carrier="顺丰",
            tracking_number=f"SF{tag}0001",
            logged_by=staff["frontdesk"],
        ),
    }


def _frontdesk_keys_world(unit, staff: dict, tag: str, person, resident_user) -> dict:
    """Keys the owner left with the desk, and an invoice request the resident made for a paid bill."""
    from frontdesk.services import invoices as invoice_services
    from frontdesk.services import keys as key_services

    custody = key_services.register_key_custody(
        actor=staff["frontdesk"],
        unit=unit,
        owner=person,
        description=f"keys-{tag}",
        quantity=2,
        storage_tag=f"K-{tag}",
        collectors=[
            key_services.CollectorInput(
                name=f"collector-{tag}", phone="13800138001", id_number="110101198001010037"
            )
        ],
    )
    paid = _bill(unit, f"{tag}-paid", period=date(2025, 3, 1))
    billing_services.record_payment(
        unit=unit,
        amount=Decimal("100.00"),
        method=PaymentMethod.CASH,
        actor=staff["clerk"],
        bill_ids=[paid.pk],
        idempotency_key=f"walk-invoice-{tag}",
    )
    invoice_request = invoice_services.request_invoice(
        actor=resident_user,
        unit=unit,
        bill_ids=[paid.pk],
        title=f"title-{tag}",
        idempotency_key=f"walk-invoice-request-{tag}",
    )
    return {"key_custody": custody, "invoice_request": invoice_request, "invoiced_bill": paid}


def _moveout(unit, person, staff: dict, tag: str):
    """The resident's moving request for tomorrow morning, still to be approved."""
    from datetime import time

    from frontdesk import services as frontdesk_services

    return frontdesk_services.register_moveout(
        unit=unit,
        person=person,
        kind="moving",
        planned_date=timezone.localdate() + timedelta(days=1),
        window_start=time(9, 0),
        window_end=time(12, 0),
        items=f"leak-{tag} sofa",
        actor=staff["frontdesk"],
        idempotency_key=f"walk-moveout-{tag}",
    )


def _notices_world(unit, person, resident_user, staff: dict, tag: str) -> dict:
    """A published notice and a published community event for a building of the estate where the
    world's resident (only) keeps a storage room, with the resident read in and signed up. Both
    residents live in building 3, so a notice for building 3 would be each other's too."""
    from relations.services import events as event_services
    from relations.services import notices as notice_services
    from residents.models import Building, Unit

    building = Building.objects.create(estate=unit.estate, code=f"S{tag}", name=f"storage-{tag}")
    storage = Unit.objects.create(
        estate=unit.estate,
        building=building,
        number="01",
        code=f"S{tag}-01",
        area=Decimal("6.00"),
        use="storage",
    )
    Occupancy.objects.create(person=person, unit=storage, role=Occupancy.Role.OWNER)
    today = timezone.localdate()
    notice = notice_services.create_notice(
        actor=staff["frontdesk"],
        estate=unit.estate,
        title=f"notice-{tag}",
        body=f"leak-{tag} notice",
        start_date=today,
        end_date=today + timedelta(days=7),
        buildings=[building],
    )
    notice_services.publish_notice(notice=notice, actor=staff["frontdesk"])
    notice_services.record_notice_read(notice=notice, user=resident_user)
    starts_at = timezone.now() + timedelta(days=10)
    event = event_services.create_event(
        actor=staff["frontdesk"],
        estate=unit.estate,
        title=f"event-{tag}",
        place=f"garden-{tag}",
        starts_at=starts_at,
        ends_at=starts_at + timedelta(hours=2),
        capacity=20,
        signup_deadline=starts_at - timedelta(days=1),
        buildings=[building],
    )
    event_services.publish_event(event=event, actor=staff["frontdesk"])
    event_services.sign_up(event=event, person=person, user=resident_user)
    return {"notice": notice, "community_event": event}


def _renovation_world(unit, staff: dict, tag: str) -> dict:
    """Works in progress at the unit under an issued permit: a worker, a plan, a proposed
    deduction, today's patrol for the housekeeper and an open violation."""
    from django.core.files.base import ContentFile

    from renovations.models import Deduction, Patrol, Renovation, RenovationDocument
    from tests.renovations.factories import (
        PatrolFactory,
        RenovationFactory,
        RenovationWorkerFactory,
        ViolationFactory,
    )

    now = timezone.now()
    renovation = RenovationFactory(
        unit=unit,
        number=f"ZX-{tag}-0001",
        status=Renovation.Status.IN_PROGRESS,
        description=f"leak-{tag} renovation",
        permitted_at=now,
        started_at=now,
        working_hours="Mon–Fri 08:00-12:00, 14:00-18:00",
    )
    violation = ViolationFactory(renovation=renovation, found_by=staff["housekeeper"])
    patrol = PatrolFactory(
        renovation=renovation,
        date=timezone.localdate(now),
        assignee=staff["housekeeper"],
        result=Patrol.Result.PENDING,
    )
    return {
        "renovation": renovation,
        "renovation_worker": RenovationWorkerFactory(renovation=renovation, name=f"worker-{tag}"),
        "renovation_document": RenovationDocument.objects.create(
            renovation=renovation,
            kind=RenovationDocument.Kind.PLAN,
            file=ContentFile(PDF_BYTES, name=f"plan-{tag}.pdf"),
            original_name=f"plan-{tag}.pdf",
            content_type="application/pdf",
            size=len(PDF_BYTES),
            uploaded_by=staff["frontdesk"],
        ),
        "deduction": Deduction.objects.create(
            renovation=renovation,
            violation=violation,
            amount=Decimal("100.00"),
            reason=f"leak-{tag} deduction",
            proposed_by=staff["housekeeper"],
        ),
        "patrol": patrol,
        "violation": violation,
        # the API walk names them by their route
        "renovation_patrol": patrol,
        "renovation_violation": violation,
    }


def _special_service(estate):
    from decimal import Decimal

    from relations.models import SpecialService
    from tickets.models import TicketCategory

    service, _created = SpecialService.objects.get_or_create(
        estate=estate,
        name="深度保洁",
        defaults={"price": Decimal("300.00"), "category": TicketCategory.objects.get(code="public_cleaning")},
    )
    return service


def _special_service_world(unit, resident_user, tag: str) -> dict:
    """A special service booked by the unit's resident (a paid-service ticket)."""
    from datetime import timedelta

    from django.utils import timezone

    from relations.services.special_services import book_special_service

    booking = book_special_service(
        actor=resident_user,
        service=_special_service(unit.estate),
        unit=unit,
        preferred_at=timezone.now() + timedelta(days=2),
        notes=f"notes-{tag}",
        idempotency_key=f"walk-special-{tag}",
    )
    return {"special_service_booking": booking}


def _movein_world(unit, resident_user, staff: dict, tag: str) -> dict:
    """A completed handover of the unit to its resident (the owner, who may rate it), with a
    checklist line and a deposit charge."""
    from moveins.models import ChecklistItem, MoveIn, MoveInCharge
    from tests.moveins.factories import MoveInFactory

    owner = Person.objects.filter(user=resident_user).first()
    move_in = MoveInFactory(
        unit=unit,
        owner=owner,
        number=f"RH-{tag}-0001",
        status=MoveIn.Status.COMPLETED,
        completed_at=timezone.now(),
    )
    item = ChecklistItem.objects.create(
        move_in=move_in, section="documents_checked", name=f"入伙通知书-{tag}"
    )
    charge = MoveInCharge.objects.create(
        move_in=move_in, kind="deposit", name=f"装修押金-{tag}", amount=Decimal("1000.00")
    )
    return {"move_in": move_in, "movein_item": item, "movein_charge": charge}


def _bill(unit, tag: str, period: date = date(2025, 1, 1)):
    from billing.models import Bill, ChargeItem

    item, _ = ChargeItem.objects.get_or_create(
        estate=unit.estate,
        code="misc",
        defaults={
            "name": "misc",
            "kind": ChargeItem.Kind.PROPERTY_FEE,
            "basis": ChargeItem.Basis.PER_AREA_MONTH,
        },
    )
    return Bill.objects.create(
        estate=unit.estate,
        unit=unit,
        charge_item=item,
        period=period,
        amount=Decimal("100.00"),
        issue_date=period,
        due_date=period.replace(day=28),
    )


def _roster_world(*, estate, team, staff: dict) -> dict:
    """Tomorrow's morning shift of the front desk, who asks the clerk to cover it."""
    shift_type = ShiftType.objects.get(estate=estate, code="morning")
    day = timezone.localdate() + timedelta(days=1)
    starts_at, ends_at = shift_type.span_on(day)
    entry = RosterEntry.objects.create(
        estate=estate,
        team=team,
        user=staff["frontdesk"],
        day=day,
        shift_type=shift_type,
        starts_at=starts_at,
        ends_at=ends_at,
    )
    swap = SwapRequest.objects.create(
        estate=estate, requested_by=staff["frontdesk"], entry=entry, counterpart=staff["clerk"]
    )
    return {"shift_type": shift_type, "roster_entry": entry, "shift_swap": swap}


def _attendance_world(estate, staff: dict, team) -> dict:
    """A handover written by the housekeeper (everyone else may acknowledge it once) and an
    unrostered clock-in of the technician."""
    from staff import services_attendance

    handover = services_attendance.write_handover(team=team, actor=staff["housekeeper"], notes="水表间未锁")
    record = services_attendance.clock_in(user=staff["technician"], estate=estate)
    return {"shift_handover": handover, "attendance_record": record}


def build_shared(*, estate, staff: dict, world: dict) -> dict:
    """Estate-wide objects of the API: a team, a zone, a callback re-check, an access-log row."""
    team = Team.objects.create(estate=estate, kind=Team.Kind.MAINTENANCE, name="维修组")
    zone = make_zone(estate, staff["housekeeper"], world["unit"].building)
    rostered = _roster_world(estate=estate, team=team, staff=staff)
    sample = CallbackSample.objects.create(
        estate=estate, month=date(2025, 1, 1), population=1, created_at=timezone.now()
    )
    review = CallbackReview.objects.create(sample=sample, callback=world["callback"])
    residents_services.reveal_person(actor=staff["manager"], person=world["person"], reason="核实业主身份")
    from residents.models import SensitiveAccessLog

    return {
        "estate": estate,
        "building": world["unit"].building,
        "team": team,
        "zone": zone,
        **rostered,
        **_attendance_world(estate, staff, team),
        "callback_review": review,
        "access_log": SensitiveAccessLog.objects.latest("pk"),
        "category": TicketCategory.objects.filter(is_active=True).first(),
        "public_location": PublicLocation.objects.create(estate=estate, name="大堂"),
        "root_cause": RootCause.objects.filter(is_active=True).first(),
        "charge_item": world["bill"].charge_item,
        "knowledge_entry": _knowledge_entry(estate),
        **_movein_batch_world(estate),
        "special_service": _special_service(estate),
        "training_session": _training_session(estate, staff),
        **_quality_world(estate, staff, team),
        **_survey_world(estate, staff),
        "repeat_repair": _repeat_repair(world["unit"]),
        "monthly_report": _monthly_report(estate),
    }


def _survey_world(estate, staff: dict) -> dict:
    """An open survey of the estate from the default template, answerable today (both residents
    of the estate may answer it: it is the estate's, not a unit's)."""
    from relations.models import SurveyTemplate
    from relations.services import surveys as survey_services
    from relations.survey_defaults import QUARTERLY_CODE, ensure_default_survey_templates

    ensure_default_survey_templates()  # a transactional test before this one may have flushed it
    template = SurveyTemplate.objects.get(code=QUARTERLY_CODE)
    today = timezone.localdate()
    survey = survey_services.create_survey(
        estate=estate,
        actor=staff["manager"],
        template=template,
        title="",
        opens_on=today - timedelta(days=1),
        closes_on=today + timedelta(days=30),
    )
    survey_services.open_survey(survey=survey, actor=staff["manager"])
    return {"survey": survey, "survey_template": template}


def _repeat_repair(unit):
    """Two repairs of the same category at the unit a day apart: an open repeat repair."""
    from dashboards.models import RepeatRepair

    earlier = TicketFactory(unit=unit, number="LJY-RR-0001", created_at=timezone.now() - timedelta(days=1))
    later = TicketFactory(unit=unit, number="LJY-RR-0002", category=earlier.category)
    return RepeatRepair.objects.create(
        estate=unit.estate,
        ticket=later,
        previous=earlier,
        category=later.category,
        unit=unit,
        gap=later.created_at - earlier.created_at,
    )


def _monthly_report(estate):
    """Last month's report of the estate, built as the schedule builds it."""
    from dashboards.services_reports import build_monthly_report
    from servicecenter.periods import previous_month

    return build_monthly_report(estate=estate, month=previous_month(timezone.now()))


def _quality_world(estate, staff: dict, team) -> dict:
    """A checklist, an inspection round with a failed item, an order issued on it, an incident and
    a drill (tests/staff/test_quality*.py)."""
    import io

    from django.core.files.uploadedfile import SimpleUploadedFile
    from PIL import Image

    from staff import services_incidents, services_quality
    from staff.models import InspectionChecklist

    checklist = InspectionChecklist.objects.create(estate=estate, team_kind=team.kind, name="维修巡检")
    item = checklist.items.create(text="泵房整洁")
    inspection = services_quality.record_inspection(
        actor=staff["manager"],
        checklist=checklist,
        team=team,
        results=[{"item": item, "passed": False, "note": "泵房有积水"}],
    )
    _png = io.BytesIO()
    Image.new("RGB", (4, 4), "red").save(_png, "PNG")
    services_quality.attach_finding_photo(
        actor=staff["manager"],
        finding=inspection.findings.get(),
        photo=SimpleUploadedFile("water.png", _png.getvalue()),
    )
    order = services_quality.issue_rectification_order(
        actor=staff["manager"],
        inspection=inspection,
        finding=inspection.findings.get(),
        description="清理积水",
        deadline=timezone.now() + timedelta(days=3),
    )
    incident = services_incidents.record_incident(
        actor=staff["manager"],
        estate=estate,
        kind="water_leak",
        title="地库漏水",
        occurred_at=timezone.now() - timedelta(hours=1),
    )
    drill = services_incidents.plan_drill(
        actor=staff["manager"], estate=estate, kind="fire_alarm", planned_for=timezone.localdate()
    )
    return {
        "inspection_checklist": checklist,
        "checklist_item": item,
        "quality_inspection": inspection,
        "quality_finding": inspection.findings.get(),
        "corrective_action": services_quality.record_corrective_action(
            actor=staff["manager"], item=item, cause="排水不畅", corrective_action="疏通地漏"
        ),
        "rectification_order": order,
        "incident": incident,
        "drill": drill,
    }


def _training_session(estate, staff: dict):
    """A session every staff member attended (so each may open it), with a PDF of materials."""
    from staff import services_training
    from staff.models import TrainingAttendance

    session = services_training.create_training_session(
        estate=estate,
        topic="消防培训",
        session_date=date(2025, 1, 10),
        trainer_name="消防大队",
        materials=_pdf("fire.pdf"),
        actor=staff["manager"],
    )
    for user in staff.values():
        TrainingAttendance.objects.create(session=session, user=user, score=90, recorded_by=staff["manager"])
    return session


def _knowledge_entry(estate):
    from frontdesk.models import KnowledgeEntry

    return KnowledgeEntry.objects.create(
        estate=estate, language="zh-hans", topic="hours", title="walk-hours", body="周一至周五 8:30–18:00"
    )


def _movein_batch_world(estate) -> dict:
    """A bulk move-in running from today for a month, with a slot tomorrow."""
    from tests.moveins.factories import MoveInBatchFactory, MoveInSlotFactory

    today = timezone.localdate()
    batch = MoveInBatchFactory(estate=estate, starts_on=today, ends_on=today + timedelta(days=30))
    slot = MoveInSlotFactory(
        batch=batch,
        starts_at=timezone.now() + timedelta(days=1),
        ends_at=timezone.now() + timedelta(days=1, hours=1),
    )
    return {"movein_batch": batch, "movein_slot": slot}


# --- how to fill each URL's arguments -----------------------------------------------------------

# URL name -> {argument: (object key, attribute)}. Keys are looked up in the unit world first,
# then in the shared objects; a literal is given as ("=", value).
URL_KWARGS: dict[str, dict[str, tuple[str, str]]] = {
    # staff: shift handovers
    "staff:handover_list": {"team_id": ("team", "pk")},
    "staff:handover_acknowledge": {"pk": ("shift_handover", "pk")},
    # billing desk
    "billing:payment_detail": {"pk": ("payment", "pk")},
    "staff:training_detail": {"pk": ("training_session", "pk")},
    "staff:training_attendance": {"pk": ("training_session", "pk")},
    "staff:training_materials": {"pk": ("training_session", "pk")},
    "billing:receipt": {"pk": ("payment", "pk")},
    "billing:receipt_pdf": {"pk": ("payment", "pk")},
    "billing:payment_void": {"pk": ("payment", "pk")},
    "billing:payment_refund": {"pk": ("payment", "pk")},
    "billing:bill_detail": {"pk": ("bill", "pk")},
    "billing:bill_void": {"pk": ("bill", "pk")},
    "billing:bill_write_off": {"pk": ("bill", "pk")},
    "billing:call_outcome": {"unit_id": ("unit", "pk")},
    "billing:call_dial": {"unit_id": ("unit", "pk")},
    "billing:deposits": {"unit_id": ("unit", "pk")},
    "billing:deposit_refund": {"pk": ("deposit_account", "pk")},
    "billing:bill_waive_late_fee": {"pk": ("bill", "pk")},
    "billing:online_order": {"pk": ("payment_order", "pk")},
    "billing:online_refund": {"pk": ("payment_order", "pk")},
    "payments:notify": {"gateway": ("=", "simulator")},
    # archive desk
    "residents:unit_detail": {"pk": ("unit", "pk")},
    "residents:occupancy_add": {"pk": ("unit", "pk")},
    "residents:occupancy_end": {"pk": ("occupancy", "pk")},
    "residents:occupancy_payer": {"pk": ("occupancy", "pk")},
    "residents:occupancy_bills": {"pk": ("occupancy", "pk")},
    "residents:person_detail": {"pk": ("person", "pk")},
    "residents:person_edit": {"pk": ("person", "pk")},
    "residents:person_reveal": {"pk": ("person", "pk")},
    "residents:person_verify_id": {"pk": ("person", "pk")},
    "residents:person_portal_code": {"pk": ("person", "pk")},
    "residents:document_download": {"pk": ("document", "pk")},
    # passes desk
    "passes:detail": {"pk": ("pass", "pk")},
    "passes:print": {"pk": ("pass", "pk")},
    "passes:revoke": {"pk": ("pass", "pk")},
    # tickets desk
    "tickets:callback_record": {"pk": ("callback", "pk")},
    "tickets:callback_call": {"pk": ("pending_callback", "pk")},
    "tickets:callback_detail": {"pk": ("callback", "pk")},
    "tickets:call": {"pk": ("open_ticket", "pk")},
    "tickets:link_report": {"pk": ("open_ticket", "pk")},
    "tickets:callback_review_record": {"pk": ("callback_review", "pk")},
    "tickets:detail": {"pk": ("ticket", "pk")},
    "staff:swap_action": {"pk": ("shift_swap", "pk"), "action": ("=", "approve")},
    "tickets:action": {"pk": ("ticket", "pk"), "action": ("=", "reopen")},
    "tickets:comment": {"pk": ("ticket", "pk")},
    "tickets:attach": {"pk": ("ticket", "pk")},
    "tickets:attachment": {"pk": ("ticket", "pk"), "attachment_pk": ("attachment", "pk")},
    # portal
    # renovations desk
    "renovations:detail": {"pk": ("renovation", "pk")},
    "renovations:action": {"pk": ("renovation", "pk"), "action": ("=", "withdraw")},
    "renovations:deposit": {"pk": ("renovation", "pk")},
    "renovations:worker_add": {"pk": ("renovation", "pk")},
    "renovations:worker_remove": {"pk": ("renovation", "pk"), "worker_pk": ("renovation_worker", "pk")},
    "renovations:document_upload": {"pk": ("renovation", "pk")},
    "renovations:document": {"pk": ("renovation", "pk"), "document_pk": ("renovation_document", "pk")},
    "renovations:deduction_propose": {"pk": ("renovation", "pk")},
    "renovations:deduction_withdraw": {"pk": ("renovation", "pk"), "deduction_pk": ("deduction", "pk")},
    "renovations:permit": {"pk": ("renovation", "pk")},
    "renovations:patrol": {"pk": ("patrol", "pk")},
    "renovations:violation": {"pk": ("violation", "pk")},
    "renovations:violation_action": {"pk": ("violation", "pk"), "action": ("=", "dismiss")},
    # the front desk
    "frontdesk:visitor_leave": {"pk": ("visitor", "pk")},
    "frontdesk:lost_item": {"pk": ("lost_item", "pk")},
    "frontdesk:lost_item_photo": {"pk": ("lost_item", "pk")},
    "frontdesk:lost_item_action": {"pk": ("lost_item", "pk"), "action": ("=", "claim")},
    "frontdesk:parcel": {"pk": ("parcel", "pk")},
    "frontdesk:parcel_action": {"pk": ("parcel", "pk"), "action": ("=", "pick-up")},
    # front desk
    "frontdesk:key_detail": {"pk": ("key_custody", "pk")},
    "frontdesk:key_action": {"pk": ("key_custody", "pk"), "action": ("=", "take_back")},
    "frontdesk:invoice_detail": {"pk": ("invoice_request", "pk")},
    "frontdesk:invoice_action": {"pk": ("invoice_request", "pk"), "action": ("=", "reject")},
    # front desk: move-outs and moving requests
    "frontdesk:moveout_detail": {"pk": ("moveout", "pk")},
    "frontdesk:moveout_approve": {"pk": ("moveout", "pk")},
    "frontdesk:moveout_complete": {"pk": ("moveout", "pk")},
    "frontdesk:moveout_cancel": {"pk": ("moveout", "pk")},
    # move-ins desk
    "moveins:detail": {"pk": ("move_in", "pk")},
    "moveins:action": {"pk": ("move_in", "pk"), "action": ("=", "cancel")},
    "moveins:checklist_tick": {"pk": ("move_in", "pk"), "item_pk": ("movein_item", "pk")},
    "moveins:deposit": {"pk": ("move_in", "pk"), "charge_pk": ("movein_charge", "pk")},
    "moveins:readings": {"pk": ("move_in", "pk")},
    "moveins:defects": {"pk": ("move_in", "pk")},
    "moveins:keys": {"pk": ("move_in", "pk")},
    "portal:move_in": {"pk": ("move_in", "pk")},
    "portal:move_in_rate": {"pk": ("move_in", "pk")},
    "portal:move_in_book": {"pk": ("move_in", "pk")},
    "portal:renovation": {"pk": ("renovation", "pk")},
    "portal:move_in_cancel_booking": {"pk": ("move_in", "pk")},
    # move-in batches desk
    "moveins:batch": {"pk": ("movein_batch", "pk")},
    "moveins:batch_print": {"pk": ("movein_batch", "pk")},
    "moveins:batch_slots_add": {"pk": ("movein_batch", "pk")},
    "moveins:batch_book": {"pk": ("movein_batch", "pk")},
    "moveins:batch_cancel_booking": {"pk": ("movein_batch", "pk")},
    "portal:billing_bill": {"pk": ("bill", "pk")},
    "portal:billing_receipt": {"pk": ("payment", "pk")},
    "portal:billing_receipt_pdf": {"pk": ("payment", "pk")},
    "portal:billing_order": {"order_no": ("payment_order", "order_no")},
    "portal:billing_simulator": {"order_no": ("payment_order", "order_no")},
    "portal:renovation_deposit_pay": {"pk": ("renovation", "pk")},
    "portal:household_payer": {"pk": ("occupancy", "pk")},
    "portal:household_bills": {"pk": ("occupancy", "pk")},
    "relations:visit_detail": {"pk": ("visit", "pk")},
    "relations:visit_ticket": {"pk": ("visit", "pk")},
    "relations:unit_important": {"pk": ("unit", "pk")},
    "residents:household_request_detail": {"pk": ("household_request", "pk")},
    "residents:household_request_action": {"pk": ("household_request", "pk"), "action": ("=", "reject")},
    "staff:incident": {"pk": ("incident", "pk")},
    "staff:inspection": {"pk": ("quality_inspection", "pk")},
    "staff:finding_photo": {"pk": ("quality_inspection", "pk"), "finding_pk": ("quality_finding", "pk")},
    "staff:order_issue": {"pk": ("quality_inspection", "pk"), "finding_pk": ("quality_finding", "pk")},
    "staff:rectification_order": {"pk": ("rectification_order", "pk")},
    "staff:rectification_order_action": {"pk": ("rectification_order", "pk"), "action": ("=", "rectify")},
    "staff:capa_new": {"item_pk": ("checklist_item", "pk")},
    "staff:incident_timeline": {"pk": ("incident", "pk")},
    "staff:incident_notified": {"pk": ("incident", "pk")},
    "staff:incident_close": {"pk": ("incident", "pk")},
    "staff:incident_link_ticket": {"pk": ("incident", "pk")},
    "staff:drill_held": {"pk": ("drill", "pk")},
    # satisfaction surveys: the estate's survey; on the portal, answered as the occupant of a unit
    "relations:survey_detail": {"pk": ("survey", "pk")},
    "relations:survey_questions": {"pk": ("survey", "pk")},
    "relations:survey_open": {"pk": ("survey", "pk")},
    "relations:survey_close": {"pk": ("survey", "pk")},
    "relations:survey_export": {"pk": ("survey", "pk")},
    "portal:survey": {"unit_pk": ("unit", "pk"), "pk": ("survey", "pk")},
    "hotspots:repeat_detail": {"pk": ("repeat_repair", "pk")},
    "hotspots:repeat_action": {"pk": ("repeat_repair", "pk"), "action": ("=", "acknowledge")},
    "monthly_reports:detail": {"pk": ("monthly_report", "pk")},
    "monthly_reports:rebuild": {"pk": ("monthly_report", "pk")},
    "monthly_reports:excel": {"pk": ("monthly_report", "pk")},
    "monthly_reports:pdf": {"pk": ("monthly_report", "pk")},
    "portal:ticket_detail": {"pk": ("ticket", "pk")},
    # notices and community events
    "relations:notice_detail": {"pk": ("notice", "pk")},
    "relations:notice_edit": {"pk": ("notice", "pk")},
    "relations:notice_publish": {"pk": ("notice", "pk")},
    "relations:notice_withdraw": {"pk": ("notice", "pk")},
    "relations:event_detail": {"pk": ("community_event", "pk")},
    "relations:event_edit": {"pk": ("community_event", "pk")},
    "relations:event_publish": {"pk": ("community_event", "pk")},
    "relations:event_cancel": {"pk": ("community_event", "pk")},
    "portal:notice_detail": {"pk": ("notice", "pk")},
    "portal:event_detail": {"pk": ("community_event", "pk")},
    "portal:event_signup": {"pk": ("community_event", "pk")},
    "portal:event_signup_cancel": {"pk": ("community_event", "pk")},
    "portal:ticket_rate": {"pk": ("ticket", "pk")},
    "portal:ticket_comment": {"pk": ("ticket", "pk")},
    "portal:ticket_attachment": {"pk": ("ticket", "pk"), "attachment_pk": ("attachment", "pk")},
}

# Pages that take their object in the query string.
URL_QUERY: dict[str, dict[str, tuple[str, str]]] = {
    "residents:document_upload": {"unit": ("unit", "pk")},
    "relations:visit_create": {"unit": ("unit", "pk")},
    "residents:export": {"estate": ("estate", "pk")},
    "performance:list": {"estate": ("estate", "pk")},
    "performance:export": {"estate": ("estate", "pk")},
    "dashboards:index": {"estate": ("estate", "pk")},
    "staff:reception_hours": {"estate": ("estate", "pk")},
}

# API basename -> the object its detail routes take; extra route arguments by name.
API_OBJECTS: dict[str, str] = {
    "training-session": "training_session",
    "estate": "estate",
    "building": "building",
    "unit": "unit",
    "person": "person",
    "occupancy": "occupancy",
    "access-log": "access_log",
    "team": "team",
    "zone": "zone",
    "shift-type": "shift_type",
    "roster-entry": "roster_entry",
    "shift-swap": "shift_swap",
    "shift-handover": "shift_handover",
    "reception-hours": "estate",
    "attendance": "attendance_record",
    "ticket": "ticket",
    "ticket-category": "category",
    "callback": "callback",
    "charge-item": "charge_item",
    "public-location": "public_location",
    "root-cause": "root_cause",
    "meter-reading": "meter_reading",
    "bill": "bill",
    "payment": "payment",
    "payment-order": "payment_order",
    "pass": "pass",
    "renovation": "renovation",
    "renovation-patrol": "renovation_patrol",
    "renovation-violation": "renovation_violation",
    "visitor": "visitor",
    "lost-item": "lost_item",
    "parcel": "parcel",
    "key-custody": "key_custody",
    "invoice-request": "invoice_request",
    "visit": "visit",
    "important-household": "important_flag",
    "household-request": "household_request",
    "knowledge": "knowledge_entry",
    "move-out": "moveout",
    "notice": "notice",
    "community-event": "community_event",
    "move-in": "move_in",
    "special-service": "special_service",
    "special-service-booking": "special_service_booking",
    "move-in-batch": "movein_batch",
    "move-in-slot": "movein_slot",
    "inspection-checklist": "inspection_checklist",
    "quality-inspection": "quality_inspection",
    "rectification-order": "rectification_order",
    "incident": "incident",
    "drill": "drill",
    "corrective-action": "corrective_action",
    "survey": "survey",
    "survey-template": "survey_template",
    "resident-survey": "survey",
    "repeat-repair": "repeat_repair",
    "monthly-report": "monthly_report",
}
API_EXTRA_ARGS: dict[str, tuple[str, str]] = {
    "attachment_pk": ("attachment", "pk"),
    "number": ("pass", "number"),  # /api/passes/{number}/verify/ (a list route with an argument)
    "worker_pk": ("renovation_worker", "pk"),
    "deduction_pk": ("deduction", "pk"),
    "document_pk": ("renovation_document", "pk"),
    "finding_pk": ("quality_finding", "pk"),
}


def _lookup(objects: dict, shared: dict, key: str):
    if key in objects:
        return objects[key]
    if key in shared:
        return shared[key]
    raise AssertionError(f"no test object {key!r}")


def url_kwargs(url: Url, objects: dict, shared: dict) -> dict:
    """The arguments for `url`, taken from `objects` (one unit's world) and `shared`."""
    if not url.args or url.name.startswith("admin:") or url.args == ("format",):
        return {}
    if url.is_api:
        raise AssertionError("API routes are filled by api_kwargs")
    if url.name not in URL_KWARGS:
        raise AssertionError(
            f"URL {url.name} ({url.route}) takes {url.args} but has no entry in URL_KWARGS "
            "(tests/servicecenter/urlwalk.py): say which test object fills it"
        )
    filled = {}
    for arg, (key, attr) in URL_KWARGS[url.name].items():
        filled[arg] = attr if key == "=" else getattr(_lookup(objects, shared, key), attr)
    return filled


def url_query(url: Url, objects: dict, shared: dict) -> dict:
    return {
        arg: getattr(_lookup(objects, shared, key), attr)
        for arg, (key, attr) in URL_QUERY.get(url.name, {}).items()
    }


def api_kwargs(action: ApiAction, objects: dict, shared: dict) -> dict:
    if not action.detail and not action.extra_args:
        return {}
    if action.basename not in API_OBJECTS:
        raise AssertionError(
            f"API route {action.url_name} has no entry in API_OBJECTS (tests/servicecenter/urlwalk.py)"
        )
    filled = {"pk": _lookup(objects, shared, API_OBJECTS[action.basename]).pk} if action.detail else {}
    for arg in action.extra_args:
        if arg not in API_EXTRA_ARGS:
            raise AssertionError(f"API route {action.url_name} takes {arg!r}: add it to API_EXTRA_ARGS")
        key, attr = API_EXTRA_ARGS[arg]
        filled[arg] = getattr(_lookup(objects, shared, key), attr)
    return filled
