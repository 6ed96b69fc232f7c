"""Move-in and handover (入伙): the owner's checklist, charges, the unit inspection and its defects,
keys, batches with appointment slots, spot checks and handover satisfaction.

The states of a move-in are declared once in `moveins.workflows`; `moveins.services` performs
them and writes one event row per transition.
"""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from billing.models import MONEY
from residents.models import resident_unit_ids
from servicecenter.scoping import ScopedQuerySet

# --- per-estate configuration ------------------------------------------------------------------


class ChecklistItemTemplate(models.Model):
    """One line of the estate's move-in checklist (defaults in `moveins.defaults`, from DOMAIN.md).
    Each move-in copies the active lines when it is scheduled, so a later change of the template
    does not rewrite a record already signed."""

    class Section(models.TextChoices):
        DOCUMENTS_CHECKED = "documents_checked", _("Owner's documents checked")
        AGREEMENTS_SIGNED = "agreements_signed", _("Agreements signed")
        DOCUMENTS_HANDED_OUT = "documents_handed_out", _("Documents handed out and signed for")
        ENTRUSTED_SERVICES = "entrusted_services", _("Entrusted services (委托代办)")

    estate = models.ForeignKey(
        "residents.Estate",
        on_delete=models.CASCADE,
        related_name="movein_checklist_templates",
        verbose_name=_("estate"),
    )
    section = models.CharField(_("section"), max_length=24, choices=Section.choices)
    name = models.CharField(_("name"), max_length=100)
    # The owner's ID is checked through the archive's ID check (residents.services), not by eye.
    is_id_check = models.BooleanField(_("checks the owner's ID number"), default=False)
    # A signed paper: its scan is stored as the archive's private document of the unit.
    needs_signed_copy = models.BooleanField(_("keep a signed copy"), default=False)
    is_required = models.BooleanField(_("required before the fees"), default=True)
    sort_order = models.PositiveSmallIntegerField(_("order"), default=100)
    is_active = models.BooleanField(_("active"), default=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("move-in checklist item")
        verbose_name_plural = _("move-in checklist items")
        ordering = ["estate_id", "sort_order", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["estate", "section", "name"], name="movein_template_unique")
        ]

    def __str__(self) -> str:
        return self.name


class ChargeRule(models.Model):
    """A move-in charge of the estate: a fixed one-off fee, N months of the unit's service fee
    paid in advance, or a deposit (held in billing's deposit ledger)."""

    class Kind(models.TextChoices):
        FEE = "fee", _("One-off fee")
        SERVICE_MONTHS = "service_months", _("Months of service fee in advance")
        DEPOSIT = "deposit", _("Deposit")

    estate = models.ForeignKey(
        "residents.Estate",
        on_delete=models.CASCADE,
        related_name="movein_charge_rules",
        verbose_name=_("estate"),
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    name = models.CharField(_("name"), max_length=100)
    # FEE and DEPOSIT: the amount; SERVICE_MONTHS: unused (the unit's own rate × months).
    amount = models.DecimalField(_("amount"), default=0, **MONEY)
    months = models.PositiveSmallIntegerField(_("months"), default=0)
    sort_order = models.PositiveSmallIntegerField(_("order"), default=100)
    is_active = models.BooleanField(_("active"), default=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("move-in charge")
        verbose_name_plural = _("move-in charges")
        ordering = ["estate_id", "sort_order", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["estate", "name"], name="movein_charge_rule_unique"),
            models.CheckConstraint(condition=Q(amount__gte=0), name="movein_charge_rule_not_negative"),
        ]

    def __str__(self) -> str:
        return self.name


# --- batches and slots -------------------------------------------------------------------------


class MoveInBatch(models.Model):
    """A bulk move-in (集中入伙) when an estate or a building opens: a date range with slots."""

    estate = models.ForeignKey(
        "residents.Estate", on_delete=models.PROTECT, related_name="movein_batches", verbose_name=_("estate")
    )
    name = models.CharField(_("name"), max_length=100)
    starts_on = models.DateField(_("first day"))
    ends_on = models.DateField(_("last day"))
    buildings = models.ManyToManyField(
        "residents.Building", blank=True, related_name="movein_batches", verbose_name=_("buildings")
    )
    notes = models.TextField(_("notes"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("created by"),
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class QuerySet(ScopedQuerySet):
        def running_on(self, day):
            return self.filter(starts_on__lte=day, ends_on__gte=day)

    objects = QuerySet.as_manager()

    class Meta:
        verbose_name = _("move-in batch")
        verbose_name_plural = _("move-in batches")
        ordering = ["-starts_on", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__gte=models.F("starts_on")), name="movein_batch_period"
            )
        ]

    def __str__(self) -> str:
        return self.name


class MoveInSlot(models.Model):
    """An appointment slot of a batch; at most `capacity` active move-ins are booked into it
    (`moveins.services.book_slot` locks the slot row to keep that true under concurrency)."""

    batch = models.ForeignKey(
        MoveInBatch, on_delete=models.CASCADE, related_name="slots", verbose_name=_("batch")
    )
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"))
    capacity = models.PositiveSmallIntegerField(_("capacity"), validators=[MinValueValidator(1)])

    class QuerySet(ScopedQuerySet):
        estate_lookup = "batch__estate"

    objects = QuerySet.as_manager()

    class Meta:
        verbose_name = _("move-in slot")
        verbose_name_plural = _("move-in slots")
        ordering = ["starts_at", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(ends_at__gt=models.F("starts_at")), name="movein_slot_period"),
            models.CheckConstraint(condition=Q(capacity__gte=1), name="movein_slot_capacity"),
        ]

    def __str__(self) -> str:
        return f"{self.batch} {timezone.localtime(self.starts_at):%Y-%m-%d %H:%M}"


# --- the move-in -------------------------------------------------------------------------------


class MoveInCounter(models.Model):
    estate = models.ForeignKey("residents.Estate", on_delete=models.CASCADE, related_name="+")
    year = models.PositiveSmallIntegerField()
    last_number = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["estate", "year"], name="movein_counter_unique")]

    def __str__(self) -> str:
        return f"{self.estate_id}/{self.year}: {self.last_number}"


class MoveIn(models.Model):
    """One owner taking over one unit, from the appointment to the keys."""

    class Status(models.TextChoices):
        SCHEDULED = "scheduled", pgettext_lazy("move-in status", "Scheduled")
        DOCUMENTS = "documents", pgettext_lazy("move-in status", "Documents")
        FEES = "fees", pgettext_lazy("move-in status", "Fees")
        INSPECTION = "inspection", pgettext_lazy("move-in status", "Inspection")
        RECTIFICATION = "rectification", pgettext_lazy("move-in status", "Rectification")
        KEYS = "keys", pgettext_lazy("move-in status", "Keys")
        COMPLETED = "completed", pgettext_lazy("move-in status", "Completed")
        CANCELLED = "cancelled", pgettext_lazy("move-in status", "Cancelled")

    OPEN = (
        Status.SCHEDULED,
        Status.DOCUMENTS,
        Status.FEES,
        Status.INSPECTION,
        Status.RECTIFICATION,
        Status.KEYS,
    )
    FINISHED = (Status.COMPLETED, Status.CANCELLED)

    estate = models.ForeignKey(
        "residents.Estate", on_delete=models.PROTECT, related_name="move_ins", verbose_name=_("estate")
    )
    unit = models.ForeignKey(
        "residents.Unit", on_delete=models.PROTECT, related_name="move_ins", verbose_name=_("unit")
    )
    owner = models.ForeignKey(
        "residents.Person", on_delete=models.PROTECT, related_name="move_ins", verbose_name=_("owner")
    )
    # "RH2026-0007": per estate and year.
    number = models.CharField(_("number"), max_length=30, unique=True)
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.SCHEDULED, db_index=True
    )
    batch = models.ForeignKey(
        MoveInBatch,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="move_ins",
        verbose_name=_("batch"),
    )
    slot = models.ForeignKey(
        MoveInSlot,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="move_ins",
        verbose_name=_("appointment slot"),
    )
    scheduled_for = models.DateTimeField(_("appointment"), null=True, blank=True)
    notes = models.TextField(_("notes"), blank=True)

    started_at = models.DateTimeField(_("owner arrived at"), null=True, blank=True)
    fees_waived_at = models.DateTimeField(_("charges waived at"), null=True, blank=True)
    fees_waived_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("charges waived by"),
    )
    fees_waiver_reason = models.CharField(_("reason for the waiver"), max_length=300, blank=True)
    keys_handed_at = models.DateTimeField(_("keys handed over at"), null=True, blank=True)
    keys_handed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("keys handed over by"),
    )
    keys_signed_by = models.CharField(_("keys signed for by"), max_length=100, blank=True)
    completed_at = models.DateTimeField(_("completed at"), null=True, blank=True)
    cancelled_at = models.DateTimeField(_("cancelled at"), null=True, blank=True)

    # 业主接房满意率: the owner's rating of the handover, from the portal or at the desk.
    satisfaction = models.PositiveSmallIntegerField(
        _("handover satisfaction"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(5)],
    )
    satisfaction_comment = models.CharField(_("comment"), max_length=500, blank=True)
    satisfaction_at = models.DateTimeField(_("rated at"), null=True, blank=True)

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("registered by"),
    )
    created_at = models.DateTimeField(_("registered at"), default=timezone.now, db_index=True)
    idempotency_key = models.CharField(max_length=64, blank=True, editable=False)

    class QuerySet(ScopedQuerySet):
        def for_resident(self, user):
            # The units they occupy, and their own move-in still open: an owner whose unit is not
            # handed over yet occupies nothing, but follows and books the move-in in the portal.
            return self.filter(
                Q(unit__in=resident_unit_ids(user)) | Q(owner__user=user, status__in=MoveIn.OPEN)
            )

        def open(self):
            return self.filter(status__in=MoveIn.OPEN)

        def pending_for_owner(self, user):
            """The user's own move-ins not yet completed (`servicecenter.portal` admission)."""
            if user is None or not user.is_authenticated:
                return self.none()
            return self.filter(owner__user=user, status__in=MoveIn.OPEN)

    objects = QuerySet.as_manager()

    class Meta:
        verbose_name = _("move-in")
        verbose_name_plural = _("move-ins")
        ordering = ["-created_at", "-pk"]
        permissions = [
            ("handle_movein", _("Can register move-ins and work their checklist")),
            ("inspect_movein", _("Can record move-in inspections and defects")),
            ("hand_over_keys", _("Can hand over keys")),
            ("waive_movein_fees", _("Can waive move-in charges")),
            ("cancel_movein", _("Can cancel move-ins")),
            ("manage_movein_batches", _("Can manage move-in batches and slots")),
            ("spot_check_movein", _("Can spot-check move-in records")),
            ("view_warranty_report", _("Can view the warranty defect report")),
        ]
        constraints = [
            # One open move-in per unit: a second one is refused (and the database agrees).
            models.UniqueConstraint(
                fields=["unit"],
                condition=~Q(status__in=["completed", "cancelled"]),
                name="movein_one_open_per_unit",
            ),
            models.UniqueConstraint(
                fields=["estate", "idempotency_key"],
                condition=~Q(idempotency_key=""),
                name="movein_idempotency_key_unique",
            ),
            models.CheckConstraint(
                condition=Q(satisfaction__isnull=True) | Q(satisfaction__gte=1, satisfaction__lte=5),
                name="movein_satisfaction_1_5",
            ),
        ]
        indexes = [models.Index(fields=["estate", "status", "scheduled_for"], name="movein_desk_idx")]

    def __str__(self) -> str:
        return self.number


class MoveInEvent(models.Model):
    """One line of a move-in's timeline: a transition (who, when, from, to, note)."""

    move_in = models.ForeignKey(
        MoveIn, on_delete=models.CASCADE, related_name="events", verbose_name=_("move-in")
    )
    action = models.CharField(_("action"), max_length=40)
    from_status = models.CharField(_("from"), max_length=16, choices=MoveIn.Status.choices, blank=True)
    to_status = models.CharField(_("to"), max_length=16, choices=MoveIn.Status.choices, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("who"),
        help_text=_("Empty when the system did it."),
    )
    note = models.TextField(_("note"), blank=True)
    created_at = models.DateTimeField(_("when"), default=timezone.now)

    class QuerySet(ScopedQuerySet):
        estate_lookup = "move_in__estate"

        def for_resident(self, user):
            return self.filter(move_in__unit__in=resident_unit_ids(user))

    objects = QuerySet.as_manager()

    class Meta:
        verbose_name = _("move-in event")
        verbose_name_plural = _("move-in events")
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"{self.move_in} {self.action}"


class ChecklistItem(models.Model):
    """A checklist line of one move-in (copied from the template): who did it and when."""

    move_in = models.ForeignKey(
        MoveIn, on_delete=models.CASCADE, related_name="checklist", verbose_name=_("move-in")
    )
    template = models.ForeignKey(
        ChecklistItemTemplate,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("template"),
    )
    section = models.CharField(_("section"), max_length=24, choices=ChecklistItemTemplate.Section.choices)
    name = models.CharField(_("name"), max_length=100)
    is_id_check = models.BooleanField(_("checks the owner's ID number"), default=False)
    needs_signed_copy = models.BooleanField(_("keep a signed copy"), default=False)
    is_required = models.BooleanField(_("required before the fees"), default=True)
    sort_order = models.PositiveSmallIntegerField(_("order"), default=100)
    done_at = models.DateTimeField(_("done at"), null=True, blank=True)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("done by"),
    )
    note = models.CharField(_("note"), max_length=300, blank=True)
    # The signed paper, stored as the archive's private document of the unit.
    document = models.ForeignKey(
        "residents.ArchiveDocument",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("signed copy"),
    )

    class QuerySet(ScopedQuerySet):
        estate_lookup = "move_in__estate"

        def for_resident(self, user):
            return self.filter(move_in__unit__in=resident_unit_ids(user))

    objects = QuerySet.as_manager()

    class Meta:
        verbose_name = _("move-in checklist line")
        verbose_name_plural = _("move-in checklist lines")
        ordering = ["move_in_id", "sort_order", "pk"]

    def __str__(self) -> str:
        return self.name


class MoveInCharge(models.Model):
    """A charge of one move-in: a one-off bill through billing, or a deposit taken into billing's
    deposit ledger. One row per rule and move-in."""

    move_in = models.ForeignKey(
        MoveIn, on_delete=models.CASCADE, related_name="charges", verbose_name=_("move-in")
    )
    rule = models.ForeignKey(
        ChargeRule, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("rule")
    )
    kind = models.CharField(_("kind"), max_length=20, choices=ChargeRule.Kind.choices)
    name = models.CharField(_("name"), max_length=100)
    amount = models.DecimalField(_("amount"), **MONEY)
    bill = models.OneToOneField(
        "billing.Bill",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("bill"),
    )
    deposit_account = models.OneToOneField(
        "billing.DepositAccount",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("deposit account"),
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class QuerySet(ScopedQuerySet):
        estate_lookup = "move_in__estate"

        def for_resident(self, user):
            return self.filter(move_in__unit__in=resident_unit_ids(user))

    objects = QuerySet.as_manager()

    class Meta:
        verbose_name = _("move-in charge line")
        verbose_name_plural = _("move-in charge lines")
        ordering = ["move_in_id", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["move_in", "name"], name="movein_charge_once"),
            models.CheckConstraint(condition=Q(amount__gte=0), name="movein_charge_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.move_in} {self.name}"


class Inspection(models.Model):
    """The unit inspection with the owner (验房), or a re-inspection after rectification."""

    class Result(models.TextChoices):
        PASSED = "passed", pgettext_lazy("inspection result", "Passed")
        DEFECTS = "defects", _("Defects found")

    move_in = models.ForeignKey(
        MoveIn, on_delete=models.CASCADE, related_name="inspections", verbose_name=_("move-in")
    )
    is_reinspection = models.BooleanField(_("re-inspection"), default=False)
    result = models.CharField(_("result"), max_length=10, choices=Result.choices)
    inspected_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("inspected by")
    )
    inspected_at = models.DateTimeField(_("inspected at"), default=timezone.now)
    note = models.TextField(_("note"), blank=True)

    class QuerySet(ScopedQuerySet):
        estate_lookup = "move_in__estate"

        def for_resident(self, user):
            return self.filter(move_in__unit__in=resident_unit_ids(user))

    objects = QuerySet.as_manager()

    class Meta:
        verbose_name = _("move-in inspection")
        verbose_name_plural = _("move-in inspections")
        ordering = ["move_in_id", "inspected_at", "pk"]

    def __str__(self) -> str:
        return f"{self.move_in} {self.get_result_display()}"


class Defect(models.Model):
    """A defect found at the inspection: it becomes a ticket for the engineering team or the
    developer's warranty team, with the rectification deadline as its resolution deadline; the
    re-inspection closes it."""

    class Responsible(models.TextChoices):
        ENGINEERING = "engineering", _("Engineering team")
        WARRANTY = "warranty", _("Developer's warranty team")

    move_in = models.ForeignKey(
        MoveIn, on_delete=models.CASCADE, related_name="defects", verbose_name=_("move-in")
    )
    inspection = models.ForeignKey(
        Inspection, on_delete=models.CASCADE, related_name="defects", verbose_name=_("inspection")
    )
    location = models.CharField(_("where in the unit"), max_length=100)
    description = models.TextField(_("description"))
    category = models.ForeignKey(
        "tickets.TicketCategory",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("category"),
    )
    responsible = models.CharField(
        _("rectified by"), max_length=12, choices=Responsible.choices, default=Responsible.WARRANTY
    )
    deadline = models.DateField(_("rectification deadline"))
    ticket = models.OneToOneField(
        "tickets.Ticket",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="movein_defect",
        verbose_name=_("ticket"),
    )
    closed_at = models.DateTimeField(_("closed at re-inspection"), null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("closed by"),
    )
    created_at = models.DateTimeField(_("recorded at"), default=timezone.now)

    class QuerySet(ScopedQuerySet):
        estate_lookup = "move_in__estate"

        def for_resident(self, user):
            return self.filter(move_in__unit__in=resident_unit_ids(user))

        def open(self):
            return self.filter(closed_at__isnull=True)

    objects = QuerySet.as_manager()

    class Meta:
        verbose_name = _("handover defect")
        verbose_name_plural = _("handover defects")
        ordering = ["move_in_id", "pk"]

    def __str__(self) -> str:
        return f"{self.location}: {self.description[:40]}"


def defect_photo_path(instance: DefectPhoto, filename: str) -> str:
    suffix = filename.rsplit(".", 1)[-1].lower() if "." in filename else "bin"
    now = timezone.now()
    return f"moveins/{instance.defect.move_in.estate_id}/{now:%Y/%m}/{now:%d%H%M%S%f}.{suffix[:8]}"


class DefectPhoto(models.Model):
    """A photo of a defect: checked and re-encoded like every upload (servicecenter.uploads)."""

    defect = models.ForeignKey(
        Defect, on_delete=models.CASCADE, related_name="photos", verbose_name=_("defect")
    )
    file = models.FileField(_("file"), upload_to=defect_photo_path)
    original_name = models.CharField(_("file name"), max_length=255)
    content_type = models.CharField(_("content type"), max_length=100)
    size = models.PositiveIntegerField(_("size (bytes)"))
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("uploaded by")
    )
    uploaded_at = models.DateTimeField(_("uploaded at"), default=timezone.now)

    class QuerySet(ScopedQuerySet):
        estate_lookup = "defect__move_in__estate"

        def for_resident(self, user):
            return self.filter(defect__move_in__unit__in=resident_unit_ids(user))

    objects = QuerySet.as_manager()

    class Meta:
        verbose_name = _("defect photo")
        verbose_name_plural = _("defect photos")
        ordering = ["defect_id", "pk"]

    def __str__(self) -> str:
        return self.original_name


class OpeningReading(models.Model):
    """A meter's reading at handover, recorded as the meter's reading in billing (the first
    reading the owner pays from)."""

    move_in = models.ForeignKey(
        MoveIn, on_delete=models.CASCADE, related_name="opening_readings", verbose_name=_("move-in")
    )
    meter = models.ForeignKey(
        "billing.Meter", on_delete=models.PROTECT, related_name="+", verbose_name=_("meter")
    )
    reading = models.OneToOneField(
        "billing.MeterReading", on_delete=models.PROTECT, related_name="+", verbose_name=_("reading")
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("recorded by")
    )
    recorded_at = models.DateTimeField(_("recorded at"), default=timezone.now)

    class QuerySet(ScopedQuerySet):
        estate_lookup = "move_in__estate"

    objects = QuerySet.as_manager()

    class Meta:
        verbose_name = _("opening meter reading")
        verbose_name_plural = _("opening meter readings")
        ordering = ["move_in_id", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["move_in", "meter"], name="movein_opening_reading_once")
        ]

    def __str__(self) -> str:
        return f"{self.move_in} {self.meter}"


class HandedKey(models.Model):
    """What was handed over at the key sign-off (钥匙签收): how many of what."""

    move_in = models.ForeignKey(
        MoveIn, on_delete=models.CASCADE, related_name="keys", verbose_name=_("move-in")
    )
    kind = models.CharField(_("key"), max_length=50)
    count = models.PositiveSmallIntegerField(_("how many"), validators=[MinValueValidator(1)])

    class QuerySet(ScopedQuerySet):
        estate_lookup = "move_in__estate"

        def for_resident(self, user):
            return self.filter(move_in__unit__in=resident_unit_ids(user))

    objects = QuerySet.as_manager()

    class Meta:
        verbose_name = _("handed-over key")
        verbose_name_plural = _("handed-over keys")
        ordering = ["move_in_id", "pk"]
        constraints = [models.CheckConstraint(condition=Q(count__gte=1), name="movein_key_count_positive")]

    def __str__(self) -> str:
        return f"{self.kind} ×{self.count}"


class SpotCheck(models.Model):
    """The manager's check of a move-in record (4 a month while a batch runs, 1 otherwise)."""

    class Result(models.TextChoices):
        IN_ORDER = "in_order", _("In order")
        FINDINGS = "findings", _("Findings to follow up")

    estate = models.ForeignKey(
        "residents.Estate",
        on_delete=models.PROTECT,
        related_name="movein_spot_checks",
        verbose_name=_("estate"),
    )
    move_in = models.ForeignKey(
        MoveIn, on_delete=models.CASCADE, related_name="spot_checks", verbose_name=_("move-in")
    )
    result = models.CharField(_("result"), max_length=10, choices=Result.choices)
    findings = models.TextField(_("findings"), blank=True)
    checked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("checked by")
    )
    checked_at = models.DateTimeField(_("checked at"), default=timezone.now, db_index=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("move-in spot check")
        verbose_name_plural = _("move-in spot checks")
        ordering = ["-checked_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.move_in} {self.get_result_display()}"


class SpotCheckReminder(models.Model):
    """The reminder sent for one estate and month, so the beat task reminds once (idempotent)."""

    estate = models.ForeignKey("residents.Estate", on_delete=models.CASCADE, related_name="+")
    month = models.DateField()
    required = models.PositiveSmallIntegerField()
    sent_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["estate", "month"], name="movein_spot_reminder_once")]

    def __str__(self) -> str:
        return f"{self.estate_id} {self.month:%Y-%m}"
