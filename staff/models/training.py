"""Training log (培训记录): sessions held for the staff of an estate and who attended, with the
assessment score each got."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from servicecenter.scoping import ScopedQuerySet


def training_upload_path(instance: TrainingSession, filename: str) -> str:
    suffix = filename.rsplit(".", 1)[-1].lower() if "." in filename else "bin"
    now = timezone.now()
    return f"training/{instance.estate_id}/{now:%Y/%m}/{now:%d%H%M%S%f}.{suffix[:8]}"


class TrainingSession(models.Model):
    estate = models.ForeignKey(
        "residents.Estate", on_delete=models.PROTECT, related_name="+", verbose_name=_("estate")
    )
    topic = models.CharField(_("topic"), max_length=200)
    session_date = models.DateField(_("date"))
    # A colleague, or someone from outside (a supplier, the fire brigade): then only a name.
    trainer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("trainer"),
    )
    trainer_name = models.CharField(_("trainer (outside)"), max_length=100, blank=True)
    materials_file = models.FileField(_("materials"), upload_to=training_upload_path, blank=True)
    materials_content_type = models.CharField(_("content type"), max_length=100, blank=True)
    materials_url = models.URLField(_("materials link"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("created by")
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("training session")
        verbose_name_plural = _("training sessions")
        ordering = ["-session_date", "-pk"]
        indexes = [models.Index(fields=["estate", "session_date"], name="training_estate_date_idx")]

    def __str__(self) -> str:
        return f"{self.session_date} {self.topic}"

    @property
    def trainer_label(self) -> str:
        if self.trainer_id:
            return self.trainer.get_full_name() or self.trainer.get_username()
        return self.trainer_name


class TrainingAttendance(models.Model):
    session = models.ForeignKey(
        TrainingSession, on_delete=models.CASCADE, related_name="attendances", verbose_name=_("session")
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="training_attendances",
        verbose_name=_("staff member"),
    )
    attended = models.BooleanField(_("attended"), default=True)
    score = models.PositiveSmallIntegerField(_("assessment score (0–100)"), null=True, blank=True)
    note = models.CharField(_("note"), max_length=200, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("recorded by")
    )
    recorded_at = models.DateTimeField(_("recorded at"), default=timezone.now)

    class QuerySet(ScopedQuerySet):
        estate_lookup = "session__estate"

    objects = QuerySet.as_manager()

    class Meta:
        verbose_name = _("training attendance")
        verbose_name_plural = _("training attendances")
        ordering = ["session_id", "user_id"]
        constraints = [
            models.UniqueConstraint(fields=["session", "user"], name="training_attendance_once"),
            models.CheckConstraint(
                condition=Q(score__isnull=True) | Q(score__lte=100), name="training_score_0_100"
            ),
            # Someone absent has no score: a score would count in averages as if assessed.
            models.CheckConstraint(
                condition=Q(attended=True) | Q(score__isnull=True), name="training_absent_no_score"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.session} {self.user}"
