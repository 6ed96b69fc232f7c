from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


def _seed_new_estate(sender, instance, created, raw=False, **kwargs) -> None:
    # A new estate can take renovation applications at once: it gets the default scope items
    # (its rules fall back to the defaults until the manager saves some; holidays are shared).
    if created and not raw:
        from renovations.defaults import apply_default_scope_items
        from renovations.models import ScopeItem

        apply_default_scope_items(estate_id=instance.pk, scope_item_model=ScopeItem)


class RenovationsConfig(AppConfig):
    name = "renovations"
    verbose_name = _("Renovations")

    def ready(self) -> None:
        from django.db.models.signals import post_save

        post_save.connect(
            _seed_new_estate, sender="residents.Estate", dispatch_uid="renovations.seed_new_estate"
        )

        from renovations import panels
        from renovations.workflows import guard_linked_complaints
        from servicecenter.panels import register_portal_panel, register_unit_panel

        guard_linked_complaints()

        from renovations.services.deposit_online import register as register_online_deposit

        register_online_deposit()
        register_unit_panel(
            order=25,
            template="renovations/_unit_renovations.html",
            context=panels.unit_renovations_context,
            permission="renovations.view_renovation",
        )
        register_portal_panel(
            order=30,
            template="renovations/portal/_panel.html",
            context=panels.portal_renovations_context,
            probe=panels.portal_renovations_probe,
            empty=panels.portal_renovations_empty,
        )
