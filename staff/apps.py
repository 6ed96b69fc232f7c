from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


def _sync_roles(sender, using="default", apps=None, **kwargs) -> None:
    from django.apps import apps as global_apps
    from django.contrib.auth.management import create_permissions
    from django.contrib.auth.models import Group, Permission

    from staff.roles import sync_role_groups

    # post_migrate reaches apps one by one; make sure every app's permissions exist before syncing.
    for app_config in global_apps.get_app_configs():
        create_permissions(app_config, verbosity=0, using=using)
    sync_role_groups(Group, Permission)


def _seed_new_estate(sender, instance, created, raw=False, **kwargs) -> None:
    # A new estate can be rostered at once: it gets the usual shift types and reception hours.
    if created and not raw:
        from staff.defaults import ensure_roster_defaults

        ensure_roster_defaults(instance)


class StaffConfig(AppConfig):
    name = "staff"
    verbose_name = _("Staff")

    def ready(self) -> None:
        from servicecenter.scoping import register_staff_reach
        from staff.selectors import staff_reach

        # The kernel's scoping imports no app: it learns where staff work through this provider.
        register_staff_reach(staff_reach)
        from servicecenter.outbound import register_sms_sender
        from staff.services import queue_secret_sms

        # The archive texts activation and reset codes to people without a login yet.
        register_sms_sender(queue_secret_sms)
        self._bump_stamps_on_reach_changes()
        from django.db.models.signals import post_save

        post_save.connect(_seed_new_estate, sender="residents.Estate", dispatch_uid="staff.seed_new_estate")
        post_migrate.connect(_sync_roles, sender=self, dispatch_uid="staff.sync_roles")

    def _bump_stamps_on_reach_changes(self) -> None:
        # Where a staff member works is cached per request stamp (servicecenter.usercache): a
        # profile saved or deleted, or its estates changed from either side, bumps its user's stamp.
        from servicecenter.usercache import bump_access_on_m2m, bump_access_on_save
        from staff.models import StaffProfile

        def users_of_profiles(profile_ids):
            return StaffProfile.objects.filter(pk__in=list(profile_ids)).values_list("user_id", flat=True)

        bump_access_on_save(StaffProfile, lambda profile: [profile.user_id], uid="staff_profile")
        bump_access_on_m2m(StaffProfile.estates, users_of_profiles, uid="staff_profile_estates")
