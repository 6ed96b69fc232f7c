"""Demo attendance (考勤) and a shift handover (交接班) for the demo estates.

Runs after the roster demo (`staff.demo_rosters`, listed before this module in
MORE_DEMO_MODULES): every working shift of the last month that has ended gets a clock-in and a
clock-out through `staff.services_attendance`, mostly on time, a few late, a few leaving early and
a few missed (absent). One handover of the customer-service team is written and acknowledged,
another left waiting. Idempotent: an estate that already has attendance is left as it is."""

from __future__ import annotations

import random
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from residents.models import Estate
from staff import selectors_attendance, services_attendance
from staff.models import AttendanceRecord, RosterEntry, ShiftHandover, StaffProfile, Team

DAYS = 31


def seed_demo_data(*, estates: list[Estate], users: dict, rng: random.Random, stdout) -> None:
    now = timezone.now()
    for estate in estates:
        # Each part is guarded by its own rows: just after midnight on the 1st the month's roster has
        # no finished shift yet, so attendance alone is no proof that the seed already ran.
        if (
            AttendanceRecord.objects.filter(estate=estate).exists()
            or ShiftHandover.objects.filter(estate=estate).exists()
        ):
            stdout.write(f"staff attendance: {estate.code} already has attendance; left as it is")
            continue
        with transaction.atomic():
            records = _attendance(estate, rng, now)
            handovers = _handovers(estate, now)
        stdout.write(f"staff attendance: {estate.code}: {records} clock-ins, {handovers} handovers")


def _attendance(estate: Estate, rng: random.Random, now) -> int:
    entries = (
        RosterEntry.objects.filter(
            estate=estate,
            is_day_off=False,
            is_on_call=False,
            ends_at__lte=now,
            starts_at__gte=now - timedelta(days=DAYS),
        )
        .select_related("user")
        .order_by("starts_at", "pk")
    )
    made = 0
    for entry in entries:
        roll = rng.random()
        if roll < 0.04:
            continue  # absent: derived, nothing to record
        late = (
            timedelta(minutes=rng.randint(8, 40)) if roll < 0.12 else -timedelta(minutes=rng.randint(0, 15))
        )
        early = (
            timedelta(minutes=rng.randint(10, 60))
            if 0.12 <= roll < 0.17
            else -timedelta(minutes=rng.randint(0, 20))
        )
        if selectors_attendance.open_record_of(entry.user) is not None:
            continue  # overlapping demo shifts: keep the first
        services_attendance.clock_in(user=entry.user, now=entry.starts_at + late)
        services_attendance.clock_out(user=entry.user, now=entry.ends_at - early)
        made += 1
    return made


def _handovers(estate: Estate, now) -> int:
    team = Team.objects.filter(estate=estate, kind=Team.Kind.CUSTOMER_SERVICE).first()
    if team is None:
        return 0
    members = [
        profile.user
        for profile in StaffProfile.objects.filter(team=team, user__is_active=True).select_related("user")[:2]
    ]
    if not members:
        return 0
    writer = members[0]
    open_tickets = [
        pk for pk, _number, _summary in selectors_attendance.handover_ticket_choices(team=team)[:2]
    ]
    done = services_attendance.write_handover(
        team=team,
        actor=writer,
        ticket_ids=open_tickets,
        keys="3栋1101 入户门钥匙（业主委托保管）",
        incidents="2号电梯 20:10 困人，维保 20:35 解救，无人受伤",
        notes="明早 9:00 前回访 5 栋漏水业主",
        now=now - timedelta(hours=15),
    )
    made = 1
    if len(members) > 1:
        services_attendance.acknowledge_handover(
            handover=done, actor=members[1], now=now - timedelta(hours=14, minutes=50)
        )
    services_attendance.write_handover(
        team=team, actor=writer, notes="前台打印机缺纸，已报行政", now=now - timedelta(hours=1)
    )
    return made + 1
