"""The whole matrix of every declared workflow (servicecenter.workflow): every action from every
state, through the service that performs it, with and without the action's permission.

With the permission an action is done iff the object is in one of its source states (the
fixtures satisfy the action's other rules): the state becomes the target and exactly one event
row is written, and the page offers the action exactly then. Without the permission it is
refused and nothing changes. System steps are never offered and are checked through the workflow.

A new workflow needs a maker of objects in each state and a performer per action below; the
coverage test fails until it has them.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import timedelta
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from billing import services as billing
from billing.gateway.simulator import SimulatorGateway, signed_notification
from billing.models import Bill, ChargeItem, Payment, PaymentMethod, PaymentOrder, SimulatorCharge
from billing.services import online
from frontdesk import services as frontdesk
from frontdesk.models import LostItem, MoveOut, Parcel, Visitor
from moveins import services as moveins
from moveins.models import ChargeRule, MoveIn
from relations.services import events as relations_events
from relations.services import notices as relations_notices
from renovations import services as renovations
from renovations.models import Renovation, Violation
from servicecenter.exceptions import DomainError
from servicecenter.workflow import SYSTEM, Workflow, declared_workflows
from staff import services_attendance as attendance
from staff import services_quality as staff_quality
from staff import services_rosters as rosters
from staff.models import AttendanceRecord, RosterEntry, ShiftHandover, ShiftType, SwapRequest, Team
from tests.billing.conftest import make_bill, new_key
from tests.factories import TeamFactory, make_id_number, make_staff
from tests.frontdesk.moveout_helpers import make_moveout
from tests.module_world import estate_a, resident, resident2, unit_a, unit_a2, users  # noqa: F401
from tests.moveins.factories import MoveInFactory
from tests.renovations.factories import RenovationFactory, ViolationFactory
from tests.renovations.helpers import pdf
from tests.staff.quality_helpers import make_order
from tests.tickets.factories import TicketFactory
from tickets import services as tickets
from tickets.models import Callback, RootCause, Ticket
from tickets.selectors import policy_for

pytestmark = pytest.mark.django_db


@dataclass
class Env:
    estate: object
    unit: object
    team: object
    actor: object  # the user performing the actions (has_perm patched per case)
    technician: object
    cashier: object


# --- objects in each state, satisfying every action's rules --------------------------------------


def _ticket(env: Env, state: str) -> Ticket:
    # A complaint (only complaints can be major), unassigned, of the actor's own team (so it can
    # be taken), with no callback pending (so it can be closed by hand).
    return TicketFactory(
        unit=env.unit,
        status=state,
        kind=Ticket.Kind.COMPLAINT,
        team=env.team,
        assignee=None,
        created_at=timezone.now() - timedelta(hours=1),
    )


def _callback(env: Env, state: str) -> Callback:
    ticket = _ticket(env, Ticket.Status.RESOLVED)
    now = timezone.now()
    return Callback.objects.create(
        ticket=ticket,
        estate_id=ticket.estate_id,
        round=0,
        is_mandatory=False,
        due_at=now,
        next_attempt_at=now,
        created_at=now,
        status=state,
    )


def _bill(env: Env, state: str) -> Bill:
    # A late-fee bill (so it can be waived), unpaid when open (so it can be voided).
    item, _ = ChargeItem.objects.get_or_create(
        estate=env.estate,
        code="late",
        defaults={"name": "late", "kind": ChargeItem.Kind.LATE_FEE, "basis": ChargeItem.Basis.ONE_OFF},
    )
    bill = make_bill(env.unit, "100.00", item=item, status=state)
    paid = {Bill.Status.PARTIALLY_PAID: Decimal("40.00"), Bill.Status.PAID: Decimal("100.00")}
    if state in paid:
        Bill.objects.filter(pk=bill.pk).update(amount_paid=paid[state])
        bill.refresh_from_db()
    return bill


def _payment(env: Env, state: str) -> Payment:
    # Taken today in cash (so it can be voided, and refunded).
    bill = make_bill(env.unit, "100.00")
    outcome = billing.record_payment(
        unit=env.unit,
        amount="100.00",
        method=PaymentMethod.CASH,
        actor=env.cashier,
        idempotency_key=new_key(),
        bill_ids=[bill.pk],
    )
    Payment.objects.filter(pk=outcome.payment.pk).update(status=state)
    return Payment.objects.get(pk=outcome.payment.pk)


def _payment_order(env: Env, state: str) -> PaymentOrder:
    # An order for a bill that was then paid at the desk, so all the order's money went to the
    # unit's prepaid balance when it posted: the whole of it, or a part, can be refunded.
    bill = make_bill(env.unit, "100.00")
    order = online.create_bills_order(user=env.cashier, bills=[bill], idempotency_key=new_key())
    if state == PaymentOrder.Status.CLOSED:
        PaymentOrder.objects.filter(pk=order.pk).update(status=state, closed_at=timezone.now())
    elif state != PaymentOrder.Status.PENDING:
        billing.record_payment(
            unit=env.unit,
            amount="100.00",
            method=PaymentMethod.CASH,
            actor=env.cashier,
            idempotency_key=new_key(),
            bill_ids=[bill.pk],
        )
        charge = SimulatorCharge.objects.get(order_no=order.order_no)
        SimulatorGateway().pay(charge)
        assert online.receive_notification(gateway_code=order.gateway, data=signed_notification(charge))
        refunded = {
            PaymentOrder.Status.PARTIALLY_REFUNDED: Decimal("10.00"),
            PaymentOrder.Status.REFUNDED: order.amount,
        }
        if state in refunded:
            PaymentOrder.objects.filter(pk=order.pk).update(status=state, refunded_amount=refunded[state])
    return PaymentOrder.objects.get(pk=order.pk)


def _violation(env: Env, state: str) -> Violation:
    # Of works in progress, with no stop order and no linked ticket (so closing it changes nothing
    # else).
    renovation = RenovationFactory(unit=env.unit, status=Renovation.Status.IN_PROGRESS)
    return ViolationFactory(renovation=renovation, status=state)


def _renovation(env: Env, state: str, **fields) -> Renovation:
    # Works from yesterday for a month (so they may start and a permit may be issued), the second
    # inspection due (so it may be done), no charges (so nothing is owed), agreement unsigned and
    # charges not waived (so both may be recorded).
    today = timezone.localdate()
    defaults = {
        "planned_start": today - timedelta(days=1),
        "planned_end": today + timedelta(days=30),
        "second_inspection_due": today - timedelta(days=1),
    }
    return RenovationFactory(unit=env.unit, status=state, **{**defaults, **fields})


def _visitor(env: Env, state: str) -> Visitor:
    # Arrived an hour ago, so that leaving now is after arriving.
    return Visitor.objects.create(
        estate=env.estate,
        unit=env.unit,
        name="王访客",
        status=state,
        arrived_at=timezone.now() - timedelta(hours=1),
    )


def _lost_item(env: Env, state: str) -> LostItem:
    # Its keep period over (so it may be disposed of by anyone who handles lost items).
    return LostItem.objects.create(
        estate=env.estate,
        description="黑色雨伞",
        found_place="大堂",
        storage_place="前台柜",
        status=state,
        keep_until=timezone.localdate() - timedelta(days=1),
    )


def _parcel(env: Env, state: str) -> Parcel:
    return Parcel.objects.create(
        estate=env.estate, unit=env.unit, carrier="顺丰", tracking_number="SF1234567890", status=state
    )


COLLECTOR_ID = "110101198001010037"


def _swap(env: Env, state: str) -> SwapRequest:
    # The actor asks to give a shift next week to the technician (who covers it): the actor may
    # then cancel it too, and approving it double-books nobody.
    day = timezone.localdate() + timedelta(days=7)
    shift_type = ShiftType.objects.get(estate=env.estate, code="morning")
    start, end = shift_type.span_on(day)
    entry = RosterEntry.objects.create(
        estate=env.estate,
        team=env.team,
        user=env.actor,
        day=day,
        shift_type=shift_type,
        starts_at=start,
        ends_at=end,
    )
    return SwapRequest.objects.create(
        estate=env.estate, requested_by=env.actor, entry=entry, counterpart=env.technician, status=state
    )


def _handover(env: Env, state: str) -> ShiftHandover:
    # Written by the technician for the actor's team (the actor, a supervisor of the incoming
    # shift, may acknowledge it).
    handover = attendance.write_handover(team=env.team, actor=env.technician, notes="水表间未锁")
    if state == ShiftHandover.Status.ACKNOWLEDGED:
        ShiftHandover.objects.filter(pk=handover.pk).update(
            status=state, acknowledged_by=env.cashier, acknowledged_at=timezone.now()
        )
        handover.refresh_from_db()
    return handover


def _attendance_record(env: Env, state: str) -> AttendanceRecord:
    # The actor's own unrostered clock-in an hour ago (so clocking out now is after it).
    record = attendance.clock_in(user=env.actor, estate=env.estate, now=timezone.now() - timedelta(hours=1))
    if state == AttendanceRecord.Status.CLOCKED_OUT:
        AttendanceRecord.objects.filter(pk=record.pk).update(status=state, clock_out_at=timezone.now())
        record.refresh_from_db()
    return record


def _key_custody(env: Env, state: str):
    # An owner without an ID number on file (returning to them needs no archive check), one named
    # collector whose ID the performer presents, and a storage tag of its own.
    from frontdesk.models import KeyCollector, KeyCustody
    from tests.factories import OccupancyFactory

    owner = OccupancyFactory(unit=env.unit).person
    custody = KeyCustody.objects.create(
        estate=env.estate,
        unit=env.unit,
        owner=owner,
        description="入户门",
        quantity=1,
        storage_tag=f"K-{KeyCustody.objects.count() + 1}-{state}",
        status=state,
        received_by=env.cashier,
    )
    collector = KeyCollector(custody=custody, name="张三", phone="13800138001")
    collector.set_id_number(COLLECTOR_ID)
    collector.save()
    return custody


def _invoice_request(env: Env, state: str):
    from frontdesk.models import InvoiceRequest

    return InvoiceRequest.objects.create(
        estate=env.estate,
        unit=env.unit,
        amount=Decimal("100.00"),
        title="王芳",
        status=state,
        requested_by=env.cashier,
    )


def _moveout(env: Env, state: str) -> MoveOut:
    # Tomorrow morning (so the window is not over), by a new occupant of a unit that owes nothing.
    return make_moveout(env.unit, status=state)


def _move_in(env: Env, state: str) -> MoveIn:
    # No checklist lines, no charges and no defects (so the documents may be finished, nothing is
    # owed before the inspection and the keys, and the re-inspection waits for no repair), charges
    # not waived (so they may be); the estate charges nothing at move-in (so finishing the
    # documents bills nothing); env.team is the estate's maintenance team, which rectifies.
    ChargeRule.objects.filter(estate=env.estate).update(is_active=False)
    return MoveInFactory(unit=env.unit, status=state)


def _household_request(env: Env, state: str):
    from residents.models import HouseholdRequest

    request = HouseholdRequest(
        estate=env.estate,
        unit=env.unit,
        name="李小明",
        role="household_member",
        move_in_date=timezone.localdate(),
        status=state,
        requested_by=env.cashier,
    )
    request.set_id_number(make_id_number(HouseholdRequest.objects.count() + 300, birth="20100101"))
    request.save()
    return request


def _notice(env: Env, state: str):
    # For the whole estate (which has buildings), showing for a week from today.
    from relations.models import Notice

    today = timezone.localdate()
    return Notice.objects.create(
        estate=env.estate,
        title="停水通知",
        body="明日停水",
        start_date=today,
        end_date=today + timedelta(days=7),
        status=state,
    )


def _repeat_repair(env: Env, state: str):
    # Two repairs at the unit a day apart; the actor (a supervisor of the estate) owns the action.
    from dashboards.models import RepeatRepair

    earlier = TicketFactory(unit=env.unit, created_at=timezone.now() - timedelta(days=1))
    later = TicketFactory(unit=env.unit, category=earlier.category)
    return RepeatRepair.objects.create(
        estate=env.estate,
        ticket=later,
        previous=earlier,
        category=later.category,
        unit=env.unit,
        gap=later.created_at - earlier.created_at,
        status=state,
    )


def _community_event(env: Env, state: str):
    # In ten days, sign-up open until the day before.
    from relations.models import CommunityEvent

    starts_at = timezone.now() + timedelta(days=10)
    return CommunityEvent.objects.create(
        estate=env.estate,
        title="中秋游园会",
        place="中心花园",
        starts_at=starts_at,
        ends_at=starts_at + timedelta(hours=2),
        capacity=10,
        signup_deadline=starts_at - timedelta(days=1),
        status=state,
    )


def _survey(env: Env, state: str):
    # A survey with one question (so it may be opened), in the state asked for.
    from relations.models import Survey
    from relations.services import surveys as survey_services

    today = timezone.localdate()
    survey = survey_services.create_survey(
        estate=env.estate,
        actor=None,
        title="满意度调查",
        opens_on=today,
        closes_on=today + timedelta(days=14),
        questions=[{"kind": "scale", "text": "总体满意度"}],
    )
    Survey.objects.filter(pk=survey.pk).update(status=state)
    survey.refresh_from_db()
    return survey


def _repeats():
    from dashboards import services_repeats

    return services_repeats


MAKERS = {
    "residents.HouseholdRequest": _household_request,
    "relations.Notice": _notice,
    "relations.CommunityEvent": _community_event,
    "relations.Survey": _survey,
    "dashboards.RepeatRepair": _repeat_repair,
    "staff.RectificationOrder": lambda env, state: make_order(
        team=env.team, inspector=env.actor, status=state
    ),
    "moveins.MoveIn": _move_in,
    "frontdesk.MoveOut": _moveout,
    "frontdesk.Visitor": _visitor,
    "staff.SwapRequest": _swap,
    "staff.ShiftHandover": _handover,
    "staff.AttendanceRecord": _attendance_record,
    "frontdesk.LostItem": _lost_item,
    "frontdesk.Parcel": _parcel,
    "frontdesk.KeyCustody": _key_custody,
    "frontdesk.InvoiceRequest": _invoice_request,
    "tickets.ticket": _ticket,
    "tickets.callback": _callback,
    "billing.bill": _bill,
    "billing.payment": _payment,
    "billing.paymentorder": _payment_order,
    "renovations.Renovation": _renovation,
    "renovations.Violation": _violation,
}
# Actions whose rules one object per state cannot all satisfy at once (send_to_engineering and
# send_to_manager share a state with opposite rules; issue_permit needs the agreement that
# record_agreement would otherwise record): their own maker.
ACTION_MAKERS = {
    ("renovations.Renovation", "send_to_engineering"): lambda env, state: _renovation(
        env, state, is_regular=False
    ),
    ("renovations.Renovation", "issue_permit"): lambda env, state: _renovation(
        env, state, agreement_signed_at=timezone.now()
    ),
}


def _make(label: str, name: str, env: Env, state: str):
    return ACTION_MAKERS.get((label, name), MAKERS[label])(env, state)


def _last_attempt(callback: Callback) -> Callback:
    max_attempts = policy_for(callback.estate_id).callback_max_attempts
    Callback.objects.filter(pk=callback.pk).update(attempt_count=max_attempts - 1)
    callback.refresh_from_db()
    return callback


def _cause() -> RootCause:
    return RootCause.objects.filter(is_active=True).first()


# --- the service behind each user action ---------------------------------------------------------


def _surveys():
    from relations.services import surveys

    return surveys


def _keys():
    from frontdesk.services import keys

    return keys


def _invoices():
    from frontdesk.services import invoices

    return invoices


def _household():
    from residents import services_household

    return services_household


PERFORMERS = {
    ("residents.HouseholdRequest", "approve"): lambda r, u, env: _household().approve_household_request(
        request=r, actor=u
    ),
    ("residents.HouseholdRequest", "reject"): lambda r, u, env: _household().reject_household_request(
        request=r, actor=u, reason="证件不符"
    ),
    ("staff.RectificationOrder", "rectify"): lambda o, u, env: staff_quality.report_rectified(
        order=o, actor=u
    ),
    ("staff.RectificationOrder", "verify"): lambda o, u, env: staff_quality.verify_rectification(
        order=o, actor=u
    ),
    ("staff.RectificationOrder", "send_back"): lambda o, u, env: staff_quality.send_back_rectification(
        order=o, actor=u, note="仍有积水"
    ),
    ("staff.SwapRequest", "approve"): lambda s, u, env: rosters.approve_swap(swap=s, actor=u),
    ("staff.SwapRequest", "reject"): lambda s, u, env: rosters.reject_swap(swap=s, actor=u, note="人手不足"),
    ("staff.SwapRequest", "cancel"): lambda s, u, env: rosters.cancel_swap(swap=s, actor=u),
    ("staff.ShiftHandover", "acknowledge"): lambda h, u, env: attendance.acknowledge_handover(
        handover=h, actor=u
    ),
    ("staff.AttendanceRecord", "clock_out"): lambda r, u, env: attendance.clock_out(user=u, record=r),
    **{
        ("moveins.MoveIn", name): perform
        for name, perform in {
            "start": lambda m, u, env: moveins.start_move_in(move_in=m, actor=u),
            "finish_documents": lambda m, u, env: moveins.finish_documents(move_in=m, actor=u),
            "waive_fees": lambda m, u, env: moveins.waive_move_in_fees(
                move_in=m, actor=u, reason="开发商承担"
            ),
            "confirm_fees": lambda m, u, env: moveins.confirm_fees(move_in=m, actor=u),
            "pass_inspection": lambda m, u, env: moveins.pass_inspection(move_in=m, actor=u),
            "record_defects": lambda m, u, env: moveins.record_defects(
                move_in=m,
                actor=u,
                defects=[
                    moveins.DefectInput(
                        location="主卧",
                        description="墙面空鼓",
                        deadline=timezone.localdate() + timedelta(days=7),
                        responsible="engineering",
                    )
                ],
            ),
            "reinspect": lambda m, u, env: moveins.request_reinspection(move_in=m, actor=u),
            "hand_over_keys": lambda m, u, env: moveins.hand_over_keys(
                move_in=m, actor=u, keys=[("入户门钥匙", 2)], signed_by="王建国"
            ),
            "cancel": lambda m, u, env: moveins.cancel_move_in(move_in=m, actor=u, reason="业主改期"),
        }.items()
    },
    ("relations.Notice", "publish"): lambda n, u, env: relations_notices.publish_notice(notice=n, actor=u),
    ("relations.Notice", "withdraw"): lambda n, u, env: relations_notices.withdraw_notice(notice=n, actor=u),
    ("relations.CommunityEvent", "publish"): lambda e, u, env: relations_events.publish_event(
        event=e, actor=u
    ),
    ("relations.CommunityEvent", "cancel"): lambda e, u, env: relations_events.cancel_event(event=e, actor=u),
    ("relations.Survey", "open"): lambda s, u, env: _surveys().open_survey(survey=s, actor=u),
    ("relations.Survey", "close"): lambda s, u, env: _surveys().close_survey(survey=s, actor=u),
    ("frontdesk.MoveOut", "approve"): lambda m, u, env: frontdesk.approve_moveout(moveout=m, actor=u),
    ("frontdesk.MoveOut", "complete"): lambda m, u, env: frontdesk.complete_moveout(moveout=m, actor=u),
    ("frontdesk.MoveOut", "cancel"): lambda m, u, env: frontdesk.cancel_moveout(
        moveout=m, actor=u, reason="业主改期"
    ),
    ("frontdesk.Visitor", "leave"): lambda v, u, env: frontdesk.record_visitor_departure(visitor=v, actor=u),
    ("frontdesk.LostItem", "claim"): lambda i, u, env: frontdesk.claim_lost_item(
        item=i, actor=u, claimant_name="李失主", claimant_phone="13800138000", id_number=make_id_number(7)
    ),
    ("frontdesk.LostItem", "dispose"): lambda i, u, env: frontdesk.dispose_lost_item(
        item=i, actor=u, note="超期无人认领，交派出所"
    ),
    ("frontdesk.Parcel", "pick_up"): lambda p, u, env: frontdesk.pick_up_parcel(
        parcel=p, actor=u, collected_by="张业主"
    ),
    ("frontdesk.Parcel", "return"): lambda p, u, env: frontdesk.return_parcel(parcel=p, actor=u, note="拒收"),
    ("frontdesk.KeyCustody", "hand_out"): lambda c, u, env: _keys().hand_out_keys(
        custody=c, actor=u, collector=c.collectors.first(), id_number=COLLECTOR_ID
    ),
    ("frontdesk.KeyCustody", "take_back"): lambda c, u, env: _keys().take_back_keys(
        custody=c, actor=u, person_name="张三"
    ),
    ("frontdesk.KeyCustody", "return_to_owner"): lambda c, u, env: _keys().return_keys_to_owner(
        custody=c, actor=u, note="业主取回"
    ),
    ("dashboards.RepeatRepair", "acknowledge"): lambda r, u, env: _repeats().acknowledge_repeat_repair(
        repeat=r, actor=u, note="已知悉"
    ),
    ("dashboards.RepeatRepair", "assign_action"): lambda r, u, env: _repeats().assign_repeat_repair_action(
        repeat=r,
        actor=u,
        root_cause=_cause(),
        action_description="更换整段老化水管",
        owner=env.actor,
        due_date=timezone.localdate() + timedelta(days=7),
    ),
    ("dashboards.RepeatRepair", "close"): lambda r, u, env: _repeats().close_repeat_repair(
        repeat=r, actor=u, outcome="水管已更换，一个月内未再漏水"
    ),
    ("dashboards.RepeatRepair", "dismiss"): lambda r, u, env: _repeats().dismiss_repeat_repair(
        repeat=r, actor=u, reason="不同的水龙头"
    ),
    ("frontdesk.InvoiceRequest", "issue"): lambda r, u, env: _invoices().issue_invoice(
        request=r, actor=u, invoice_number="No.00012345"
    ),
    ("frontdesk.InvoiceRequest", "reject"): lambda r, u, env: _invoices().reject_invoice_request(
        request=r, actor=u, reason="抬头有误"
    ),
    ("tickets.ticket", "take"): lambda t, u, env: tickets.take_ticket(ticket=t, actor=u),
    ("tickets.ticket", "start"): lambda t, u, env: tickets.start_ticket(ticket=t, actor=u),
    ("tickets.ticket", "resume"): lambda t, u, env: tickets.resume_ticket(ticket=t, actor=u),
    ("tickets.ticket", "hold"): lambda t, u, env: tickets.hold_ticket(ticket=t, actor=u, reason="等配件"),
    ("tickets.ticket", "resolve"): lambda t, u, env: tickets.resolve_ticket(
        ticket=t, actor=u, note="已更换阀门", root_cause=_cause()
    ),
    ("tickets.ticket", "assign"): lambda t, u, env: tickets.assign_ticket(
        ticket=t, actor=u, assignee=env.technician
    ),
    ("tickets.ticket", "close"): lambda t, u, env: tickets.close_ticket(
        ticket=t, actor=u, root_cause=_cause()
    ),
    ("tickets.ticket", "reopen"): lambda t, u, env: tickets.reopen_ticket(ticket=t, actor=u, reason="仍漏水"),
    ("tickets.ticket", "reply"): lambda t, u, env: tickets.reply_to_reporter(
        ticket=t, actor=u, channel="phone", note="已电话回复"
    ),
    ("tickets.ticket", "cancel"): lambda t, u, env: tickets.cancel_ticket(
        ticket=t, actor=u, reason="重复登记"
    ),
    ("tickets.ticket", "flag_major"): lambda t, u, env: tickets.flag_major_complaint(ticket=t, actor=u),
    ("tickets.callback", "retry"): lambda c, u, env: tickets.record_callback(
        callback=c, actor=u, reached=False
    ),
    ("tickets.callback", "give_up"): lambda c, u, env: tickets.record_callback(
        callback=_last_attempt(c), actor=u, reached=False
    ),
    ("tickets.callback", "complete"): lambda c, u, env: tickets.record_callback(
        callback=c, actor=u, reached=True, satisfaction=5, solved=True
    ),
    ("billing.bill", "void"): lambda b, u, env: billing.void_bill(bill=b, actor=u, reason="开错了"),
    ("billing.bill", "reissue"): lambda b, u, env: billing.reissue_bill(
        bill=b, amount="90.00", actor=u, reason="金额有误"
    ),
    ("billing.bill", "write_off"): lambda b, u, env: billing.write_off_bill(bill=b, actor=u, reason="坏账"),
    ("billing.bill", "waive_late_fee"): lambda b, u, env: billing.waive_late_fee(
        bill=b, actor=u, reason="首次"
    ),
    ("billing.payment", "void"): lambda p, u, env: billing.void_payment(payment=p, actor=u, reason="收错了"),
    ("billing.payment", "refund"): lambda p, u, env: billing.refund_payment(
        payment=p, actor=u, reason="退款"
    ),
    ("billing.paymentorder", "refund"): lambda o, u, env: online.refund_order(
        order=o, amount=o.refundable or o.amount, reason="退款", actor=u
    ),
    ("billing.paymentorder", "refund_part"): lambda o, u, env: online.refund_order(
        order=o, amount="10.00", reason="部分退款", actor=u
    ),
    ("renovations.Violation", "order_rectification"): lambda v, u, env: renovations.order_rectification(
        violation=v, actor=u, rectify_by=timezone.localdate() + timedelta(days=3)
    ),
    ("renovations.Violation", "confirm_rectified"): lambda v, u, env: renovations.confirm_rectified(
        violation=v, actor=u, note="已整改"
    ),
    ("renovations.Violation", "escalate"): lambda v, u, env: renovations.escalate_violation(
        violation=v, actor=u, enforcement_reference="城管执〔2026〕1号"
    ),
    ("renovations.Violation", "dismiss"): lambda v, u, env: renovations.dismiss_violation(
        violation=v, actor=u, note="现场核查无违章"
    ),
    **{
        ("renovations.Renovation", name): perform
        for name, perform in {
            "send_to_engineering": lambda r, u, env: renovations.send_for_review(renovation=r, actor=u),
            "send_to_manager": lambda r, u, env: renovations.send_for_review(renovation=r, actor=u),
            "engineering_approve": lambda r, u, env: renovations.engineering_approve(renovation=r, actor=u),
            "engineering_request_changes": lambda r, u, env: renovations.engineering_request_changes(
                renovation=r, actor=u, reason="补充水电图纸"
            ),
            "engineering_reject": lambda r, u, env: renovations.engineering_reject(
                renovation=r, actor=u, reason="拆除承重墙"
            ),
            "approve": lambda r, u, env: renovations.approve_renovation(renovation=r, actor=u),
            "request_changes": lambda r, u, env: renovations.request_renovation_changes(
                renovation=r, actor=u, reason="施工期过长"
            ),
            "reject": lambda r, u, env: renovations.reject_renovation(
                renovation=r, actor=u, reason="资质不符"
            ),
            "resubmit": lambda r, u, env: renovations.resubmit_renovation(renovation=r, actor=u),
            "withdraw": lambda r, u, env: renovations.withdraw_renovation(
                renovation=r, actor=u, reason="业主撤回"
            ),
            "record_agreement": lambda r, u, env: renovations.record_agreement(
                renovation=r, actor=u, scanned_copy=pdf()
            ),
            "waive_charges": lambda r, u, env: renovations.waive_renovation_charges(
                renovation=r, actor=u, reason="困难业主"
            ),
            "issue_permit": lambda r, u, env: renovations.issue_permit(renovation=r, actor=u),
            "start_works": lambda r, u, env: renovations.start_works(renovation=r, actor=u),
            "request_completion": lambda r, u, env: renovations.request_completion(renovation=r, actor=u),
            "accept": lambda r, u, env: renovations.pass_acceptance(renovation=r, actor=u),
            "fail_acceptance": lambda r, u, env: renovations.fail_acceptance(
                renovation=r, actor=u, findings="卫生间闭水试验渗漏"
            ),
            "pass_second_inspection": lambda r, u, env: renovations.pass_second_inspection(
                renovation=r, actor=u
            ),
            "fail_second_inspection": lambda r, u, env: renovations.fail_second_inspection(
                renovation=r, actor=u, findings="外墙渗水"
            ),
            "approve_refund": lambda r, u, env: renovations.approve_refund(
                renovation=r, actor=u, method="cash", idempotency_key=new_key()
            ),
            "close": lambda r, u, env: renovations.close_renovation(renovation=r, actor=u),
        }.items()
    },
}


# System steps that set more than the state where a constraint ties the fields to it (a paid
# order is a posted one): what they set besides.
SYSTEM_FIELDS = {
    ("billing.paymentorder", "mark_paid"): lambda obj: {"posted_at": timezone.now()},
}


def _workflows() -> dict[str, Workflow]:
    return declared_workflows()


def _cases(system: bool) -> list:
    return [
        pytest.param(label, action.name, state, id=f"{label}:{action.name}:{state}")
        for label, workflow in sorted(_workflows().items())
        for action in workflow.actions
        if action.is_system == system
        for state in workflow.state_labels
    ]


@pytest.fixture(scope="module")
def _env_rows(module_people) -> Env:
    """The estate, team and people of every case, built once for the module's 1,300 cases."""
    estate = module_people.estate_a
    team = TeamFactory(estate=estate, kind=Team.Kind.MAINTENANCE, name="维修组")
    return Env(
        estate=estate,
        unit=module_people.unit_a,
        team=team,
        actor=make_staff("supervisor", estate, username="wf-actor", team=team),
        technician=make_staff("technician", estate, username="wf-technician", team=team),
        cashier=module_people.users["manager"],
    )


@pytest.fixture
def env(_env_rows, db) -> Env:
    # The people afresh for each case: a permission cached on an instance never outlives its case.
    people = get_user_model().objects.in_bulk(
        [_env_rows.actor.pk, _env_rows.technician.pk, _env_rows.cashier.pk]
    )
    return replace(
        _env_rows,
        actor=people[_env_rows.actor.pk],
        technician=people[_env_rows.technician.pk],
        cashier=people[_env_rows.cashier.pk],
    )


def _snapshot(workflow: Workflow, obj) -> tuple:
    obj.refresh_from_db()
    return workflow.state_of(obj), workflow.events_of(obj).count()


def test_every_user_action_has_a_performer_and_every_model_a_maker():
    workflows = _workflows()
    assert {"tickets.ticket", "tickets.callback", "billing.bill", "billing.payment"} <= set(workflows)
    assert set(MAKERS) == set(workflows)
    declared = {(label, a.name) for label, w in workflows.items() for a in w.user_actions()}
    assert set(PERFORMERS) == declared
    for label, workflow in workflows.items():
        for action in workflow.actions:
            assert action.sources <= set(workflow.state_labels), (label, action.name)
            assert action.target is None or action.target in workflow.state_labels
            if action.service:
                assert callable(action.performer()), (label, action.name)


@pytest.mark.parametrize(("label", "name", "state"), _cases(system=False))
def test_user_action_with_the_permission(label, name, state, env, monkeypatch):
    workflow = _workflows()[label]
    action = workflow.action(name)
    obj = _make(label, name, env, state)
    monkeypatch.setattr(env.actor, "has_perm", lambda perm, obj=None: True, raising=False)
    offered = name in {a.name for a in workflow.available(obj, env.actor)}
    _, events_before = _snapshot(workflow, obj)
    if state in action.sources:
        assert offered
        PERFORMERS[label, name](obj, env.actor, env)
        after, events_after = _snapshot(workflow, obj)
        assert after == (action.target or state)
        assert events_after == events_before + 1
    else:
        assert not offered
        with pytest.raises(DomainError):
            PERFORMERS[label, name](obj, env.actor, env)
        assert _snapshot(workflow, obj) == (state, events_before)


@pytest.mark.parametrize(("label", "name", "state"), _cases(system=False))
def test_user_action_without_the_permission(label, name, state, env, monkeypatch):
    workflow = _workflows()[label]
    action = workflow.action(name)
    obj = _make(label, name, env, state)
    monkeypatch.setattr(
        env.actor, "has_perm", lambda perm, obj=None: perm != action.permission, raising=False
    )
    assert name not in {a.name for a in workflow.available(obj, env.actor)}
    assert not workflow.may(obj, name, env.actor)
    before = _snapshot(workflow, obj)
    with pytest.raises(PermissionDenied):
        PERFORMERS[label, name](obj, env.actor, env)
    assert _snapshot(workflow, obj) == before


@pytest.mark.parametrize(("label", "name", "state"), _cases(system=True))
def test_system_step(label, name, state, env):
    workflow = _workflows()[label]
    action = workflow.action(name)
    obj = MAKERS[label](env, state)
    if label == "billing.bill" and name.startswith("mark_"):
        # A status recomputed from payments: the bill's amounts are not what this test is about.
        Bill.objects.filter(pk=obj.pk).update(amount_paid=0)
        obj.refresh_from_db()
    assert name not in {a.name for a in workflow.available(obj, env.actor)}
    assert not workflow.may(obj, name, env.actor)
    _, events_before = _snapshot(workflow, obj)
    if state in action.sources:
        workflow.check(obj, name, SYSTEM)
        fields = SYSTEM_FIELDS.get((label, name), lambda obj: {})(obj)
        workflow.transition(obj, name, actor=None, note="", now=timezone.now(), fields=fields)
        assert _snapshot(workflow, obj) == (action.target, events_before + 1)
    else:
        with pytest.raises(DomainError):
            workflow.check(obj, name, SYSTEM)
        assert _snapshot(workflow, obj) == (state, events_before)


# --- the pages, the API and the authorization matrix read the same declaration -----------------


def test_ticket_page_api_and_authz_offer_the_declared_actions():
    from billing.api.views import BillViewSet, PaymentViewSet
    from billing.workflows import BILL, PAYMENT
    from servicecenter import authz
    from tickets.api.views import TicketViewSet
    from tickets.permissions import ACTION_PERMISSIONS
    from tickets.views import ACTIONS
    from tickets.workflows import TICKET

    declared = {a.name for a in TICKET.user_actions()}
    assert set(ACTIONS) == declared
    assert set(authz.DESK_TICKET_ACTIONS) == declared
    assert {a.name: a.permission for a in TICKET.user_actions()} == ACTION_PERMISSIONS
    # Every declared action but taking (self-dispatch on the desk) has its API endpoint.
    assert {name for name in declared if hasattr(TicketViewSet, name)} == declared - {"take"}
    for name, permissions in BillViewSet.action_permissions.items():
        assert permissions == [BILL.action(name).permission]
    assert PaymentViewSet.action_permissions == {a.name: [a.permission] for a in PAYMENT.user_actions()}


@pytest.mark.parametrize("how", ["reopen", "close"])
def test_a_pending_callback_cancelled_by_hand_goes_through_its_workflow(how, env):
    callback = _callback(env, Callback.Status.PENDING)
    ticket = callback.ticket
    if how == "reopen":
        tickets.reopen_ticket(ticket=ticket, actor=env.actor, reason="仍漏水")
    else:
        tickets.close_ticket(ticket=ticket, actor=env.actor, root_cause=_cause())
    callback.refresh_from_db()
    assert callback.status == Callback.Status.CANCELLED
    event = ticket.events.get(kind="callback")
    assert (event.actor, event.is_public) == (env.actor, False)
    assert "cancelled" in event.note


def test_a_technician_may_not_work_another_technicians_ticket_even_through_the_service(env, users):
    ticket = _ticket(env, Ticket.Status.ASSIGNED)
    Ticket.objects.filter(pk=ticket.pk).update(assignee=env.technician)
    other = make_staff("technician", env.estate, username="wf-other", team=env.team)
    with pytest.raises(PermissionDenied):
        tickets.start_ticket(ticket=ticket, actor=other)
    ticket.refresh_from_db()
    assert ticket.status == Ticket.Status.ASSIGNED
    tickets.start_ticket(ticket=ticket, actor=env.technician)
    ticket.refresh_from_db()
    assert ticket.status == Ticket.Status.IN_PROGRESS


def test_payment_page_offers_void_only_on_the_day_it_was_taken(env, client):
    from django.urls import reverse

    payment = _payment(env, Payment.Status.POSTED)
    client.force_login(make_staff("manager", env.estate, username="wf-manager"))
    detail = reverse("billing:payment_detail", args=[payment.pk])
    void = reverse("billing:payment_void", args=[payment.pk])
    refund = reverse("billing:payment_refund", args=[payment.pk])
    page = client.get(detail).content.decode()
    assert void in page and refund in page
    Payment.objects.filter(pk=payment.pk).update(received_at=timezone.now() - timedelta(days=2))
    page = client.get(detail).content.decode()
    assert void not in page and refund in page
