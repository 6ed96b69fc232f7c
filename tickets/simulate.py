"""Consistent ticket histories for the demo and the benchmark, generated in memory and inserted in
bulk. Each history walks the real lifecycle (`services.ALLOWED`) with the real SLA arithmetic, so
events, deadlines, callbacks and states agree with each other, and nothing happens after `now`.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.utils import timezone

from tickets import sla
from tickets.models import Callback, Ticket, TicketEvent
from tickets.services import ALLOWED

TicketStatus = Ticket.Status
K = TicketEvent.Kind

DESCRIPTIONS = {
    "plumbing": ["厨房下水道堵塞", "卫生间马桶漏水", "洗手盆水龙头关不紧", "热水器进水阀滴水"],
    "electrical": ["客厅插座没电", "走廊灯不亮", "空开频繁跳闸", "楼道声控灯失灵"],
    "water_leak": ["楼上渗水到天花板", "阳台地漏反水", "外墙渗水", "水管爆裂漏水"],
    "safety_facility": ["消防栓玻璃破损", "灭火器过期", "应急灯不亮", "烟感报警器误报"],
    "elevator": ["电梯异响", "电梯按钮失灵", "电梯困人", "电梯门关不上"],
    "doors_locks": ["单元门禁刷卡无反应", "入户门锁芯卡住", "防火门闭门器损坏"],
    "public_cleaning": ["楼道有垃圾未清理", "地下车库有积水", "垃圾桶满溢", "电梯轿厢有污渍"],
    "security": ["陌生人尾随进入单元", "车库道闸无法抬杆", "监控摄像头损坏"],
    "landscaping": ["草坪需要修剪", "树枝遮挡窗户", "绿化带浇水管破裂"],
    "noise": ["楼上深夜噪音", "周末早上装修噪音", "广场舞音乐太大声"],
    "parking": ["车位被他人占用", "访客车辆乱停", "车库照明不足"],
    "neighbour_dispute": ["邻居在楼道堆放杂物", "邻居宠物扰民", "邻居空调滴水到阳台"],
    "fees": ["物业费账单有疑问", "申请开具发票", "水电费金额异常"],
    "renovation": ["咨询装修审批流程", "装修垃圾清运", "装修押金退还进度"],
    "other": ["快递柜无法取件", "咨询社区活动", "建议增加健身器材"],
}
PUBLIC_PLACES = ["大堂", "地下车库B1", "小区北门", "中心花园", "3栋电梯厅", "会所", "垃圾站"]
RESOLUTIONS = ["已上门处理完毕", "已更换配件并测试正常", "已联系相关方解决", "已清理完毕", "已答复业主并处理"]
HOLD_REASONS = ["等待配件到货", "业主不在家，约定改期", "等待业主确认方案"]


@dataclass
class Pools:
    """What a history may refer to, per estate: units with occupants, teams and their people."""

    estate_id: int
    estate_code: str
    units: list[tuple[int, int | None, int]]  # (unit id, occupant person id or None, building id)
    categories: list  # TicketCategory rows
    sla: dict[tuple[int, str], tuple[int, int]]  # (category id, priority) -> minutes
    teams: dict[str, int]  # team kind -> team id
    members: dict[int, list[int]]  # team id -> user ids
    housekeeper_by_building: dict[int, int]
    desk_users: list[int] = field(default_factory=list)
    public_locations: list[int] = field(default_factory=list)  # PublicLocation ids
    root_causes: list[int] = field(default_factory=list)  # RootCause ids
    supervisor_id: int | None = None
    lead_minutes: int = 60
    reply_hours: int = 72
    callback_delay_hours: int = 24
    retry_hours: int = 4


@dataclass
class History:
    ticket: dict
    events: list[dict]
    callbacks: list[dict]  # each may carry "attempts": [dict]


def _clip(moment: datetime, now: datetime) -> bool:
    return moment <= now


def simulate(
    rng: random.Random,
    pools: Pools,
    *,
    created_at: datetime,
    now: datetime,
    number: str,
    unit_choice: tuple[int, int | None, int] | None = None,
    kind: str | None = None,
    channel: str | None = None,
    reporter_id: int | None = None,
    stop_at: str | None = None,
) -> History:
    """One ticket's life from `created_at` up to (never beyond) `now`, or until it reaches `stop_at`."""
    category = rng.choice(pools.categories)
    kind = (
        kind
        or rng.choices(
            [
                Ticket.Kind.REPAIR,
                Ticket.Kind.COMPLAINT,
                Ticket.Kind.INQUIRY,
                Ticket.Kind.REPORT,
                Ticket.Kind.SUGGESTION,
                Ticket.Kind.PRAISE,
            ],
            weights=[62, 14, 10, 8, 4, 2],
        )[0]
    )
    priority = category.default_priority if rng.random() < 0.8 else rng.choice(Ticket.Priority.values)
    response_minutes, resolution_minutes = pools.sla.get((category.pk, priority), (480, 4320))
    if kind == Ticket.Kind.COMPLAINT:
        response_minutes = sla.complaint_response_minutes(
            category_minutes=response_minutes, reply_hours=pools.reply_hours
        )
    resolution_minutes = max(resolution_minutes, response_minutes)
    deadlines = sla.initial_deadlines(
        opened_at=created_at,
        response_minutes=response_minutes,
        resolution_minutes=resolution_minutes,
        lead_minutes=pools.lead_minutes,
    )
    public_area = unit_choice is None and (
        category.team_kind in ("cleaning", "landscaping", "security") and rng.random() < 0.6
    )
    unit_id = person_id = building_id = None
    public_area = public_area and bool(pools.public_locations)
    if not public_area:
        unit_id, person_id, building_id = unit_choice or rng.choice(pools.units)
    if reporter_id is not None:
        person_id = reporter_id
    channel = (
        channel
        or rng.choices(
            [
                Ticket.Channel.PHONE,
                Ticket.Channel.WALK_IN,
                Ticket.Channel.PORTAL,
                Ticket.Channel.STAFF_RELAY,
                Ticket.Channel.PATROL,
                Ticket.Channel.SUGGESTION_BOX,
            ],
            weights=[45, 20, 20, 7, 5, 3],
        )[0]
    )
    team_id = pools.teams.get(category.team_kind) or pools.teams.get("customer_service")
    desk = rng.choice(pools.desk_users) if pools.desk_users and channel != Ticket.Channel.PORTAL else None
    t = {
        "estate_id": pools.estate_id,
        "number": number,
        "kind": kind,
        "channel": channel,
        "status": TicketStatus.NEW,
        "priority": priority,
        "category_id": category.pk,
        "unit_id": unit_id,
        "public_location_id": rng.choice(pools.public_locations) if public_area else None,
        "location": "",
        "reporter_id": person_id,
        "reporter_name": "" if person_id else rng.choice(["张先生", "李女士", "王阿姨", "刘先生", "访客"]),
        "reporter_phone": "" if person_id else f"13{rng.randrange(100000000, 999999999)}",
        "description": rng.choice(DESCRIPTIONS.get(category.code, DESCRIPTIONS["other"])),
        "is_paid_service": False,
        "service_price": None,
        "is_major": kind == Ticket.Kind.COMPLAINT and rng.random() < 0.04,
        "team_id": team_id,
        "assignee_id": None,
        "created_by_id": desk,
        "created_at": created_at,
        "updated_at": created_at,
        "response_minutes": response_minutes,
        "resolution_minutes": resolution_minutes,
        "response_due_at": deadlines.response_due_at,
        "resolution_due_at": deadlines.resolution_due_at,
        "response_warn_at": deadlines.response_warn_at,
        "resolution_warn_at": deadlines.resolution_warn_at,
        "first_responded_at": None,
        "first_resolved_at": None,
        "first_resolution_due_at": None,
        "first_replied_at": None,
        "root_cause_id": None,
        "on_hold_since": None,
        "on_hold_minutes": 0,
        "resolved_at": None,
        "closed_at": None,
        "reopen_count": 0,
        "resolution_note": "",
        "cancel_reason": "",
        "is_unreachable": False,
    }
    if kind == Ticket.Kind.REPAIR and unit_id and rng.random() < 0.12:
        t["is_paid_service"] = True
        t["service_price"] = rng.choice(["30.00", "50.00", "80.00", "120.00", "200.00"])
    events: list[dict] = [_event(t, K.CREATED, desk, created_at, "", TicketStatus.NEW, public=True)]
    callbacks: list[dict] = []
    history = History(ticket=t, events=events, callbacks=callbacks)
    members = pools.members.get(team_id or 0, [])
    late = rng.random() < 0.15  # this ticket will miss its deadlines

    def move(target: str, actor, at: datetime, note: str = "", public: bool = True, kind_=K.STATUS) -> bool:
        if not _clip(at, now) or t["status"] == stop_at:
            return False
        assert target in ALLOWED[t["status"]], (t["status"], target)
        events.append(_event(t, kind_, actor, at, t["status"], target, public=public, note=note))
        t["status"] = target
        t["updated_at"] = at
        return True

    if rng.random() < 0.04:
        move(
            TicketStatus.CANCELLED,
            desk,
            created_at + timedelta(minutes=rng.randint(5, 90)),
            note="业主撤回" if rng.random() < 0.5 else "重复登记",
        )
        if t["status"] == TicketStatus.CANCELLED:
            t["cancel_reason"] = events[-1]["note"]
        return history

    team_of = {user: team for team, users in pools.members.items() for user in users}

    def work_round(start_from: datetime) -> datetime | None:
        """assign → start (→ hold → resume) → resolve; returns when resolved, or None if `now` came first."""
        # A team without people (say, landscaping) gets its work done by someone from another team,
        # and the ticket moves to that person's team, as assign_ticket does.
        candidates = members or sorted(team_of)
        assignee = rng.choice(candidates) if candidates else None
        at = start_from + timedelta(
            minutes=rng.randint(2, 40) if rng.random() < 0.9 else rng.randint(60, 600)
        )
        if not move(TicketStatus.ASSIGNED, pools.supervisor_id or desk, at, public=False, kind_=K.ASSIGNED):
            return None
        t["assignee_id"] = assignee
        if assignee is not None:
            t["team_id"] = team_of.get(assignee, t["team_id"])
        window = response_minutes if not late else response_minutes * rng.uniform(1.1, 2.5)
        local = timezone.localtime(at)
        if priority in (Ticket.Priority.NORMAL, Ticket.Priority.LOW) and (local.hour >= 18 or local.hour < 8):
            # Routine work registered in the evening waits for the morning shift.
            morning = local.replace(hour=8, minute=30) + timedelta(days=1 if local.hour >= 18 else 0)
            at = morning + timedelta(minutes=rng.randint(0, 90))
        else:
            at += timedelta(minutes=max(1, rng.uniform(0.1, 0.9) * window))
        if not move(TicketStatus.IN_PROGRESS, assignee, at):
            return None
        t["assignee_id"] = t["assignee_id"] or assignee
        t["first_responded_at"] = t["first_responded_at"] or at
        if kind == Ticket.Kind.COMPLAINT and t["first_replied_at"] is None:
            # The handler calls the complainant when starting (late complaints are answered late).
            reply_at = at + timedelta(minutes=rng.randint(5, 120))
            if _clip(reply_at, now):
                t["first_replied_at"] = reply_at
                events.append(
                    _event(
                        t,
                        K.REPLIED,
                        assignee,
                        reply_at,
                        "",
                        "",
                        note="已致电业主说明处理安排",
                        channel="phone",
                    )
                )
        if rng.random() < 0.12:
            hold_at = at + timedelta(minutes=rng.randint(20, 240))
            if not move(TicketStatus.ON_HOLD, assignee, hold_at, note=rng.choice(HOLD_REASONS)):
                return None
            t["on_hold_since"] = hold_at
            resume_at = hold_at + timedelta(minutes=rng.randint(60, 48 * 60))
            if not move(TicketStatus.IN_PROGRESS, assignee, resume_at):
                return None
            for due, warn in (
                ("response_due_at", "response_warn_at"),
                ("resolution_due_at", "resolution_warn_at"),
            ):
                new_due = sla.extend_for_pause(t[due], hold_at, resume_at)
                t[warn] += new_due - t[due]
                t[due] = new_due
            t["on_hold_minutes"] += sla.paused_minutes(hold_at, resume_at)
            t["on_hold_since"] = None
            at = resume_at
        remaining = (t["resolution_due_at"] - at).total_seconds() / 60
        spend = (
            rng.uniform(0.05, 0.9) * max(remaining, 30)
            if not late
            else max(remaining, 0) + rng.uniform(60, 2880)
        )
        at += timedelta(minutes=spend)
        note = rng.choice(RESOLUTIONS)
        if not move(TicketStatus.RESOLVED, assignee, at, note=note):
            return None
        t["resolved_at"] = at
        t["resolution_note"] = note
        if t["first_resolved_at"] is None:
            t["first_resolved_at"] = at
            t["first_resolution_due_at"] = t["resolution_due_at"]
        if kind == Ticket.Kind.COMPLAINT and pools.root_causes and t["root_cause_id"] is None:
            t["root_cause_id"] = rng.choice(pools.root_causes)
        return at

    resolved_at = work_round(created_at)
    while resolved_at is not None:
        mandatory = kind == Ticket.Kind.COMPLAINT or t["is_major"] or category.is_callback_mandatory
        due = resolved_at + timedelta(hours=pools.callback_delay_hours)
        callback = {
            "estate_id": pools.estate_id,
            "round": t["reopen_count"],
            "status": Callback.Status.PENDING,
            "is_mandatory": mandatory,
            "assigned_to_id": pools.housekeeper_by_building.get(building_id) if building_id else None,
            "team_id": None,
            "due_at": due,
            "next_attempt_at": due,
            "attempt_count": 0,
            "method": Callback.Method.PHONE,
            "reached": None,
            "satisfaction": None,
            "is_solved": None,
            "comment": "",
            "completed_at": None,
            "completed_by_id": None,
            "created_at": resolved_at,
            "attempts": [],
        }
        if callback["assigned_to_id"] is None:
            callback["team_id"] = pools.teams.get("customer_service")
        callbacks.append(callback)
        if t["status"] == stop_at:
            return history
        caller = callback["assigned_to_id"] or (rng.choice(pools.desk_users) if pools.desk_users else None)
        at = due + timedelta(minutes=rng.randint(0, 240))
        outcome = rng.random()
        misses = 3 if outcome < 0.04 else (1 if outcome < 0.15 else 0)
        for attempt in range(1, misses + 1):
            if not _clip(at, now):
                return history
            callback["attempts"].append(
                {
                    "number": attempt,
                    "attempted_at": at,
                    "actor_id": caller,
                    "reached": False,
                    "note": "无人接听",
                }
            )
            callback["attempt_count"] = attempt
            if attempt == 3:
                callback.update(
                    status=Callback.Status.UNREACHABLE, reached=False, completed_at=at, completed_by_id=caller
                )
                events.append(_event(t, K.CALLBACK, caller, at, "", "", note="回访三次未接通"))
                move(TicketStatus.CLOSED, caller, at, note="回访未接通，关闭")
                t["closed_at"] = at
                t["is_unreachable"] = True
                return history
            at += timedelta(hours=pools.retry_hours)
            callback["next_attempt_at"] = at
        if not _clip(at, now):
            return history
        solved = rng.random() > (0.08 if t["reopen_count"] == 0 else 0.02)
        score = (
            rng.choices([5, 4, 3, 2, 1], weights=[55, 28, 10, 4, 3])[0] if solved else rng.choice([1, 2, 3])
        )
        callback["attempts"].append(
            {
                "number": callback["attempt_count"] + 1,
                "attempted_at": at,
                "actor_id": caller,
                "reached": True,
                "note": "",
            }
        )
        callback.update(
            status=Callback.Status.COMPLETED,
            reached=True,
            satisfaction=score,
            is_solved=solved,
            attempt_count=callback["attempt_count"] + 1,
            completed_at=at,
            completed_by_id=caller,
            comment="" if solved else "问题未解决",
        )
        events.append(_event(t, K.CALLBACK, caller, at, "", "", note=f"回访：满意度 {score}/5"))
        if solved:
            move(TicketStatus.CLOSED, caller, at, note="回访确认已解决")
            t["closed_at"] = at
            return history
        move(TicketStatus.REOPENED, caller, at, note="回访：问题未解决")
        t["reopen_count"] += 1
        t["resolved_at"] = None
        t["resolution_due_at"] = at + timedelta(minutes=resolution_minutes)
        t["resolution_warn_at"] = t["resolution_due_at"] - sla.warning_lead(
            allowed_minutes=resolution_minutes, lead_minutes=pools.lead_minutes
        )
        resolved_at = work_round(at)
    return history


def _event(
    t: dict,
    kind: str,
    actor,
    at: datetime,
    source: str,
    target: str,
    *,
    public: bool = False,
    note: str = "",
    channel: str = "",
) -> dict:
    return {
        "kind": kind,
        "actor_id": actor,
        "created_at": at,
        "from_status": source,
        "to_status": target,
        "note": note,
        "is_public": public,
        "channel": channel,
    }


def spread_times(rng: random.Random, count: int, *, days: int, now: datetime) -> list[datetime]:
    """`count` registration times over the last `days` days, more by day than by night, sorted."""
    start = now - timedelta(days=days)
    times = []
    for _ in range(count):
        # A sixth of the tickets fall in the last three days, so the demo has work in every state.
        span = 3 if rng.random() < 0.16 else days
        day = (
            now - timedelta(days=span) + timedelta(days=rng.random() * span)
            if span == 3
            else (start + timedelta(days=rng.random() * days))
        )
        local = timezone.localtime(day)
        hour = rng.choices(
            range(24),
            weights=[1, 1, 1, 1, 1, 2, 4, 8, 12, 14, 14, 12, 10, 12, 13, 13, 12, 11, 10, 9, 7, 5, 3, 2],
        )[0]
        moment = local.replace(hour=hour, minute=rng.randrange(60), second=rng.randrange(60))
        times.append(min(moment, now - timedelta(minutes=1)))
    return sorted(times)
