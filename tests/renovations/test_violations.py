"""Violations: recording, the follow-up workflow, stop orders stopping and resuming the works (worker
passes revoked and issued again), and a complaint ticket closing together with its check."""

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile

from renovations import services
from renovations.models import Renovation, RenovationDocument, RenovationEvent, Violation
from residents.models import Pass
from servicecenter.exceptions import DomainError, TransitionError
from tests.renovations.conftest import at
from tests.renovations.factories import RenovationFactory, RenovationWorkerFactory, ViolationFactory
from tests.tickets.conftest import ensure_default_categories
from tests.tickets.factories import TicketFactory, category
from tickets import services as tickets
from tickets.models import Callback, Ticket, TicketPolicy

pytestmark = pytest.mark.django_db

NOW = at(2026, 3, 10, 10)


def png(name="site.png") -> SimpleUploadedFile:
    import io

    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), "red").save(buffer, format="PNG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/png")


@pytest.fixture
def works(unit_a, housekeeper):
    """Works in progress at unit A (March–April 2026) with two workers holding valid passes."""
    renovation = RenovationFactory(unit=unit_a, status=Renovation.Status.IN_PROGRESS)
    RenovationWorkerFactory(renovation=renovation)
    RenovationWorkerFactory(renovation=renovation)
    services.issue_worker_passes(renovation=renovation, actor=None, now=at(2026, 3, 2, 8))
    return renovation


def valid_passes(renovation, moment=NOW) -> int:
    prefix = f"renovation:{renovation.pk}:"
    return Pass.objects.filter(source_reference__startswith=prefix).valid_at(moment).count()


def record(renovation, actor, **extra) -> Violation:
    fields = {
        "unit": renovation.unit,
        "actor": actor,
        "kind": Violation.Kind.OUT_OF_HOURS,
        "source": Violation.Source.STAFF,
        "description": "午休时间电钻施工",
        "renovation": renovation,
        "now": NOW,
        **extra,
    }
    return services.record_violation(**fields)


# --- recording ----------------------------------------------------------------------------------


def test_record_violation_keeps_the_details_and_writes_the_first_event(works, housekeeper):
    violation = record(
        works,
        housekeeper,
        rectify_by=date(2026, 3, 12),
        proposed_deduction="200.00",
        photos=[png()],
    )
    violation.refresh_from_db()
    assert violation.status == Violation.Status.OPEN
    assert (violation.estate_id, violation.unit_id, violation.found_by) == (
        works.estate_id,
        works.unit_id,
        housekeeper,
    )
    assert violation.proposed_deduction == Decimal("200.00")
    assert violation.rectify_by == date(2026, 3, 12)
    assert list(violation.events.values_list("action", "to_status")) == [("record", "open")]
    photo = RenovationDocument.objects.get(violation=violation)
    assert photo.kind == RenovationDocument.Kind.VIOLATION_PHOTO
    assert photo.content_type == "image/png"


def test_record_violation_needs_the_permission(works, frontdesk):
    with pytest.raises(PermissionDenied):
        record(works, frontdesk)
    assert not Violation.objects.exists()


@pytest.mark.parametrize(
    ("extra", "code"),
    [
        ({"kind": "bogus"}, "invalid_kind"),
        ({"source": "bogus"}, "invalid_source"),
        ({"description": "  "}, "required"),
        ({"rectify_by": date(2026, 3, 9)}, "deadline_past"),
        ({"proposed_deduction": "-5"}, "invalid_amount"),
        ({"proposed_deduction": "1.234"}, "invalid_amount"),
    ],
)
def test_record_violation_refuses_bad_input_and_changes_nothing(works, housekeeper, extra, code):
    with pytest.raises(DomainError) as error:
        record(works, housekeeper, **extra)
    assert error.value.code == code
    assert not Violation.objects.exists()


def test_a_violation_of_another_unit_than_the_renovations_is_refused(works, housekeeper, unit_a2):
    with pytest.raises(DomainError) as error:
        record(works, housekeeper, unit=unit_a2)
    assert error.value.code == "unit_mismatch"


def test_works_without_a_permit_are_a_no_permit_violation(unit_a2, housekeeper):
    violation = services.record_violation(
        unit=unit_a2,
        actor=housekeeper,
        kind=Violation.Kind.NO_PERMIT,
        source=Violation.Source.PATROL,
        description="无证装修",
        stop_order=True,
        now=NOW,
    )
    assert violation.renovation is None and violation.stop_order
    with pytest.raises(DomainError) as error:
        services.record_violation(
            unit=unit_a2,
            actor=housekeeper,
            kind=Violation.Kind.NOISE,
            source="staff",
            description="噪音",
            now=NOW,
        )
    assert error.value.code == "no_permit_only"


# --- stop orders: the works stop and resume -------------------------------------------------------


def test_a_stop_order_stops_the_works_and_revokes_the_worker_passes(works, housekeeper):
    assert valid_passes(works) == 2
    violation = record(works, housekeeper, stop_order=True, kind=Violation.Kind.STRUCTURAL)
    works.refresh_from_db()
    assert works.status == Renovation.Status.STOPPED
    assert valid_passes(works, at(2026, 3, 10, 11)) == 0
    event = works.events.get(action="stop")
    assert (event.from_status, event.to_status, event.actor) == ("in_progress", "stopped", housekeeper)
    assert str(violation) in event.note


def test_rectifying_the_stop_order_resumes_the_works_with_new_passes(works, housekeeper):
    violation = record(works, housekeeper, stop_order=True)
    services.order_rectification(
        violation=violation, actor=housekeeper, rectify_by=date(2026, 3, 12), now=at(2026, 3, 10, 11)
    )
    works.refresh_from_db()
    assert works.status == Renovation.Status.STOPPED  # rectifying is not rectified
    services.confirm_rectified(violation=violation, actor=housekeeper, note="已恢复", now=at(2026, 3, 11, 9))
    works.refresh_from_db()
    violation.refresh_from_db()
    assert works.status == Renovation.Status.IN_PROGRESS
    assert violation.status == Violation.Status.RECTIFIED
    assert violation.rectified_at == at(2026, 3, 11, 9)
    assert valid_passes(works, at(2026, 3, 11, 10)) == 2
    # The revoked passes stay revoked: two new ones were issued.
    assert Pass.objects.filter(source_reference__startswith=f"renovation:{works.pk}:").count() == 4
    assert list(works.events.values_list("action", flat=True)) == ["stop", "resume"]


def test_the_works_stay_stopped_while_another_stop_order_is_in_force(works, housekeeper, supervisor):
    first = record(works, housekeeper, stop_order=True)
    second = record(works, housekeeper, stop_order=True, kind=Violation.Kind.FIRE_HAZARD)
    assert works.events.filter(action="stop").count() == 1  # the second stop order changes nothing
    services.confirm_rectified(violation=first, actor=housekeeper, now=at(2026, 3, 11))
    works.refresh_from_db()
    assert works.status == Renovation.Status.STOPPED
    assert valid_passes(works, at(2026, 3, 11, 12)) == 0
    services.escalate_violation(
        violation=second, actor=supervisor, enforcement_reference="城管执〔2026〕17号", now=at(2026, 3, 12)
    )
    works.refresh_from_db()
    assert works.status == Renovation.Status.IN_PROGRESS


def test_ordering_rectification_with_a_stop_order_stops_the_works(works, housekeeper):
    violation = record(works, housekeeper)
    services.order_rectification(
        violation=violation, actor=housekeeper, rectify_by=date(2026, 3, 15), stop_order=True, now=NOW
    )
    violation.refresh_from_db()
    works.refresh_from_db()
    assert (violation.status, violation.stop_order, violation.rectify_by) == (
        Violation.Status.RECTIFYING,
        True,
        date(2026, 3, 15),
    )
    assert works.status == Renovation.Status.STOPPED


def test_a_stop_order_is_refused_once_completion_is_requested_and_nothing_is_recorded(unit_a, housekeeper):
    renovation = RenovationFactory(unit=unit_a, status=Renovation.Status.COMPLETION_REQUESTED)
    with pytest.raises(TransitionError):
        record(renovation, housekeeper, stop_order=True)
    assert not Violation.objects.exists()


def test_resume_is_refused_while_a_stop_order_is_in_force(works, housekeeper):
    record(works, housekeeper, stop_order=True)
    with pytest.raises(DomainError) as error:
        services.resume_works(renovation=works, now=NOW)
    assert error.value.code == "stop_order_in_force"


def test_dismissing_a_stop_order_lets_the_works_go_on(works, housekeeper):
    violation = record(works, housekeeper, stop_order=True)
    services.dismiss_violation(violation=violation, actor=housekeeper, note="核实为正常施工", now=NOW)
    works.refresh_from_db()
    assert works.status == Renovation.Status.IN_PROGRESS


# --- the workflow -------------------------------------------------------------------------------


def test_escalation_keeps_the_reference_and_the_letter(works, supervisor):
    violation = ViolationFactory(renovation=works)
    letter = SimpleUploadedFile("letter.pdf", b"%PDF-1.4\n%%EOF\n", content_type="application/pdf")
    services.escalate_violation(
        violation=violation,
        actor=supervisor,
        enforcement_reference=" 城管执〔2026〕9号 ",
        letter=letter,
        now=NOW,
    )
    violation.refresh_from_db()
    assert violation.status == Violation.Status.ESCALATED
    assert (violation.enforcement_reference, violation.escalated_at) == ("城管执〔2026〕9号", NOW)
    assert violation.documents.get().kind == RenovationDocument.Kind.ENFORCEMENT_LETTER


def test_escalation_needs_the_reference_and_the_escalate_permission(works, supervisor, housekeeper):
    violation = ViolationFactory(renovation=works)
    with pytest.raises(DomainError) as error:
        services.escalate_violation(violation=violation, actor=supervisor, enforcement_reference=" ", now=NOW)
    assert error.value.code == "reference_required"
    with pytest.raises(PermissionDenied):
        services.escalate_violation(
            violation=violation, actor=housekeeper, enforcement_reference="x", now=NOW
        )
    violation.refresh_from_db()
    assert violation.status == Violation.Status.OPEN


def test_rectification_order_needs_a_deadline_not_in_the_past(works, housekeeper):
    violation = ViolationFactory(renovation=works)
    for deadline, code in ((None, "deadline_required"), (date(2026, 3, 9), "deadline_past")):
        with pytest.raises(DomainError) as error:
            services.order_rectification(violation=violation, actor=housekeeper, rectify_by=deadline, now=NOW)
        assert error.value.code == code
    violation.refresh_from_db()
    assert violation.status == Violation.Status.OPEN


def test_only_an_open_check_can_be_dismissed_and_only_with_what_was_found(works, housekeeper):
    violation = ViolationFactory(renovation=works, status=Violation.Status.RECTIFYING)
    with pytest.raises(TransitionError):
        services.dismiss_violation(violation=violation, actor=housekeeper, note="无", now=NOW)
    open_one = ViolationFactory(renovation=works)
    with pytest.raises(DomainError) as error:
        services.dismiss_violation(violation=open_one, actor=housekeeper, note="", now=NOW)
    assert error.value.code == "required"


def test_a_closed_violation_cannot_be_rectified_again(works, housekeeper):
    violation = ViolationFactory(renovation=works, status=Violation.Status.RECTIFIED)
    with pytest.raises(TransitionError):
        services.confirm_rectified(violation=violation, actor=housekeeper, now=NOW)
    assert violation.events.count() == 0


# --- a complaint ticket and its violation check close together ---------------------------------


@pytest.fixture
def complaint(unit_a2, estate_a):
    """A neighbour's noise complaint about the works, registered and not yet dispatched; every
    resolved ticket of the estate is called back."""
    ensure_default_categories()
    TicketPolicy.objects.create(estate=estate_a, callback_share_percent=100)
    return TicketFactory(
        unit=unit_a2,
        kind=Ticket.Kind.COMPLAINT,
        category=category("noise"),
        description="楼上装修中午还在电钻",
        created_at=at(2026, 3, 10, 9),
    )


def test_linking_a_complaint_opens_a_check_and_puts_the_ticket_to_work(works, complaint, housekeeper):
    violation = services.link_complaint(renovation=works, ticket=complaint, actor=housekeeper, now=NOW)
    assert (violation.source, violation.ticket, violation.kind, violation.status) == (
        Violation.Source.RESIDENT_REPORT,
        complaint,
        Violation.Kind.NOISE,
        Violation.Status.OPEN,
    )
    assert complaint.number in violation.description
    complaint.refresh_from_db()
    assert (complaint.status, complaint.assignee) == (Ticket.Status.IN_PROGRESS, housekeeper)
    assert complaint.first_responded_at == NOW


def test_a_complaint_under_an_open_check_cannot_be_resolved_on_its_own(
    works, complaint, housekeeper, supervisor
):
    services.link_complaint(renovation=works, ticket=complaint, actor=housekeeper, now=NOW)
    complaint.refresh_from_db()
    with pytest.raises(DomainError) as error:
        tickets.resolve_ticket(ticket=complaint, actor=supervisor, note="已处理", now=NOW)
    assert error.value.code == "violation_check_open"
    from tickets.workflows import TICKET

    assert "resolve" not in {a.name for a in TICKET.available(complaint, supervisor)}
    complaint.refresh_from_db()
    assert complaint.status == Ticket.Status.IN_PROGRESS


@pytest.mark.parametrize("outcome", ["rectified", "escalated", "dismissed"])
def test_closing_the_check_resolves_the_ticket_and_schedules_its_callback(
    works, complaint, housekeeper, supervisor, outcome
):
    violation = services.link_complaint(renovation=works, ticket=complaint, actor=housekeeper, now=NOW)
    later = at(2026, 3, 11, 15)
    if outcome == "rectified":
        services.confirm_rectified(violation=violation, actor=housekeeper, note="已调整施工时间", now=later)
        expected = "rectified"
    elif outcome == "escalated":
        services.escalate_violation(
            violation=violation, actor=supervisor, enforcement_reference="城管-88", now=later
        )
        expected = "城管-88"
    else:
        services.dismiss_violation(violation=violation, actor=housekeeper, note="现场无施工", now=later)
        expected = "现场无施工"
    complaint.refresh_from_db()
    assert complaint.status == Ticket.Status.RESOLVED
    assert complaint.resolved_at == later
    assert works.number in complaint.resolution_note and expected in complaint.resolution_note
    assert complaint.root_cause.code == "third_party"
    callback = Callback.objects.get(ticket=complaint)
    assert callback.status == Callback.Status.PENDING


def test_only_noise_or_renovation_complaints_of_the_estate_can_be_linked(
    works, complaint, housekeeper, unit_b
):
    repair = TicketFactory(unit=works.unit, category=category("plumbing"))
    with pytest.raises(DomainError) as error:
        services.link_complaint(renovation=works, ticket=repair, actor=housekeeper, now=NOW)
    assert error.value.code == "not_a_renovation_complaint"
    elsewhere = TicketFactory(unit=unit_b, category=category("noise"))
    with pytest.raises(DomainError) as error:
        services.link_complaint(renovation=works, ticket=elsewhere, actor=housekeeper, now=NOW)
    assert error.value.code == "estate_mismatch"
    services.link_complaint(renovation=works, ticket=complaint, actor=housekeeper, now=NOW)
    with pytest.raises(DomainError) as error:
        services.link_complaint(renovation=works, ticket=complaint, actor=housekeeper, now=NOW)
    assert error.value.code == "already_linked"
    assert Violation.objects.count() == 1


def test_a_finished_ticket_cannot_be_linked(works, complaint, housekeeper):
    Ticket.objects.filter(pk=complaint.pk).update(status=Ticket.Status.RESOLVED)
    with pytest.raises(DomainError) as error:
        services.link_complaint(renovation=works, ticket=complaint, actor=housekeeper, now=NOW)
    assert error.value.code == "ticket_finished"
    assert not RenovationEvent.objects.exists() and not Violation.objects.exists()
