from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ServicecenterConfig(AppConfig):
    name = "servicecenter"
    verbose_name = _("Service centre")

    def ready(self) -> None:
        from servicecenter import checks, login_throttle  # noqa: F401  (register system checks)

        self._connect_token_revocation()
        from servicecenter.usercache import connect_auth_signals

        # Roles and permissions are cached per user stamp; the auth models bump it (issue #16).
        connect_auth_signals()
        self._register_report_sources()

    def _register_report_sources(self) -> None:
        # The monthly report (dashboards) names staff performance highlights, a cross-app read
        # that lives in this top layer, which the dashboards app may not import.
        from dashboards.reports import register_performance_source
        from servicecenter.performance import estate_performance

        register_performance_source(estate_performance)

    def _connect_token_revocation(self) -> None:
        from django.conf import settings
        from django.contrib.auth.signals import user_logged_out
        from django.db.models.signals import post_save, pre_save

        from servicecenter import authentication

        user_logged_out.connect(
            authentication.revoke_tokens_on_logout, dispatch_uid="revoke_tokens_on_logout"
        )
        pre_save.connect(
            authentication.note_credential_change,
            sender=settings.AUTH_USER_MODEL,
            dispatch_uid="note_credential_change",
        )
        post_save.connect(
            authentication.revoke_tokens_after_credential_change,
            sender=settings.AUTH_USER_MODEL,
            dispatch_uid="revoke_tokens_after_credential_change",
        )
