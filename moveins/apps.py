from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MoveinsConfig(AppConfig):
    name = "moveins"
    verbose_name = _("Move-in and handover")
