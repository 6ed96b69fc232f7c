"""renovations:action/<slug> and renovations:violation_action/<slug> are one URL each with one
rule per transition (servicecenter/authz.py DESK_RENOVATION_ACTIONS, DESK_VIOLATION_ACTIONS):
each is tried as every role. Allowed means past the permission check (a redirect with the form's
or the workflow's refusal); refused means 403 for staff and 404 for residents."""

import pytest
from django.db import transaction
from django.test import Client
from django.urls import reverse

from renovations.models import Renovation
from renovations.views.desk import ACTIONS
from renovations.views.works import VIOLATION_ACTIONS
from renovations.workflows import RENOVATION, VIOLATION
from servicecenter import authz
from tests.renovations.factories import RenovationFactory, ViolationFactory


def _seen(path, people) -> dict:
    seen = {}
    for role, user in people.items():
        client = Client()
        client.force_login(user)
        with transaction.atomic():
            response = client.post(path, {})
            transaction.set_rollback(True)
        seen[role] = response.status_code not in (403, 404)
    return seen


@pytest.fixture
def people(users, resident):
    return {**users, authz.RESIDENT: resident}


def test_every_user_action_of_the_workflows_has_a_desk_form_and_a_rule():
    assert set(ACTIONS) == {a.name for a in RENOVATION.user_actions()} == set(authz.DESK_RENOVATION_ACTIONS)
    assert (
        set(VIOLATION_ACTIONS)
        == {a.name for a in VIOLATION.user_actions()}
        == set(authz.DESK_VIOLATION_ACTIONS)
    )


@pytest.mark.parametrize("slug", sorted(authz.DESK_RENOVATION_ACTIONS))
def test_desk_renovation_action_matches_the_matrix(people, unit_a, slug):
    renovation = RenovationFactory(unit=unit_a, status=Renovation.Status.SUBMITTED)
    seen = _seen(reverse("renovations:action", args=[renovation.pk, slug]), people)
    assert seen == {role: role in authz.DESK_RENOVATION_ACTIONS[slug] for role in people}


@pytest.mark.parametrize("slug", sorted(authz.DESK_VIOLATION_ACTIONS))
def test_desk_violation_action_matches_the_matrix(people, unit_a, slug):
    violation = ViolationFactory(renovation=RenovationFactory(unit=unit_a, status="in_progress"))
    seen = _seen(reverse("renovations:violation_action", args=[violation.pk, slug]), people)
    assert seen == {role: role in authz.DESK_VIOLATION_ACTIONS[slug] for role in people}
