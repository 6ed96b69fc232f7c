"""Routing (regular → the manager; non-regular → engineering first), reasons for refusals,
resubmission keeping the whole history, withdrawal, and transitions the workflow refuses."""

from datetime import date

import pytest
from django.core.exceptions import PermissionDenied

from renovations import services
from renovations.models import Renovation
from servicecenter.exceptions import DomainError, TransitionError
from tests.renovations.helpers import register

pytestmark = pytest.mark.django_db
S = Renovation.Status


def test_a_regular_application_goes_straight_to_the_manager(unit_a, owner, users, rules, regular_item):
    renovation = register(unit_a, owner, users["frontdesk"], [regular_item])
    renovation = services.send_for_review(renovation=renovation, actor=users["frontdesk"])
    assert renovation.status == S.MANAGER_REVIEW
    renovation = services.approve_renovation(renovation=renovation, actor=users["manager"])
    assert renovation.status == S.APPROVED


def test_a_non_regular_application_needs_the_engineering_review_first(
    unit_a, owner, users, rules, regular_item, non_regular_item
):
    renovation = register(unit_a, owner, users["frontdesk"], [regular_item, non_regular_item])
    renovation = services.send_for_review(renovation=renovation, actor=users["frontdesk"])
    assert renovation.status == S.ENGINEERING_REVIEW
    # The manager cannot approve it before the engineer has reviewed it.
    with pytest.raises(TransitionError):
        services.approve_renovation(renovation=renovation, actor=users["manager"])
    with pytest.raises(PermissionDenied):
        services.engineering_approve(renovation=renovation, actor=users["frontdesk"])
    renovation = services.engineering_approve(
        renovation=renovation, actor=users["engineer"], note="结构无影响"
    )
    assert renovation.status == S.MANAGER_REVIEW
    assert services.approve_renovation(renovation=renovation, actor=users["manager"]).status == S.APPROVED
    assert [e.action for e in renovation.events.all()] == [
        "register",
        "send_to_engineering",
        "engineering_approve",
        "approve",
    ]


def test_the_engineer_may_not_approve_for_the_manager(unit_a, owner, users, rules, regular_item):
    renovation = register(unit_a, owner, users["frontdesk"], [regular_item])
    services.send_for_review(renovation=renovation, actor=users["frontdesk"])
    with pytest.raises(PermissionDenied):
        services.approve_renovation(renovation=renovation, actor=users["engineer"])
    renovation.refresh_from_db()
    assert renovation.status == S.MANAGER_REVIEW


@pytest.mark.parametrize(
    ("perform", "role"),
    [
        (services.request_renovation_changes, "manager"),
        (services.reject_renovation, "manager"),
    ],
)
def test_refusing_needs_a_reason(unit_a, owner, users, rules, regular_item, perform, role):
    renovation = register(unit_a, owner, users["frontdesk"], [regular_item])
    services.send_for_review(renovation=renovation, actor=users["frontdesk"])
    with pytest.raises(DomainError) as caught:
        perform(renovation=renovation, actor=users[role], reason="  ")
    assert caught.value.code == "reason_required"
    renovation.refresh_from_db()
    assert renovation.status == S.MANAGER_REVIEW
    assert renovation.events.count() == 2


def test_engineering_rejection_keeps_its_reason(unit_a, owner, users, rules, non_regular_item):
    renovation = register(unit_a, owner, users["frontdesk"], [non_regular_item])
    services.send_for_review(renovation=renovation, actor=users["frontdesk"])
    with pytest.raises(DomainError):
        services.engineering_reject(renovation=renovation, actor=users["engineer"], reason="")
    renovation = services.engineering_reject(
        renovation=renovation, actor=users["engineer"], reason="拆除承重墙"
    )
    assert renovation.status == S.REJECTED
    assert renovation.events.last().note == "拆除承重墙"


def test_resubmission_keeps_the_whole_history(unit_a, owner, users, rules, regular_item, non_regular_item):
    frontdesk, engineer, manager = users["frontdesk"], users["engineer"], users["manager"]
    renovation = register(unit_a, owner, frontdesk, [non_regular_item])
    services.send_for_review(renovation=renovation, actor=frontdesk)
    services.engineering_request_changes(renovation=renovation, actor=engineer, reason="补充结构图纸")
    renovation = services.resubmit_renovation(
        renovation=renovation,
        actor=frontdesk,
        note="已补图纸",
        scope_items=[regular_item],
        planned_end=date(2026, 4, 20),
    )
    assert renovation.status == S.SUBMITTED
    assert renovation.is_regular  # the wall work was dropped: now regular, straight to the manager
    services.send_for_review(renovation=renovation, actor=frontdesk)
    services.request_renovation_changes(renovation=renovation, actor=manager, reason="工期需缩短")
    services.resubmit_renovation(renovation=renovation, actor=frontdesk, planned_end=date(2026, 4, 10))
    services.send_for_review(renovation=renovation, actor=frontdesk)
    services.approve_renovation(renovation=renovation, actor=manager)
    events = list(renovation.events.values_list("action", "from_status", "to_status", "note"))
    assert [e[0] for e in events] == [
        "register",
        "send_to_engineering",
        "engineering_request_changes",
        "resubmit",
        "send_to_manager",
        "request_changes",
        "resubmit",
        "send_to_manager",
        "approve",
    ]
    assert events[2][1:] == ("engineering_review", "changes_requested", "补充结构图纸")
    assert events[3][3].startswith("已补图纸") and "拆改墙体 → 墙面粉刷" in events[3][3]
    assert events[5][3] == "工期需缩短"
    assert "2026-04-20 → 2026-04-10" in events[6][3]


def test_a_refused_transition_raises_transition_error_and_changes_nothing(
    unit_a, owner, users, rules, regular_item
):
    renovation = register(unit_a, owner, users["frontdesk"], [regular_item])
    with pytest.raises(TransitionError) as caught:
        services.issue_permit(renovation=renovation, actor=users["manager"])
    assert caught.value.status_code == 409
    with pytest.raises(TransitionError):
        services.resubmit_renovation(renovation=renovation, actor=users["frontdesk"])
    renovation.refresh_from_db()
    assert renovation.status == S.SUBMITTED
    assert renovation.events.count() == 1


def test_withdrawal_needs_a_reason_and_ends_the_application(unit_a, owner, users, rules, regular_item):
    renovation = register(unit_a, owner, users["frontdesk"], [regular_item])
    with pytest.raises(DomainError):
        services.withdraw_renovation(renovation=renovation, actor=users["frontdesk"], reason="")
    renovation = services.withdraw_renovation(
        renovation=renovation, actor=users["frontdesk"], reason="业主暂不装修"
    )
    assert renovation.status == S.WITHDRAWN
    # A withdrawn application no longer blocks a new one for the unit.
    assert register(unit_a, owner, users["frontdesk"], [regular_item]).status == S.SUBMITTED
