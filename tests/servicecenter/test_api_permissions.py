"""One permission class for the whole API (`servicecenter.api.ActionPermission`): every viewset
declares what its actions need on itself, and nothing is ever deleted."""

import pytest
from django.contrib.auth.models import AnonymousUser
from rest_framework.test import APIRequestFactory

from servicecenter.api import ActionPermission
from servicecenter.api_router import router

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("prefix, viewset", [(prefix, viewset) for prefix, viewset, _ in router.registry])
def test_every_viewset_uses_the_one_permission_class(prefix, viewset):
    assert list(viewset.permission_classes) == [ActionPermission], prefix


class _View:
    action = "void"
    action_permissions = {"void": ["billing.void_bill"], "free": []}


def _request(method, user):
    request = getattr(APIRequestFactory(), method)("/")
    request.user = user
    return request


def test_a_named_action_needs_exactly_its_permissions(users):
    view = _View()
    assert ActionPermission().has_permission(_request("post", users["manager"]), view)
    assert not ActionPermission().has_permission(_request("post", users["technician"]), view)
    view.action = "free"
    assert ActionPermission().has_permission(_request("post", users["technician"]), view)


def test_delete_and_anonymous_users_are_refused(users):
    view = _View()
    view.action = "free"
    assert not ActionPermission().has_permission(_request("delete", users["manager"]), view)
    assert not ActionPermission().has_permission(_request("post", AnonymousUser()), view)


def test_other_actions_need_applies_to_actions_not_named(users):
    view = _View()
    view.action = "list"
    view.other_actions_need = ["tickets.view_ticket_metrics"]
    assert ActionPermission().has_permission(_request("get", users["manager"]), view)
    assert not ActionPermission().has_permission(_request("get", users["technician"]), view)


def test_the_object_rule_is_the_viewsets_may_act_on():
    view = _View()
    view.may_act_on = lambda user, action, obj: obj == "mine"
    request = _request("post", AnonymousUser())
    assert ActionPermission().has_object_permission(request, view, "mine")
    assert not ActionPermission().has_object_permission(request, view, "theirs")
    assert ActionPermission().has_object_permission(request, _View(), "theirs")
