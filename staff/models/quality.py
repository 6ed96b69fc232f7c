"""Quality supervision (品质巡检/督办): checklists per estate and team kind, inspection rounds with
one result per checklist item, rectification orders issued to a team with a deadline, and the
corrective and preventive actions (CAPA) recorded against repeated findings."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from servicecenter.scoping import ScopedQuerySet
from staff.models.base import Team


class InspectionChecklist(models.Model):
    estate = models.ForeignKey(
        "residents.Estate",
        on_delete=models.PROTECT,
        related_name="inspection_checklists",
        verbose_name=_("estate"),
    )
    team_kind = models.CharField(_("team kind"), max_length=20, choices=Team.Kind.choices)
    name = models.CharField(_("name"), max_length=100)
    is_active = models.BooleanField(_("active"), default=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("inspection checklist")
        verbose_name_plural = _("inspection checklists")
        ordering = ["estate_id", "team_kind", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["estate", "name"], name="inspection_checklist_name_unique_per_estate"
            )
        ]

    def __str__(self) -> str:
        return self.name


class InspectionChecklistItem(models.Model):
    checklist = models.ForeignKey(
        InspectionChecklist, on_delete=models.CASCADE, related_name="items", verbose_name=_("checklist")
    )
    text = models.CharField(_("item"), max_length=200)
    sort_order = models.PositiveIntegerField(_("order"), default=0)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("checklist item")
        verbose_name_plural = _("checklist items")
        ordering = ["checklist_id", "sort_order", "pk"]

    def __str__(self) -> str:
        return self.text


class QualityInspection(models.Model):
    """One inspection round of one team's work against a checklist."""

    estate = models.ForeignKey(
        "residents.Estate",
        on_delete=models.PROTECT,
        related_name="quality_inspections",
        verbose_name=_("estate"),
    )
    checklist = models.ForeignKey(
        InspectionChecklist, on_delete=models.PROTECT, related_name="inspections", verbose_name=_("checklist")
    )
    team = models.ForeignKey(
        Team, on_delete=models.PROTECT, related_name="quality_inspections", verbose_name=_("team")
    )
    inspected_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("inspected by")
    )
    inspected_at = models.DateTimeField(_("inspected at"))
    note = models.TextField(_("note"), blank=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("quality inspection")
        verbose_name_plural = _("quality inspections")
        ordering = ["-inspected_at", "-pk"]
        permissions = [
            ("inspect_quality", _("Can carry out quality inspections and issue rectification orders"))
        ]

    def __str__(self) -> str:
        return f"{self.checklist} {self.inspected_at:%Y-%m-%d}"


class Finding(models.Model):
    """The result of one checklist item in a round: passed, or failed with a note and a photo."""

    inspection = models.ForeignKey(
        QualityInspection, on_delete=models.CASCADE, related_name="findings", verbose_name=_("inspection")
    )
    item = models.ForeignKey(
        InspectionChecklistItem,
        on_delete=models.PROTECT,
        related_name="findings",
        verbose_name=_("checklist item"),
    )
    passed = models.BooleanField(_("passed"))
    note = models.TextField(_("note"), blank=True)
    photo = models.FileField(_("photo"), upload_to="quality/findings/%Y/%m/", blank=True)
    photo_content_type = models.CharField(max_length=100, blank=True)

    class Meta:
        verbose_name = _("finding")
        verbose_name_plural = _("findings")
        ordering = ["inspection_id", "item__sort_order", "pk"]
        constraints = [models.UniqueConstraint(fields=["inspection", "item"], name="finding_one_per_item")]

    def __str__(self) -> str:
        return str(self.item)


class RectificationOrder(models.Model):
    class Status(models.TextChoices):
        ISSUED = "issued", _("Issued")
        RECTIFIED = "rectified", _("Rectified")
        VERIFIED = "verified", _("Verified")
        ESCALATED = "escalated", _("Escalated")

    OPEN = (Status.ISSUED, Status.ESCALATED)

    estate = models.ForeignKey(
        "residents.Estate",
        on_delete=models.PROTECT,
        related_name="rectification_orders",
        verbose_name=_("estate"),
    )
    inspection = models.ForeignKey(
        QualityInspection, on_delete=models.PROTECT, related_name="orders", verbose_name=_("inspection")
    )
    finding = models.ForeignKey(
        Finding,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="orders",
        verbose_name=_("finding"),
    )
    team = models.ForeignKey(
        Team, on_delete=models.PROTECT, related_name="rectification_orders", verbose_name=_("team")
    )
    description = models.TextField(_("what to rectify"))
    deadline = models.DateTimeField(_("deadline"))
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.ISSUED)
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("issued by")
    )
    issued_at = models.DateTimeField(_("issued at"))
    rectified_at = models.DateTimeField(_("rectified at"), null=True, blank=True)
    verified_at = models.DateTimeField(_("verified at"), null=True, blank=True)
    escalated_at = models.DateTimeField(_("escalated at"), null=True, blank=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("rectification order")
        verbose_name_plural = _("rectification orders")
        ordering = ["deadline", "pk"]
        permissions = [
            ("rectify_rectificationorder", _("Can report a rectification order done")),
            ("verify_rectificationorder", _("Can verify or send back a rectification")),
        ]
        indexes = [models.Index(fields=["status", "deadline"], name="rectification_due_idx")]

    def __str__(self) -> str:
        return f"#{self.pk} {self.description[:30]}"


class RectificationOrderEvent(models.Model):
    order = models.ForeignKey(RectificationOrder, on_delete=models.CASCADE, related_name="events")
    action = models.CharField(max_length=40)
    from_status = models.CharField(max_length=20, blank=True)
    to_status = models.CharField(max_length=20)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    note = models.TextField(blank=True)
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"{self.action}: {self.from_status} → {self.to_status}"


class CorrectiveAction(models.Model):
    """CAPA: the cause found and the corrective and preventive actions taken against a checklist
    item that keeps failing."""

    estate = models.ForeignKey(
        "residents.Estate",
        on_delete=models.PROTECT,
        related_name="corrective_actions",
        verbose_name=_("estate"),
    )
    item = models.ForeignKey(
        InspectionChecklistItem,
        on_delete=models.PROTECT,
        related_name="corrective_actions",
        verbose_name=_("checklist item"),
    )
    cause = models.TextField(_("cause"))
    corrective_action = models.TextField(_("corrective action"))
    preventive_action = models.TextField(_("preventive action"), blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("recorded by")
    )
    recorded_at = models.DateTimeField(_("recorded at"))

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("corrective and preventive action")
        verbose_name_plural = _("corrective and preventive actions")
        ordering = ["-recorded_at", "-pk"]

    def __str__(self) -> str:
        return self.cause[:40]
