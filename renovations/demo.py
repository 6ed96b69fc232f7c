"""Demo renovations for the first demo estate: one application in every state of the workflow,
with workers and their passes, the deposit and fees paid at the cashier (or waived), patrols
(recorded, due today, missed) and violations (open, rectifying, rectified, escalated).

Everything goes through `renovations.services` and billing's services with idempotency keys, at
dates relative to today, as the desk would have done it. Idempotent: an estate that already has
renovations is left as it is.
"""

from __future__ import annotations

import random
from datetime import date, datetime, time, timedelta

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.utils import timezone

from billing import services as billing
from renovations import services
from renovations.defaults import ensure_renovation_defaults
from renovations.models import Patrol, Renovation, ScopeItem, Violation
from residents.models import Estate, Occupancy, Unit
from servicecenter.validators import id_number_checksum

Status = Renovation.Status
# The smallest PDF the upload check accepts (its type is judged by its bytes): the scanned
# agreement of the demo.
_PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"

CONTRACTORS = [
    ("深圳市安居装饰工程有限公司", "91440300MA5F1A2B3C", "李工", "13912345678"),
    ("深圳市美家居装饰设计有限公司", "91440300MA5G7H8J9K", "张经理", "13823456789"),
    ("深圳市匠心建筑装饰工程有限公司", "91440300MA5D4E5F6G", "王师傅", "13734567890"),
]
TRADES = ["水电工", "瓦工", "木工", "油漆工", "杂工"]
WORKER_NAMES = [
    "刘建国",
    "陈志强",
    "杨海波",
    "黄德明",
    "周永刚",
    "吴金山",
    "郑国平",
    "孙立新",
    "马文军",
    "朱红兵",
    "胡海龙",
    "郭世杰",
]

# The target state, whether the scope is regular, and the day (before today) of registration.
PLAN = [
    (Status.SUBMITTED, True, 1),
    (Status.ENGINEERING_REVIEW, False, 2),
    (Status.MANAGER_REVIEW, True, 3),
    (Status.CHANGES_REQUESTED, False, 6),
    (Status.REJECTED, False, 12),
    (Status.WITHDRAWN, True, 15),
    (Status.APPROVED, False, 5),
    (Status.PERMITTED, True, 6),
    (Status.IN_PROGRESS, False, 30),
    (Status.IN_PROGRESS, True, 25),
    (Status.STOPPED, False, 40),
    (Status.COMPLETION_REQUESTED, True, 70),
    (Status.ACCEPTED, False, 100),
    (Status.SECOND_INSPECTION, True, 210),
    (Status.REFUNDED, False, 230),
    (Status.CLOSED, False, 300),
]


def seed_demo_data(*, estates: list[Estate], users: dict, rng: random.Random, stdout) -> None:
    for estate in estates:
        ensure_renovation_defaults(estate)
    estate = estates[0]
    if Renovation.objects.filter(estate=estate).exists():
        stdout.write(f"renovations: {estate.code} already has renovations; left as it is")
        return
    with transaction.atomic():
        made = _Seeder(estate=estate, users=users, rng=rng).run()
    stdout.write(f"renovations: {estate.code}: {made} renovations in every state, patrols and violations")


def _key(*parts) -> str:
    return "demo:renovation:" + ":".join(str(part) for part in parts)


class _Seeder:
    def __init__(self, *, estate: Estate, users: dict, rng: random.Random):
        self.estate = estate
        self.users = users
        self.rng = rng
        self.today = timezone.localdate()
        self.items = {item.name: item for item in ScopeItem.objects.filter(estate=estate, is_active=True)}
        self.worker_serial = 0
        self.targets: dict[int, str] = {}

    # --- time and people ------------------------------------------------------------------------

    def at(self, days_ago: int, hour: int = 10) -> datetime:
        return timezone.make_aware(datetime.combine(self.today - timedelta(days=days_ago), time(hour, 0)))

    def day(self, offset: int) -> date:
        return self.today + timedelta(days=offset)

    def _units(self, count: int) -> list[tuple[Unit, object]]:
        """Owned units (owners since more than a year, so the older applications were theirs too),
        one per application; the demo residents' first unit first, so the portal shows one."""
        resident_unit = (
            Occupancy.objects.current()
            .filter(person__user__username="resident", unit__estate=self.estate)
            .values_list("unit_id", flat=True)
            .first()
        )
        owned = list(
            Occupancy.objects.current()
            .filter(
                unit__estate=self.estate,
                role=Occupancy.Role.OWNER,
                start_date__lte=self.today - timedelta(days=400),
            )
            .exclude(unit__state=Unit.State.RENOVATING)
            .select_related("unit", "person")
            .order_by("unit__code")
        )
        first = [o for o in owned if o.unit_id == resident_unit]
        others = [o for o in owned if o.unit_id != resident_unit]
        self.rng.shuffle(others)
        chosen = (first + others)[:count]
        return [(occupancy.unit, occupancy.person) for occupancy in chosen]

    def _workers(self, count: int) -> list[dict]:
        workers = []
        for _ in range(count):
            self.worker_serial += 1
            serial = self.worker_serial
            first17 = f"4403051985{(serial % 12) + 1:02d}{(serial % 27) + 1:02d}{serial:03d}"
            workers.append(
                {
                    "name": WORKER_NAMES[(serial - 1) % len(WORKER_NAMES)],
                    "mobile": f"1361234{serial:04d}",
                    "id_number": first17 + id_number_checksum(first17),
                    "trade": TRADES[serial % len(TRADES)],
                }
            )
        return workers

    def _scope(self, regular: bool) -> list[ScopeItem]:
        names = ["墙面粉刷/涂料", "地面铺贴", "木作/家具安装"]
        if not regular:
            names += [self.rng.choice(["水电改造", "拆改非承重墙", "卫生间/厨房防水", "门窗更换/封阳台"])]
        return [self.items[name] for name in names if name in self.items]

    # --- the lifecycle ----------------------------------------------------------------------------

    def run(self) -> int:
        pairs = self._units(len(PLAN))
        made = []
        for index, ((target, regular, days_ago), (unit, owner)) in enumerate(zip(PLAN, pairs, strict=False)):
            renovation = self._renovation(index, target, regular, days_ago, unit, owner)
            self.targets[renovation.pk] = target
            made.append(renovation)
        self._patrols_and_violations([r for r in made if r.status in Renovation.ACTIVE])
        return len(made)

    def _renovation(self, index, target, regular, days_ago, unit, owner) -> Renovation:
        u = self.users
        registered = self.at(days_ago, 9)
        # Works start a week after registration and last two to four months.
        start = (registered + timedelta(days=7)).date()
        if target == Status.PERMITTED:
            start = self.day(3)
        company, licence, contact, phone = CONTRACTORS[index % len(CONTRACTORS)]
        renovation = services.register_renovation(
            unit=unit,
            owner=owner,
            actor=u["frontdesk"],
            contractor_company=company,
            contractor_licence=licence,
            contractor_contact=contact,
            contractor_phone=phone,
            planned_start=start,
            planned_end=start + timedelta(days=self.rng.choice([60, 90, 120])),
            scope_items=self._scope(regular),
            workers=self._workers(self.rng.choice([1, 2, 3])),
            description="厨卫翻新，墙地面重新铺贴" if regular else "水电改造，卫生间重做防水",
            idempotency_key=_key(self.estate.code, index),
            now=registered,
        )
        if target == Status.SUBMITTED:
            return renovation
        if target == Status.WITHDRAWN:
            return services.withdraw_renovation(
                renovation=renovation,
                actor=u["frontdesk"],
                reason="业主决定暂缓装修",
                now=self.at(days_ago - 2),
            )
        renovation = services.send_for_review(renovation=renovation, actor=u["frontdesk"], now=registered)
        if target in (Status.ENGINEERING_REVIEW, Status.MANAGER_REVIEW):
            return renovation
        review = self.at(days_ago - 1, 15)
        if target == Status.CHANGES_REQUESTED:
            return services.engineering_request_changes(
                renovation=renovation, actor=u["engineer"], reason="请补充水电改造管线图", now=review
            )
        if not renovation.is_regular:
            renovation = services.engineering_approve(
                renovation=renovation, actor=u["engineer"], note="图纸符合要求", now=review
            )
        decided = self.at(days_ago - 2, 11)
        if target == Status.REJECTED:
            return services.reject_renovation(
                renovation=renovation, actor=u["manager"], reason="拆改范围涉及承重墙，不予批准", now=decided
            )
        renovation = services.approve_renovation(renovation=renovation, actor=u["manager"], now=decided)
        if target == Status.APPROVED:
            return renovation
        paid = self.at(days_ago - 3, 10)
        if target == Status.PERMITTED:
            services.waive_renovation_charges(
                renovation=renovation, actor=u["manager"], reason="公司员工宿舍改造，费用减免", now=paid
            )
        else:
            self._pay(renovation, paid)
        services.record_agreement(
            renovation=renovation,
            actor=u["clerk"],
            scanned_copy=SimpleUploadedFile("住宅装修管理协议.pdf", _PDF, content_type="application/pdf"),
            now=paid,
        )
        renovation = services.issue_permit(
            renovation=renovation, actor=u["clerk"], now=self.at(days_ago - 4, 16)
        )
        if target == Status.PERMITTED:
            return renovation
        started = timezone.make_aware(datetime.combine(renovation.planned_start, time(8, 30)))
        renovation = services.start_works(renovation=renovation, actor=u["clerk"], now=started)
        if target in (Status.IN_PROGRESS, Status.STOPPED):
            return renovation  # stopped by a patrol's violation below
        return self._complete(renovation, target, started)

    def _pay(self, renovation: Renovation, when: datetime) -> None:
        clerk = self.users["clerk"]
        services.take_renovation_deposit(
            renovation=renovation,
            actor=clerk,
            method="wechat",
            idempotency_key=_key("deposit", renovation.pk),
            now=when,
        )
        bills = [charge.bill for charge in renovation.charges.exclude(bill=None).select_related("bill")]
        if bills:
            billing.record_payment(
                unit=renovation.unit,
                amount=sum(bill.amount for bill in bills),
                method="wechat",
                actor=clerk,
                idempotency_key=_key("fees", renovation.pk),
                bill_ids=[bill.pk for bill in bills],
                now=when,
            )

    def _complete(self, renovation: Renovation, target, started: datetime) -> Renovation:
        u = self.users
        if target == Status.CLOSED:
            # A violation during the works, put right; its deduction is taken off the deposit.
            found = started + timedelta(days=10)
            violation = services.record_violation(
                unit=renovation.unit,
                actor=u["housekeeper"],
                kind=Violation.Kind.RUBBISH,
                source=Violation.Source.STAFF,
                description="装修垃圾堆放在楼道",
                renovation=renovation,
                proposed_deduction="200.00",
                now=found,
            )
            services.confirm_rectified(
                violation=violation, actor=u["housekeeper"], note="已清运", now=found + timedelta(hours=3)
            )
        done = started + timedelta(days=50)
        renovation = services.request_completion(
            renovation=renovation, actor=u["frontdesk"], note="业主报竣工", now=done
        )
        if target == Status.COMPLETION_REQUESTED:
            return renovation
        accepted_at = done + timedelta(days=2)
        services.pass_acceptance(
            renovation=renovation, actor=u["engineer"], findings="验收合格", now=accepted_at
        )
        renovation.refresh_from_db()
        if target == Status.ACCEPTED:
            return renovation
        second_at = timezone.make_aware(datetime.combine(renovation.second_inspection_due, time(10, 0)))
        services.pass_second_inspection(
            renovation=renovation, actor=u["engineer"], findings="无渗漏，无后续问题", now=second_at
        )
        renovation.refresh_from_db()
        if target == Status.SECOND_INSPECTION:
            return renovation
        if target == Status.CLOSED:
            services.propose_deduction(
                renovation=renovation,
                actor=u["manager"],
                amount="200.00",
                reason="楼道堆放装修垃圾",
                violation=renovation.violations.get(),
                now=second_at,
            )
        refund_at = second_at + timedelta(days=3)
        renovation = services.approve_refund(
            renovation=renovation,
            actor=u["manager"],
            method="bank_transfer",
            idempotency_key=_key("refund", renovation.pk),
            now=refund_at,
        )
        if target == Status.REFUNDED:
            return renovation
        return services.close_renovation(renovation=renovation, actor=u["frontdesk"], now=refund_at)

    # --- during the works ---------------------------------------------------------------------

    def _patrols_and_violations(self, active: list[Renovation]) -> None:
        """A week of patrols: most recorded OK, a few missed, today's due; violations found on
        patrols, one in each state."""
        u = self.users
        for days_ago in range(7, 0, -1):
            services.generate_daily_patrols(now=self.at(days_ago, 7))
            patrols = Patrol.objects.filter(estate=self.estate, date=self.day(-days_ago)).select_related(
                "renovation"
            )
            for patrol in patrols.order_by("renovation_id"):
                if self.rng.random() < 0.15:
                    continue  # not patrolled that day: missed
                services.record_patrol(
                    patrol=patrol,
                    actor=patrol.assignee or u["housekeeper"],
                    result=Patrol.Result.OK,
                    findings="现场施工正常，垃圾已袋装",
                    now=self.at(days_ago, 10),
                )
        services.mark_missed_patrols(now=self.at(0, 7))
        services.generate_daily_patrols(now=self.at(0, 7))

        in_progress = [r for r in active if r.status == Status.IN_PROGRESS]
        to_stop = [r for r in in_progress if self.targets[r.pk] == Status.STOPPED]
        for renovation in to_stop:
            self._violation_on_today_patrol(renovation, stop=True)
        others = [r for r in in_progress if r not in to_stop]
        # rectifying: ordered to put right by a deadline
        if others:
            violation = self._violation_on_today_patrol(others[0], stop=False)
            services.order_rectification(
                violation=violation, actor=u["housekeeper"], rectify_by=self.day(3), now=self.at(0, 11)
            )
        # rectified and escalated: found by other staff earlier this week
        if len(others) > 1:
            target = others[1]
            rectified = services.record_violation(
                unit=target.unit,
                actor=u["housekeeper"],
                kind=Violation.Kind.OUT_OF_HOURS,
                source=Violation.Source.RESIDENT_REPORT,
                description="午休时间电钻施工，楼下业主投诉",
                renovation=target,
                now=self.at(5, 13),
            )
            services.confirm_rectified(
                violation=rectified, actor=u["housekeeper"], note="已告知施工时间", now=self.at(5, 14)
            )
            escalated = services.record_violation(
                unit=target.unit,
                actor=u["supervisor"],
                kind=Violation.Kind.STRUCTURAL,
                source=Violation.Source.STAFF,
                description="擅自在承重墙开洞",
                renovation=target,
                now=self.at(4, 10),
            )
            services.escalate_violation(
                violation=escalated,
                actor=u["supervisor"],
                enforcement_reference="南城执〔2026〕118号",
                note="已函告城管执法部门",
                now=self.at(3, 10),
            )

    def _violation_on_today_patrol(self, renovation: Renovation, *, stop: bool) -> Violation:
        patrol = Patrol.objects.get(renovation=renovation, date=self.today)
        services.record_patrol(
            patrol=patrol,
            actor=patrol.assignee or self.users["housekeeper"],
            result=Patrol.Result.VIOLATION,
            findings="未经审批拆改墙体" if stop else "装修垃圾堆放在楼道",
            violation={
                "kind": Violation.Kind.OUT_OF_SCOPE if stop else Violation.Kind.RUBBISH,
                "stop_order": stop,
                "rectify_by": self.day(3),
                "proposed_deduction": "500.00" if stop else "0",
            },
            now=self.at(0, 10),
        )
        return Violation.objects.filter(patrol=patrol).get()
