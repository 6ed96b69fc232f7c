"""The authorization matrix (servicecenter/authz.py) covers every URL and API action, and says
what the code does: each entry is tried with a real user of every role (and anonymously).

Allowed means anything but 403/404 (and, anonymously, anything but the login redirect/401):
a 405 for a GET on a POST-only page, a 400 for an empty form, a 409 for a refused transition all
show that the user got past authorization. Refused means 403 for staff without the permission
and 404 for residents on staff pages and staff on the portal (a page that is not theirs does not
exist for them). Every request runs in a savepoint that is rolled back, so one role's POST does
not change what the next role sees.
"""

from __future__ import annotations

from urllib.parse import urlencode

import pytest
from django.db import transaction
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from servicecenter import authz
from staff.models import StaffProfile
from tests.module_world import estate_a, resident, resident2, unit_a, unit_a2, users  # noqa: F401
from tests.servicecenter.urlwalk import (
    all_api_actions,
    all_urls,
    api_kwargs,
    build_shared,
    build_unit_world,
    url_kwargs,
    url_query,
)
from tests.tickets.factories import TicketFactory
from tickets.views import ACTIONS

ROUTER_URL_NAMES = {a.url_name for a in all_api_actions()}


def _plain_urls():
    """URLs that are not API router routes (those are covered action by action)."""
    return [u for u in all_urls() if u.name not in ROUTER_URL_NAMES and u.args != ("format",)]


# One URL, one rule per value of an argument: tried by its own test below.
PER_SLUG = {"tickets:action", "renovations:action", "renovations:violation_action", "moveins:action"}


def _page_urls():
    return sorted(
        {u.name: u for u in _plain_urls() if not u.name.startswith("admin:")}.values(), key=lambda u: u.name
    )


def _api_actions():
    return sorted({a.key: a for a in all_api_actions()}.values(), key=lambda a: a.key)


# --- every URL and every action has an entry ---------------------------------------------------


def test_every_url_has_an_entry():
    missing = sorted({u.name for u in _plain_urls() if authz.rule_for_url(u.name) is None})
    assert not missing, f"URLs without an entry in servicecenter/authz.py URLS: {missing}"


def test_every_api_action_has_an_entry():
    missing = sorted({a.key for a in all_api_actions() if a.key not in authz.API})
    assert not missing, f"API actions without an entry in servicecenter/authz.py API: {missing}"


def test_the_matrix_has_no_stale_entries():
    names = {u.name for u in _plain_urls()}
    namespaces = {n.split(":", 1)[0] + ":*" for n in names if ":" in n}
    stale_urls = sorted(set(authz.URLS) - names - namespaces - set(authz.URLS_BEHIND_SETTINGS))
    stale_api = sorted(set(authz.API) - {a.key for a in all_api_actions()})
    assert not stale_urls and not stale_api, (stale_urls, stale_api)


def test_rules_name_known_roles_only():
    for rule in [*authz.URLS.values(), *authz.API.values()]:
        assert rule in (authz.PUBLIC, authz.AUTHENTICATED) or rule <= set(authz.ROLES), rule


# --- each role gets what the matrix says --------------------------------------------------------


@pytest.fixture(scope="module")
def world(module_people, module_media):
    """Built once for the module (every request below runs in a savepoint that is rolled back)."""
    users, resident = module_people.users, module_people.resident
    unit_a, unit_a2 = module_people.unit_a, module_people.unit_a2
    own = build_unit_world(unit=unit_a, resident_user=resident, staff=users, tag="A1")
    build_unit_world(unit=unit_a2, resident_user=module_people.resident2, staff=users, tag="A2")
    shared = build_shared(estate=module_people.estate_a, staff=users, world=own)
    # For "take": an unassigned new ticket of the technician's team.
    StaffProfile.objects.filter(user=users["technician"]).update(team=shared["team"])
    own["team_ticket"] = TicketFactory(unit=unit_a, team=shared["team"], number="LJY-A1-0002")
    people = {**users, authz.RESIDENT: resident}
    return own, shared, people


def _refused(response, *, anonymous: bool) -> bool:
    if response.status_code in (403, 404):
        return True
    if anonymous:
        if response.status_code == 401:
            return True
        return response.status_code == 302 and "/accounts/login/" in response.get("Location", "")
    return False


def _in_savepoint(call):
    with transaction.atomic():
        response = call()
        transaction.set_rollback(True)
    return response


def _observe_page(url, own, shared, people) -> dict[str | None, bool]:
    path = reverse(url.name, kwargs=url_kwargs(url, own, shared))
    query = url_query(url, own, shared)
    seen = {}
    for role in (None, *authz.ROLES):
        client = Client()
        if role is not None:
            client.force_login(people[role])
        response = _in_savepoint(lambda c=client: c.get(path, query))
        if response.status_code == 405:
            # A POST-only page: post an empty form (rolled back) to see past its own checks too.
            response = _in_savepoint(lambda c=client: c.post(f"{path}?{urlencode(query)}", {}))
        seen[role] = not _refused(response, anonymous=role is None)
    return seen


def _observe_api(action, own, shared, people) -> dict[str | None, bool]:
    path = reverse(action.url_name, kwargs=api_kwargs(action, own, shared))
    seen = {}
    for role in (None, *authz.ROLES):
        client = APIClient()
        if role is not None:
            client.force_authenticate(people[role])
        response = _in_savepoint(lambda c=client: getattr(c, action.method)(path, {}, format="json"))
        seen[role] = not _refused(response, anonymous=role is None)
    return seen


def _expected(rule) -> dict[str | None, bool]:
    return {role: authz.allows(rule, role) for role in (None, *authz.ROLES)}


def _describe(seen: dict) -> str:
    allowed = sorted(r for r, ok in seen.items() if ok and r is not None)
    if seen[None]:
        return "PUBLIC"
    if set(allowed) == set(authz.ROLES):
        return "AUTHENTICATED (or every role)"
    return f"roles({', '.join(allowed)})"


@pytest.mark.parametrize("url", [u for u in _page_urls() if u.name not in PER_SLUG], ids=lambda u: u.name)
def test_page_matches_the_matrix(world, url):
    own, shared, people = world
    rule = authz.rule_for_url(url.name)
    assert rule is not None, f"{url.name} has no entry in servicecenter/authz.py"
    seen = _observe_page(url, own, shared, people)
    assert seen == _expected(rule), f"{url.name}: the code allows {_describe(seen)}"


@pytest.mark.parametrize("action", _api_actions(), ids=lambda a: a.key)
def test_api_action_matches_the_matrix(world, action):
    own, shared, people = world
    rule = authz.API.get(action.key)
    assert rule is not None, f"{action.key} has no entry in servicecenter/authz.py"
    seen = _observe_api(action, own, shared, people)
    assert seen == _expected(rule), f"{action.key}: the code allows {_describe(seen)}"


@pytest.mark.parametrize("slug", sorted(ACTIONS))
def test_desk_ticket_action_matches_the_matrix(world, slug):
    """tickets:action/<slug> is one URL with one rule per transition."""
    own, shared, people = world
    assert set(ACTIONS) == set(authz.DESK_TICKET_ACTIONS)
    ticket = own["team_ticket"] if slug == "take" else own["ticket"]
    path = reverse("tickets:action", kwargs={"pk": ticket.pk, "action": slug})
    seen = {}
    for role in (None, *authz.ROLES):
        client = Client()
        if role is not None:
            client.force_login(people[role])
        response = _in_savepoint(lambda c=client: c.post(path, {}))
        seen[role] = not _refused(response, anonymous=role is None)
    assert seen == _expected(authz.DESK_TICKET_ACTIONS[slug]), f"{slug}: the code allows {_describe(seen)}"


def test_residents_get_404_not_403_on_staff_pages(world):
    own, shared, people = world
    client = Client()
    client.force_login(people[authz.RESIDENT])
    for url in _page_urls():
        if url.is_portal or authz.allows(authz.rule_for_url(url.name), authz.RESIDENT):
            continue
        path = reverse(url.name, kwargs=url_kwargs(url, own, shared))
        response = client.get(path, url_query(url, own, shared))
        assert response.status_code == 404, url.name


def test_api_docs_and_schema_need_a_login(client, users):
    for name in ("api-schema", "api-docs"):
        assert client.get(reverse(name)).status_code in (401, 403), name
    client.force_login(users["frontdesk"])
    assert client.get(reverse("api-docs")).status_code == 200


def _view_of(url):
    from django.urls import resolve

    own = {arg: 1 for arg in url.args}
    if "action" in own:
        own["action"] = "start"
    return resolve(reverse(url.name, kwargs=own)).func


def test_every_portal_view_is_a_portal_page():
    """One decorator scopes every portal view to the person's current occupancies."""
    missing = [u.name for u in _page_urls() if u.is_portal and not getattr(_view_of(u), "portal_page", False)]
    assert not missing, f"portal views without servicecenter.portal.portal_page: {missing}"


def test_every_staff_only_page_is_a_desk_page():
    """Staff-only pages go through servicecenter.desk.desk_page (residents 404, staff need the
    permission)."""
    missing = [
        u.name
        for u in _page_urls()
        if not u.is_api
        and not u.is_portal
        and authz.rule_for_url(u.name) not in (authz.PUBLIC, authz.AUTHENTICATED)
        and not getattr(_view_of(u), "desk_permission", None)
    ]
    assert not missing, f"staff pages without servicecenter.desk.desk_page: {missing}"
