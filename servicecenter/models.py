"""The kernel's one table: a version stamp per user, read in the query that loads the user."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class UserStamp(models.Model):
    """Changes whenever what a user may see or do changes (`version`: roles, permissions, staff
    profile, estates, team) or their unread notifications do (`bell_version`).

    The session's user is loaded with this row (`servicecenter.authentication.StampedModelBackend`),
    so every request of every process knows the current stamp without another query, and the
    permissions, estate scope, menu and bell count derived from it are kept in process memory
    (`servicecenter.usercache`). The values are random tokens, never counters: a stamp seen once
    is never seen again, even after a row is deleted and made anew.

    No database constraint on the user: a stamp may be bumped while the user is being deleted
    (a staff profile's post_delete runs before its user's row goes), and a foreign key would then
    refuse the commit. A stamp left without its user is harmless and is removed with the user.
    """

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        primary_key=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="access_stamp",
        verbose_name=_("user"),
    )
    version = models.CharField(max_length=32)
    bell_version = models.CharField(max_length=32)

    class Meta:
        verbose_name = _("user stamp")
        verbose_name_plural = _("user stamps")

    def __str__(self) -> str:
        return f"{self.user_id}: {self.version}/{self.bell_version}"
