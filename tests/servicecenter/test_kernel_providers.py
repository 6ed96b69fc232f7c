"""The kernel reaches apps only through what they register or name: scoping asks the staff app's
provider where a staff member works, and services queue their own tasks by registered name."""

from unittest import mock

import pytest
from django.core.exceptions import ImproperlyConfigured

from servicecenter import scoping, tasking
from servicecenter.scoping import StaffReach, access_for, forget_access
from staff.selectors import staff_reach
from tests.factories import make_staff
from tickets.tasks import check_ticket_deadlines

pytestmark = pytest.mark.django_db


def test_the_staff_app_registers_its_reach_provider():
    assert scoping._staff_reach_provider is staff_reach


def test_access_for_uses_what_the_provider_answers(estate_a, estate_b, monkeypatch):
    user = make_staff("frontdesk", estate_a, username="fd-provider")
    monkeypatch.setattr(
        scoping, "_staff_reach_provider", lambda u: StaffReach(estate_ids=frozenset({estate_b.pk}))
    )
    forget_access(user)
    access = access_for(user)
    assert access.is_staff_member
    assert access.estate_ids == frozenset({estate_b.pk})


def test_the_staff_provider_answers_estates_and_team_or_none(estate_a, estate_b, users):
    from staff.models import Team

    team = Team.objects.create(estate=estate_a, kind=Team.Kind.MAINTENANCE, name="维修组-p")
    user = make_staff("technician", estate_a, estate_b, username="tech-provider", team=team)
    assert staff_reach(user) == StaffReach(
        estate_ids=frozenset({estate_a.pk, estate_b.pk}), team_ids=frozenset({team.pk})
    )
    assert staff_reach(users["frontdesk"]).estate_ids == frozenset({estate_a.pk})


def test_the_provider_answers_none_for_a_resident(resident):
    assert staff_reach(resident) is None
    forget_access(resident)
    assert access_for(resident).is_resident


def test_without_a_provider_access_fails_loudly(estate_a, monkeypatch):
    user = make_staff("frontdesk", estate_a, username="fd-no-provider")
    monkeypatch.setattr(scoping, "_staff_reach_provider", None)
    forget_access(user)
    with pytest.raises(ImproperlyConfigured):
        access_for(user)


def test_a_task_queued_by_name_is_published_after_commit(django_capture_on_commit_callbacks):
    tasking.resume_publishing()
    with (
        mock.patch.object(check_ticket_deadlines, "apply_async") as apply_async,
        django_capture_on_commit_callbacks(execute=True),
    ):
        tasking.enqueue_after_commit("tickets.tasks.check_ticket_deadlines", ticket_id=7)
        apply_async.assert_not_called()
    apply_async.assert_called_once_with(kwargs={"ticket_id": 7}, retry=False)


def test_a_task_name_without_a_sweep_is_refused():
    with pytest.raises(ImproperlyConfigured):
        tasking.enqueue_after_commit("staff.tasks.purge_read_notifications")


def test_task_named_finds_the_registered_task():
    # shared_task hands out a proxy; the registry holds the task itself.
    found = tasking.task_named("tickets.tasks.check_ticket_deadlines")
    assert found is check_ticket_deadlines._get_current_object()
