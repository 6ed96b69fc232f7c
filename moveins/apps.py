from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


def _seed_new_estate(sender, instance, created, raw=False, **kwargs) -> None:
    # A new estate can register move-ins at once: it gets the default checklist and charges.
    if created and not raw:
        from moveins.defaults import ensure_movein_defaults

        ensure_movein_defaults(instance)


class MoveinsConfig(AppConfig):
    name = "moveins"
    verbose_name = _("Move-in and handover")

    def ready(self) -> None:
        from django.db.models.signals import post_save

        post_save.connect(_seed_new_estate, sender="residents.Estate", dispatch_uid="moveins.seed_new_estate")
