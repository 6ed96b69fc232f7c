"""Renovation management (装修管理): applications, review, the permit, workers and their passes,
daily patrols, violations (违章), acceptance, the second inspection and the deposit refund.

The states of a renovation and of a violation are declared once in `renovations.workflows`;
`renovations.services` performs them and writes one event row per transition.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from billing.models import MONEY
from residents.models import resident_unit_ids
from servicecenter.crypto import encrypt_text, keyed_hash
from servicecenter.scoping import ScopedQuerySet
from servicecenter.validators import mask_id_number, mask_mobile, normalize_id_number


class ScopeItem(models.Model):
    """One kind of work an application may include (水电改造, 墙面粉刷, 拆改墙体 …), per estate.
    Whether it makes a renovation non-regular (非常规: walls and structure, plumbing and gas,
    facade and windows, waterproofing) is data on the item, not code."""

    class Area(models.TextChoices):
        STRUCTURE = "structure", _("Walls and structure")
        PLUMBING_GAS = "plumbing_gas", _("Plumbing and gas")
        FACADE_WINDOWS = "facade_windows", _("Facade and windows")
        WATERPROOFING = "waterproofing", _("Waterproofing")
        ELECTRICAL = "electrical", _("Electrical")
        FINISHING = "finishing", _("Finishing (floors, walls, ceilings)")
        FITTINGS = "fittings", _("Fittings and furniture")
        OTHER = "other", pgettext_lazy("scope area", "Other")

    estate = models.ForeignKey(
        "residents.Estate",
        on_delete=models.PROTECT,
        related_name="renovation_scope_items",
        verbose_name=_("estate"),
    )
    name = models.CharField(_("name"), max_length=100)
    area = models.CharField(_("area"), max_length=20, choices=Area.choices, default=Area.OTHER)
    is_regular = models.BooleanField(
        _("regular work"),
        default=True,
        help_text=_(
            "Untick for work that needs an engineering review (非常规): structure, plumbing and gas, "
            "facade and windows, waterproofing."
        ),
    )
    is_noisy = models.BooleanField(_("noisy work"), default=False)
    description = models.CharField(_("description"), max_length=300, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    sort_order = models.PositiveSmallIntegerField(_("order"), default=100)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("renovation scope item")
        verbose_name_plural = _("renovation scope items")
        ordering = ["estate_id", "sort_order", "name"]
        constraints = [models.UniqueConstraint(fields=["estate", "name"], name="scope_item_name_unique")]

    def __str__(self) -> str:
        return self.name


class RenovationRules(models.Model):
    """The estate's renovation rules: working hours printed on the permit and passes, the charges,
    and how long after acceptance the second inspection comes."""

    estate = models.OneToOneField(
        "residents.Estate",
        on_delete=models.CASCADE,
        related_name="renovation_rules",
        verbose_name=_("estate"),
    )
    # "08:00-12:00,14:00-18:00": one or more periods a day.
    weekday_hours = models.CharField(
        _("weekday working hours"), max_length=100, default="08:00-12:00,14:00-18:00"
    )
    weekend_hours = models.CharField(
        _("weekend working hours"),
        max_length=100,
        default="09:00-12:00,14:00-17:00",
        help_text=_("Quiet work only; leave empty for no work at weekends."),
    )
    noisy_work_at_weekends = models.BooleanField(_("noisy work allowed at weekends"), default=False)
    noisy_work_on_holidays = models.BooleanField(_("noisy work allowed on public holidays"), default=False)
    deposit_amount = models.DecimalField(_("renovation deposit"), default=3000, **MONEY)
    rubbish_fee = models.DecimalField(_("rubbish removal fee"), default=500, **MONEY)
    pass_card_fee = models.DecimalField(_("pass card fee (per worker)"), default=10, **MONEY)
    second_inspection_days = models.PositiveSmallIntegerField(
        _("days from acceptance to the second inspection"), default=90
    )
    max_duration_days = models.PositiveSmallIntegerField(_("longest permitted period (days)"), default=180)
    rules_text = models.TextField(_("rules printed on the permit"), blank=True)

    class Meta:
        verbose_name = _("renovation rules")
        verbose_name_plural = _("renovation rules")

    def __str__(self) -> str:
        return str(self.estate)


class PublicHoliday(models.Model):
    """A day with no noisy work (法定节假日). Estate empty: every estate."""

    estate = models.ForeignKey(
        "residents.Estate",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="public_holidays",
        verbose_name=_("estate"),
    )
    date = models.DateField(_("date"))
    name = models.CharField(_("name"), max_length=100)

    class Meta:
        verbose_name = _("public holiday")
        verbose_name_plural = _("public holidays")
        ordering = ["date"]
        constraints = [models.UniqueConstraint(fields=["estate", "date"], name="public_holiday_unique")]

    def __str__(self) -> str:
        return f"{self.date} {self.name}"


class RenovationCounter(models.Model):
    estate = models.ForeignKey("residents.Estate", on_delete=models.CASCADE, related_name="+")
    year = models.PositiveSmallIntegerField()
    last_number = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["estate", "year"], name="renovation_counter_unique")]

    def __str__(self) -> str:
        return f"{self.estate_id}/{self.year}: {self.last_number}"


class Renovation(models.Model):
    """One renovation of one unit, from the owner's application to the deposit refund."""

    class Status(models.TextChoices):
        SUBMITTED = "submitted", pgettext_lazy("renovation status", "Submitted")
        ENGINEERING_REVIEW = "engineering_review", _("Engineering review")
        MANAGER_REVIEW = "manager_review", _("Manager review")
        CHANGES_REQUESTED = "changes_requested", _("Changes requested")
        REJECTED = "rejected", pgettext_lazy("renovation status", "Rejected")
        APPROVED = "approved", pgettext_lazy("renovation status", "Approved")
        PERMITTED = "permitted", _("Permit issued")
        IN_PROGRESS = "in_progress", pgettext_lazy("renovation status", "Works in progress")
        STOPPED = "stopped", _("Works stopped")
        COMPLETION_REQUESTED = "completion_requested", _("Completion requested")
        ACCEPTED = "accepted", pgettext_lazy("renovation status", "Accepted")
        SECOND_INSPECTION = "second_inspection", _("Second inspection passed")
        REFUNDED = "refunded", _("Deposit refunded")
        CLOSED = "closed", pgettext_lazy("renovation status", "Closed")
        WITHDRAWN = "withdrawn", pgettext_lazy("renovation status", "Withdrawn")

    # The states in which works may be going on at the unit (patrols, worker passes).
    ACTIVE = (Status.PERMITTED, Status.IN_PROGRESS, Status.STOPPED, Status.COMPLETION_REQUESTED)
    UNDER_REVIEW = (
        Status.SUBMITTED,
        Status.ENGINEERING_REVIEW,
        Status.MANAGER_REVIEW,
        Status.CHANGES_REQUESTED,
    )
    FINISHED = (Status.REJECTED, Status.CLOSED, Status.WITHDRAWN)

    estate = models.ForeignKey(
        "residents.Estate", on_delete=models.PROTECT, related_name="renovations", verbose_name=_("estate")
    )
    unit = models.ForeignKey(
        "residents.Unit", on_delete=models.PROTECT, related_name="renovations", verbose_name=_("unit")
    )
    # "ZX2026-0007": per estate and year.
    number = models.CharField(_("number"), max_length=30, unique=True)
    owner = models.ForeignKey(
        "residents.Person", on_delete=models.PROTECT, related_name="renovations", verbose_name=_("owner")
    )
    status = models.CharField(
        _("status"), max_length=24, choices=Status.choices, default=Status.SUBMITTED, db_index=True
    )
    # Set from the scope items when the application is submitted or resubmitted.
    is_regular = models.BooleanField(_("regular renovation"), default=True)
    description = models.TextField(_("description of the works"), blank=True)
    scope_items = models.ManyToManyField(
        ScopeItem, related_name="renovations", verbose_name=_("scope of works")
    )
    contractor_company = models.CharField(_("contractor"), max_length=150)
    contractor_licence = models.CharField(_("contractor's licence number"), max_length=50)
    contractor_contact = models.CharField(_("contractor's contact person"), max_length=100)
    contractor_phone = models.CharField(_("contractor's phone"), max_length=20)
    planned_start = models.DateField(_("planned start"))
    planned_end = models.DateField(_("planned end"))
    # Frozen on the permit when it is issued (the rules may change later).
    working_hours = models.CharField(_("working hours"), max_length=300, blank=True)

    agreement_signed_at = models.DateTimeField(_("agreement signed at"), null=True, blank=True)
    agreement_signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("agreement recorded by"),
    )
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

    permitted_at = models.DateTimeField(_("permit issued at"), null=True, blank=True)
    started_at = models.DateTimeField(_("works started at"), null=True, blank=True)
    completion_requested_at = models.DateTimeField(_("completion requested at"), null=True, blank=True)
    accepted_at = models.DateTimeField(_("accepted at"), null=True, blank=True)
    second_inspection_due = models.DateField(_("second inspection due"), null=True, blank=True)
    refunded_at = models.DateTimeField(_("deposit refunded at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    # The unit's state before the works, given back at acceptance.
    unit_state_before = models.CharField(_("unit state before the works"), max_length=20, blank=True)

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("registered by"),
    )
    created_at = models.DateTimeField(_("registered at"), default=timezone.now, db_index=True)
    # A retried registration (double submit) gives the first application back.
    idempotency_key = models.CharField(max_length=64, blank=True, editable=False)

    class QuerySet(ScopedQuerySet):
        def for_resident(self, user):
            return self.filter(unit__in=resident_unit_ids(user))

        def active(self):
            return self.filter(status__in=Renovation.ACTIVE)

    objects = QuerySet.as_manager()

    class Meta:
        verbose_name = _("renovation")
        verbose_name_plural = _("renovations")
        ordering = ["-created_at", "-pk"]
        permissions = [
            ("register_renovation", _("Can register and edit renovation applications")),
            ("review_renovation_engineering", _("Can review renovations for engineering")),
            ("approve_renovation", _("Can approve renovations")),
            ("waive_renovation_fees", _("Can waive renovation charges")),
            ("issue_renovation_permit", _("Can record agreements and issue renovation permits")),
            ("record_renovation_patrol", _("Can record renovation patrols")),
            ("manage_renovation_violation", _("Can record and follow up renovation violations")),
            ("escalate_renovation_violation", _("Can escalate renovation violations")),
            ("inspect_renovation", _("Can inspect completed renovations")),
            ("approve_renovation_refund", _("Can approve renovation deposit refunds")),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(planned_end__gte=models.F("planned_start")), name="renovation_period_valid"
            ),
            models.UniqueConstraint(
                fields=["estate", "idempotency_key"],
                condition=~Q(idempotency_key=""),
                name="renovation_idempotency_key_unique",
            ),
        ]
        indexes = [models.Index(fields=["estate", "status", "planned_start"], name="renovation_desk_idx")]

    def __str__(self) -> str:
        return self.number


class RenovationEvent(models.Model):
    """One line of a renovation's timeline: a transition (who, when, from, to, note)."""

    renovation = models.ForeignKey(
        Renovation, on_delete=models.CASCADE, related_name="events", verbose_name=_("renovation")
    )
    action = models.CharField(_("action"), max_length=40)
    from_status = models.CharField(_("from"), max_length=24, choices=Renovation.Status.choices, blank=True)
    to_status = models.CharField(_("to"), max_length=24, choices=Renovation.Status.choices, blank=True)
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
        estate_lookup = "renovation__estate"

        def for_resident(self, user):
            return self.filter(renovation__unit__in=resident_unit_ids(user))

    objects = QuerySet.as_manager()

    class Meta:
        verbose_name = _("renovation event")
        verbose_name_plural = _("renovation events")
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"{self.renovation} {self.action}"


class RenovationWorker(models.Model):
    """A worker of the contractor's, with the pass issued for the permit period."""

    renovation = models.ForeignKey(
        Renovation, on_delete=models.CASCADE, related_name="workers", verbose_name=_("renovation")
    )
    name = models.CharField(_("name"), max_length=100)
    mobile = models.CharField(_("mobile"), max_length=20)
    trade = models.CharField(_("trade"), max_length=50, blank=True)
    id_number_ciphertext = models.TextField(editable=False, blank=True)
    id_number_hash = models.CharField(max_length=64, editable=False, blank=True)
    id_number_masked = models.CharField(_("ID number"), max_length=18, editable=False, blank=True)
    current_pass = models.ForeignKey(
        "residents.Pass",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("pass"),
    )
    added_at = models.DateTimeField(_("added at"), default=timezone.now)
    removed_at = models.DateTimeField(_("removed at"), null=True, blank=True)

    class QuerySet(ScopedQuerySet):
        estate_lookup = "renovation__estate"

        def for_resident(self, user):
            return self.filter(renovation__unit__in=resident_unit_ids(user))

    objects = QuerySet.as_manager()

    class Meta:
        verbose_name = _("renovation worker")
        verbose_name_plural = _("renovation workers")
        ordering = ["renovation_id", "pk"]

    def __str__(self) -> str:
        return self.name

    def set_id_number(self, value: str) -> None:
        number = normalize_id_number(value)
        self.id_number_ciphertext = encrypt_text(number)
        self.id_number_hash = keyed_hash(number) if number else ""
        self.id_number_masked = mask_id_number(number)

    @property
    def mobile_masked(self) -> str:
        return mask_mobile(self.mobile)


def renovation_upload_path(instance: RenovationDocument, filename: str) -> str:
    suffix = filename.rsplit(".", 1)[-1].lower() if "." in filename else "bin"
    now = timezone.now()
    return f"renovations/{instance.renovation.estate_id}/{now:%Y/%m}/{now:%d%H%M%S%f}.{suffix[:8]}"


class RenovationDocument(models.Model):
    """A plan, a photo, the signed agreement, an inspection's or patrol's photo, an enforcement
    letter: checked and re-encoded like every upload (`servicecenter.uploads.prepare_upload`)."""

    class Kind(models.TextChoices):
        PLAN = "plan", _("Plan")
        PHOTO = "photo", _("Photo")
        AGREEMENT = "agreement", _("Signed renovation agreement")
        PATROL_PHOTO = "patrol_photo", _("Patrol photo")
        VIOLATION_PHOTO = "violation_photo", _("Violation photo")
        ENFORCEMENT_LETTER = "enforcement_letter", _("Letter to the enforcement office")
        INSPECTION = "inspection", _("Inspection record")
        OTHER = "other", pgettext_lazy("document kind", "Other")

    renovation = models.ForeignKey(
        Renovation, on_delete=models.CASCADE, related_name="documents", verbose_name=_("renovation")
    )
    patrol = models.ForeignKey(
        "renovations.Patrol",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="documents",
        verbose_name=_("patrol"),
    )
    violation = models.ForeignKey(
        "renovations.Violation",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="documents",
        verbose_name=_("violation"),
    )
    kind = models.CharField(_("type"), max_length=20, choices=Kind.choices, default=Kind.OTHER)
    file = models.FileField(_("file"), upload_to=renovation_upload_path)
    original_name = models.CharField(_("file name"), max_length=255)
    content_type = models.CharField(_("content type"), max_length=100)
    size = models.PositiveIntegerField(_("size (bytes)"))
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("uploaded by")
    )
    uploaded_at = models.DateTimeField(_("uploaded at"), default=timezone.now)

    class QuerySet(ScopedQuerySet):
        estate_lookup = "renovation__estate"

        def for_resident(self, user):
            # Plans and photos of the owner's own application; not the staff's patrol and
            # violation evidence.
            return self.filter(
                renovation__unit__in=resident_unit_ids(user),
                kind__in=[
                    RenovationDocument.Kind.PLAN,
                    RenovationDocument.Kind.PHOTO,
                    RenovationDocument.Kind.AGREEMENT,
                ],
            )

    objects = QuerySet.as_manager()

    class Meta:
        verbose_name = _("renovation document")
        verbose_name_plural = _("renovation documents")
        ordering = ["uploaded_at", "pk"]

    def __str__(self) -> str:
        return self.original_name


class RenovationCharge(models.Model):
    """What the owner pays before the permit: the deposit (through billing's deposit ledger) and
    the fees (one-off bills). One row per kind and renovation."""

    class Kind(models.TextChoices):
        DEPOSIT = "deposit", _("Renovation deposit")
        RUBBISH = "rubbish", _("Rubbish removal fee")
        PASS_CARDS = "pass_cards", _("Pass card fee")

    renovation = models.ForeignKey(
        Renovation, on_delete=models.CASCADE, related_name="charges", verbose_name=_("renovation")
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
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
        estate_lookup = "renovation__estate"

        def for_resident(self, user):
            return self.filter(renovation__unit__in=resident_unit_ids(user))

    objects = QuerySet.as_manager()

    class Meta:
        verbose_name = _("renovation charge")
        verbose_name_plural = _("renovation charges")
        ordering = ["renovation_id", "kind"]
        constraints = [
            models.UniqueConstraint(fields=["renovation", "kind"], name="renovation_charge_once"),
            models.CheckConstraint(condition=Q(amount__gte=0), name="renovation_charge_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.renovation} {self.get_kind_display()}"


class Inspection(models.Model):
    """The acceptance inspection (竣工验收) or the second inspection (二次验收)."""

    class Kind(models.TextChoices):
        ACCEPTANCE = "acceptance", _("Acceptance inspection")
        SECOND = "second", _("Second inspection")

    class Result(models.TextChoices):
        PASSED = "passed", pgettext_lazy("inspection result", "Passed")
        DEFECTS = "defects", _("Defects to fix")

    renovation = models.ForeignKey(
        Renovation, on_delete=models.CASCADE, related_name="inspections", verbose_name=_("renovation")
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    result = models.CharField(_("result"), max_length=20, choices=Result.choices)
    findings = models.TextField(_("findings"), blank=True)
    inspector = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("inspector")
    )
    inspected_at = models.DateTimeField(_("inspected at"), default=timezone.now)

    class QuerySet(ScopedQuerySet):
        estate_lookup = "renovation__estate"

        def for_resident(self, user):
            return self.filter(renovation__unit__in=resident_unit_ids(user))

    objects = QuerySet.as_manager()

    class Meta:
        verbose_name = _("inspection")
        verbose_name_plural = _("inspections")
        ordering = ["inspected_at", "pk"]

    def __str__(self) -> str:
        return f"{self.renovation} {self.get_kind_display()}"


class Patrol(models.Model):
    """A day's site patrol of an active renovation by the zone's housekeeper: created each morning
    (one per renovation and day), then recorded (OK, or a violation found)."""

    class Result(models.TextChoices):
        PENDING = "pending", pgettext_lazy("patrol result", "Due")
        OK = "ok", pgettext_lazy("patrol result", "OK")
        VIOLATION = "violation", _("Violation found")
        MISSED = "missed", pgettext_lazy("patrol result", "Missed")

    estate = models.ForeignKey(
        "residents.Estate", on_delete=models.PROTECT, related_name="+", verbose_name=_("estate")
    )
    renovation = models.ForeignKey(
        Renovation, on_delete=models.CASCADE, related_name="patrols", verbose_name=_("renovation")
    )
    date = models.DateField(_("date"))
    zone = models.ForeignKey(
        "staff.Zone",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("zone"),
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="renovation_patrols",
        verbose_name=_("housekeeper"),
    )
    result = models.CharField(_("result"), max_length=20, choices=Result.choices, default=Result.PENDING)
    findings = models.TextField(_("findings"), blank=True)
    patrolled_at = models.DateTimeField(_("patrolled at"), null=True, blank=True)
    patrolled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("patrolled by"),
    )

    class QuerySet(ScopedQuerySet):
        def for_resident(self, user):
            return self.none()

    objects = QuerySet.as_manager()

    class Meta:
        verbose_name = _("renovation patrol")
        verbose_name_plural = _("renovation patrols")
        ordering = ["-date", "renovation_id"]
        constraints = [models.UniqueConstraint(fields=["renovation", "date"], name="patrol_once_per_day")]
        indexes = [models.Index(fields=["estate", "date", "result"], name="patrol_day_idx")]

    def __str__(self) -> str:
        return f"{self.renovation} {self.date}"


class Violation(models.Model):
    """A renovation violation (违章): found, stopped on the spot, followed up to rectified or
    escalated to the city's enforcement office."""

    class Kind(models.TextChoices):
        STRUCTURAL = "structural", _("Structural change")
        OUT_OF_SCOPE = "out_of_scope", _("Outside the approved scope")
        OUT_OF_HOURS = "out_of_hours", _("Outside the allowed hours")
        NO_PERMIT = "no_permit", _("No permit or pass")
        RUBBISH = "rubbish", _("Rubbish in public areas")
        FIRE_HAZARD = "fire_hazard", _("Fire hazard")
        NOISE = "noise", pgettext_lazy("violation kind", "Noise")

    class Source(models.TextChoices):
        PATROL = "patrol", _("Patrol")
        RESIDENT_REPORT = "resident_report", _("Resident report")
        STAFF = "staff", _("Other staff")

    class Status(models.TextChoices):
        OPEN = "open", pgettext_lazy("violation status", "Open")
        RECTIFYING = "rectifying", _("Rectifying")
        RECTIFIED = "rectified", _("Rectified")
        ESCALATED = "escalated", pgettext_lazy("violation status", "Escalated")
        DISMISSED = "dismissed", _("No violation found")

    CLOSED = (Status.RECTIFIED, Status.ESCALATED)
    # Still being followed up: a stop order in force, a linked complaint ticket kept open.
    UNRESOLVED = (Status.OPEN, Status.RECTIFYING)

    estate = models.ForeignKey(
        "residents.Estate", on_delete=models.PROTECT, related_name="+", verbose_name=_("estate")
    )
    unit = models.ForeignKey(
        "residents.Unit",
        on_delete=models.PROTECT,
        related_name="renovation_violations",
        verbose_name=_("unit"),
    )
    # Empty for works without any permit.
    renovation = models.ForeignKey(
        Renovation,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="violations",
        verbose_name=_("renovation"),
    )
    kind = models.CharField(_("type"), max_length=20, choices=Kind.choices)
    source = models.CharField(_("found by"), max_length=20, choices=Source.choices)
    patrol = models.ForeignKey(
        Patrol,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="violations",
        verbose_name=_("patrol"),
    )
    # The complaint ticket that reported it (noise, renovation): they close together.
    ticket = models.ForeignKey(
        "tickets.Ticket",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="renovation_violations",
        verbose_name=_("ticket"),
    )
    description = models.TextField(_("description"))
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.OPEN, db_index=True
    )
    stop_order = models.BooleanField(_("works stopped"), default=False)
    rectify_by = models.DateField(_("rectify by"), null=True, blank=True)
    proposed_deduction = models.DecimalField(_("proposed fine or deduction"), default=0, **MONEY)
    found_at = models.DateTimeField(_("found at"), default=timezone.now, db_index=True)
    found_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("recorded by"),
    )
    rectified_at = models.DateTimeField(_("rectified at"), null=True, blank=True)
    escalated_at = models.DateTimeField(_("escalated at"), null=True, blank=True)
    enforcement_reference = models.CharField(_("enforcement office reference"), max_length=100, blank=True)

    class QuerySet(ScopedQuerySet):
        def for_resident(self, user):
            return self.filter(unit__in=resident_unit_ids(user))

    objects = QuerySet.as_manager()

    class Meta:
        verbose_name = _("renovation violation")
        verbose_name_plural = _("renovation violations")
        ordering = ["-found_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(proposed_deduction__gte=0), name="violation_deduction_not_negative"
            ),
        ]
        indexes = [models.Index(fields=["estate", "status", "found_at"], name="violation_desk_idx")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} ({self.unit_id})"


class ViolationEvent(models.Model):
    violation = models.ForeignKey(
        Violation, on_delete=models.CASCADE, related_name="events", verbose_name=_("violation")
    )
    action = models.CharField(_("action"), max_length=40)
    from_status = models.CharField(_("from"), max_length=20, choices=Violation.Status.choices, blank=True)
    to_status = models.CharField(_("to"), max_length=20, choices=Violation.Status.choices, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("who"),
    )
    note = models.TextField(_("note"), blank=True)
    created_at = models.DateTimeField(_("when"), default=timezone.now)

    class QuerySet(ScopedQuerySet):
        estate_lookup = "violation__estate"

        def for_resident(self, user):
            return self.filter(violation__unit__in=resident_unit_ids(user))

    objects = QuerySet.as_manager()

    class Meta:
        verbose_name = _("violation event")
        verbose_name_plural = _("violation events")
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"{self.violation_id} {self.action}"


class Deduction(models.Model):
    """One item taken off the deposit at the refund, with its reason and, usually, its violation.
    Proposed by staff, posted through billing's deposit ledger when the manager approves the
    refund (then `movement` is set and the row is final)."""

    renovation = models.ForeignKey(
        Renovation, on_delete=models.CASCADE, related_name="deductions", verbose_name=_("renovation")
    )
    violation = models.ForeignKey(
        Violation,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="deductions",
        verbose_name=_("violation"),
    )
    amount = models.DecimalField(_("amount"), **MONEY)
    reason = models.CharField(_("reason"), max_length=300)
    movement = models.OneToOneField(
        "billing.DepositMovement",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("ledger row"),
    )
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("proposed by")
    )
    proposed_at = models.DateTimeField(_("proposed at"), default=timezone.now)

    class QuerySet(ScopedQuerySet):
        estate_lookup = "renovation__estate"

        def for_resident(self, user):
            return self.filter(renovation__unit__in=resident_unit_ids(user))

    objects = QuerySet.as_manager()

    class Meta:
        verbose_name = _("deposit deduction")
        verbose_name_plural = _("deposit deductions")
        ordering = ["renovation_id", "pk"]
        constraints = [models.CheckConstraint(condition=Q(amount__gt=0), name="deduction_positive")]

    def __str__(self) -> str:
        return f"{self.renovation} {self.amount}"
