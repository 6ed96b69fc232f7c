import pytest
from django.contrib.auth.models import Group, Permission

from staff.roles import ROLES, collect_role_permissions, sync_role_groups


@pytest.mark.django_db
def test_every_role_group_exists_after_migrate():
    assert set(Group.objects.values_list("name", flat=True)) >= set(ROLES)


@pytest.mark.django_db
def test_groups_hold_exactly_the_permissions_their_apps_list():
    wanted = collect_role_permissions()
    for role in ROLES:
        group = Group.objects.get(name=role)
        held = {
            f"{p.content_type.app_label}.{p.codename}"
            for p in group.permissions.select_related("content_type")
        }
        existing = {
            f"{p.content_type.app_label}.{p.codename}"
            for p in Permission.objects.select_related("content_type")
        }
        assert held == wanted[role] & existing, role


@pytest.mark.django_db
def test_sensitive_data_permissions_by_role(users):
    can_reveal = {role for role, user in users.items() if user.has_perm("residents.view_sensitive")}
    assert can_reveal == {"manager", "supervisor", "housekeeper"}
    assert users["frontdesk"].has_perm("residents.verify_id_number")
    assert not users["technician"].has_perm("residents.view_person")
    assert users["company"].has_perm("staff.view_all_estates")
    assert not users["manager"].has_perm("staff.view_all_estates")


@pytest.mark.django_db
def test_sync_is_idempotent_and_restores_a_removed_permission():
    manager = Group.objects.get(name="manager")
    perm = Permission.objects.get(codename="view_sensitive")
    manager.permissions.remove(perm)
    sync_role_groups(Group, Permission)
    sync_role_groups(Group, Permission)
    assert manager.permissions.filter(pk=perm.pk).count() == 1
    assert Group.objects.filter(name="manager").count() == 1
