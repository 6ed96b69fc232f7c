from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ServicecenterConfig(AppConfig):
    name = "servicecenter"
    verbose_name = _("Service centre")

    def ready(self) -> None:
        from servicecenter import checks  # noqa: F401  (registers deploy checks)
