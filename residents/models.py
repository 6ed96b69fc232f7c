"""The resident and unit archive (业主档案): estates, buildings, units, people and who lives where."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from servicecenter.crypto import decrypt_text, encrypt_text, keyed_hash
from servicecenter.phones import last_digits
from servicecenter.scoping import ScopedQuerySet, access_for, portal_unit_ids
from servicecenter.validators import (
    mask_id_number,
    mask_mobile,
    mask_phone_list,
    normalize_id_number,
    validate_mobile,
)


def resident_unit_ids(user):
    """The ids of the units the user currently occupies (any occupancy role): in a portal request
    the ids `portal_page` read once, elsewhere a subquery. Use it after `__in=` only."""
    unit_ids = portal_unit_ids(user)
    if unit_ids is not None:
        return unit_ids
    return Occupancy.objects.current().filter(person__user=user).values("unit_id")


def resident_bill_unit_ids(user):
    """Subquery of the ids of the units whose bills the user may see today: as the unit's payer,
    as an owner or co-owner, or because the owner granted it. A tenant or household member who
    was granted nothing sees the unit's tickets and notices but no money (issue #8)."""
    return (
        Occupancy.objects.current()
        .filter(person__user=user)
        .filter(Q(is_payer=True) | Q(sees_bills=True) | Q(role__in=Occupancy.BILL_ROLES))
        .values("unit_id")
    )


class Estate(models.Model):
    class Kind(models.TextChoices):
        RESIDENTIAL = "residential", _("Residential compound")
        OFFICE = "office", _("Office tower")
        MALL = "mall", _("Shopping mall")

    name = models.CharField(_("name"), max_length=100)
    code = models.CharField(
        _("code"),
        max_length=12,
        unique=True,
        help_text=_("Short code used in ticket and receipt numbers, e.g. LJY."),
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, default=Kind.RESIDENTIAL)
    address = models.CharField(_("address"), max_length=200, blank=True)
    phone = models.CharField(_("service centre phone"), max_length=30, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class QuerySet(ScopedQuerySet):
        estate_lookup = "pk"

        def for_resident(self, user):
            return self.filter(buildings__units__in=resident_unit_ids(user)).distinct()

    objects = QuerySet.as_manager()

    class Meta:
        verbose_name = _("estate")
        verbose_name_plural = _("estates")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


class Building(models.Model):
    estate = models.ForeignKey(
        Estate, on_delete=models.PROTECT, related_name="buildings", verbose_name=_("estate")
    )
    code = models.CharField(
        _("number"), max_length=20, help_text=_("As used in unit numbers, e.g. 3 in 3-2-1101.")
    )
    name = models.CharField(_("name"), max_length=100, blank=True)
    floors = models.PositiveSmallIntegerField(_("floors"), null=True, blank=True)
    has_elevator = models.BooleanField(_("has elevator"), default=True)

    class QuerySet(ScopedQuerySet):
        def for_resident(self, user):
            return self.filter(units__in=resident_unit_ids(user)).distinct()

    objects = QuerySet.as_manager()

    class Meta:
        verbose_name = _("building")
        verbose_name_plural = _("buildings")
        ordering = ["estate_id", "code"]
        constraints = [
            models.UniqueConstraint(fields=["estate", "code"], name="building_code_unique_per_estate")
        ]

    def __str__(self) -> str:
        return self.name or _("Building %(code)s") % {"code": self.code}


class Unit(models.Model):
    class Use(models.TextChoices):
        RESIDENTIAL = "residential", pgettext_lazy("unit use", "Residential")
        COMMERCIAL = "commercial", pgettext_lazy("unit use", "Commercial")
        PARKING = "parking", pgettext_lazy("unit use", "Parking")
        STORAGE = "storage", pgettext_lazy("unit use", "Storage")

    class State(models.TextChoices):
        UNSOLD = "unsold", pgettext_lazy("unit state", "Unsold")
        VACANT = "vacant", pgettext_lazy("unit state", "Vacant")
        HANDED_OVER = "handed_over", pgettext_lazy("unit state", "Handed over")
        OCCUPIED = "occupied", pgettext_lazy("unit state", "Occupied")
        RENOVATING = "renovating", pgettext_lazy("unit state", "Renovating")

    # Denormalised from the building so that every scoped query filters one table.
    estate = models.ForeignKey(
        Estate, on_delete=models.PROTECT, related_name="units", verbose_name=_("estate")
    )
    building = models.ForeignKey(
        Building, on_delete=models.PROTECT, related_name="units", verbose_name=_("building")
    )
    entrance = models.CharField(
        _("entrance"), max_length=10, blank=True, help_text=_("单元, e.g. 2 in 3-2-1101.")
    )
    number = models.CharField(_("room number"), max_length=20)
    # "3-2-1101": building, entrance, room. Built by `residents.services.unit_code` wherever a unit
    # is created or renumbered (services, import, demo), never by save().
    code = models.CharField(_("unit"), max_length=50, editable=False, db_index=True)
    floor = models.SmallIntegerField(_("floor"), null=True, blank=True)
    area = models.DecimalField(_("area (m²)"), max_digits=10, decimal_places=2)
    use = models.CharField(_("use"), max_length=20, choices=Use.choices, default=Use.RESIDENTIAL)
    state = models.CharField(_("state"), max_length=20, choices=State.choices, default=State.UNSOLD)
    notes = models.TextField(_("notes"), blank=True)

    class QuerySet(ScopedQuerySet):
        def visible_to(self, user):
            # A technician's archive is the units of their own tickets (assigned to them or to
            # their team), not the whole estate's.
            return super().visible_to(user).own_work_filter(user, through="tickets")

        def for_resident(self, user):
            return self.filter(pk__in=resident_unit_ids(user))

    objects = QuerySet.as_manager()

    class Meta:
        verbose_name = _("unit")
        verbose_name_plural = _("units")
        ordering = ["estate_id", "code"]
        indexes = [
            models.Index(
                fields=["estate", "building", "entrance", "floor", "number", "id"], name="unit_desk_order_idx"
            )
        ]
        constraints = [
            models.UniqueConstraint(fields=["estate", "code"], name="unit_code_unique_per_estate"),
            models.CheckConstraint(condition=Q(area__gte=0), name="unit_area_not_negative"),
        ]

    def __str__(self) -> str:
        return self.code


class Person(models.Model):
    """Someone in the estate's archive. The ID number is kept encrypted with a keyed hash for lookup."""

    estate = models.ForeignKey(
        Estate, on_delete=models.PROTECT, related_name="persons", verbose_name=_("estate")
    )
    name = models.CharField(_("name"), max_length=100, db_index=True)
    mobile = models.CharField(
        _("mobile"), max_length=20, blank=True, db_index=True, validators=[validate_mobile]
    )
    other_phones = models.CharField(
        _("other phones"), max_length=200, blank=True, help_text=_("Separate with commas.")
    )
    id_number_ciphertext = models.TextField(editable=False, blank=True)
    # NULL, not "", for people without an ID number: NULLs stay outside the uniqueness constraint.
    id_number_hash = models.CharField(max_length=64, editable=False, null=True, blank=True)  # noqa: DJ001
    id_number_masked = models.CharField(_("ID number"), max_length=18, editable=False, blank=True)
    emergency_contact_name = models.CharField(_("emergency contact"), max_length=100, blank=True)
    emergency_contact_phone = models.CharField(_("emergency contact phone"), max_length=20, blank=True)
    notes = models.TextField(_("notes"), blank=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="persons",
        verbose_name=_("portal login"),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class QuerySet(ScopedQuerySet):
        def visible_to(self, user):
            # A technician sees only the people of their own tickets: who reported one, or who
            # lives in the unit of one (see Unit.QuerySet.visible_to).
            qs = super().visible_to(user)
            if not access_for(user).own_work_only:
                return qs
            units = Unit.objects.visible_to(user).values("pk")
            return qs.filter(
                Q(pk__in=Person.objects.own_work_filter(user, through="tickets").values("pk"))
                | Q(pk__in=Occupancy.objects.current().filter(unit__in=units).values("person_id"))
            )

        def for_resident(self, user):
            # Their own record, while they occupy a unit: a former resident's portal is closed.
            current = Occupancy.objects.current().filter(person__user=user).values("person_id")
            return self.filter(user=user, pk__in=current)

    objects = QuerySet.as_manager()

    class Meta:
        verbose_name = _("person")
        verbose_name_plural = _("persons")
        ordering = ["name", "pk"]
        indexes = [
            models.Index(fields=["estate", "name", "id"], name="person_estate_name_idx"),
            # The desk searches a mobile by its last four digits (servicecenter.phones).
            models.Index(last_digits("mobile"), name="person_mobile_last_four_idx"),
        ]
        permissions = [
            ("view_sensitive", _("Can reveal full ID and phone numbers")),
            ("verify_id_number", _("Can check an ID number presented at the desk")),
            ("import_archive", _("Can import and export the archive")),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["estate", "id_number_hash"],
                condition=Q(id_number_hash__isnull=False),
                name="person_id_number_unique_per_estate",
            )
        ]

    def __str__(self) -> str:
        return self.name

    def set_id_number(self, value: str) -> None:
        number = normalize_id_number(value)
        self.id_number_ciphertext = encrypt_text(number)
        self.id_number_hash = keyed_hash(number) if number else None
        self.id_number_masked = mask_id_number(number)

    def decrypted_id_number(self) -> str:
        """Full ID number. Call only through residents.services.reveal_person, which logs the access."""
        return decrypt_text(self.id_number_ciphertext)

    @property
    def mobile_masked(self) -> str:
        return mask_mobile(self.mobile)

    @property
    def other_phones_masked(self) -> str:
        return mask_phone_list(self.other_phones)

    @property
    def emergency_contact_phone_masked(self) -> str:
        return mask_mobile(self.emergency_contact_phone)


class OccupancyQuerySet(ScopedQuerySet):
    estate_lookup = "unit__estate"

    def current(self, on=None):
        day = on or timezone.localdate()
        return self.filter(Q(start_date__lte=day) | Q(start_date__isnull=True)).filter(
            Q(end_date__isnull=True) | Q(end_date__gte=day)
        )

    def visible_to(self, user):
        qs = super().visible_to(user)
        if not access_for(user).own_work_only:
            return qs
        return qs.filter(unit__in=Unit.objects.visible_to(user).values("pk"))

    def for_resident(self, user):
        # Their own current occupancies only; past ones belong to the archive, not the portal.
        return self.current().filter(person__user=user)


class Occupancy(models.Model):
    class Role(models.TextChoices):
        OWNER = "owner", _("Owner")
        CO_OWNER = "co_owner", _("Co-owner")
        TENANT = "tenant", _("Tenant")
        HOUSEHOLD_MEMBER = "household_member", _("Household member")
        SHOP_TENANT = "shop_tenant", _("Shop tenant")

    person = models.ForeignKey(
        Person, on_delete=models.PROTECT, related_name="occupancies", verbose_name=_("person")
    )
    unit = models.ForeignKey(
        Unit, on_delete=models.PROTECT, related_name="occupancies", verbose_name=_("unit")
    )
    role = models.CharField(_("role"), max_length=20, choices=Role.choices, default=Role.OWNER)
    start_date = models.DateField(_("start"), null=True, blank=True)
    end_date = models.DateField(_("end"), null=True, blank=True)
    # Who pays the unit's bills and gets the reminders (缴费人): the owner unless the owner names
    # another occupant. Set only through residents.services (set_payer, add_occupancy,
    # end_occupancy); readers use residents.selectors.payers_by_unit, which also falls back to the
    # owner when the flagged occupancy is no longer current.
    is_payer = models.BooleanField(_("payer"), default=False)
    # Granted by the owner: a tenant or household member who may see the unit's bills. Owners,
    # co-owners and the payer see them regardless.
    sees_bills = models.BooleanField(_("sees bills"), default=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    # Who see the bills of their unit without being granted it, and whom the payer falls back to.
    BILL_ROLES = (Role.OWNER, Role.CO_OWNER)

    objects = OccupancyQuerySet.as_manager()

    class Meta:
        verbose_name = _("occupancy")
        verbose_name_plural = _("occupancies")
        ordering = ["unit_id", "role", "start_date"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__isnull=True)
                | Q(start_date__isnull=True)
                | Q(end_date__gte=models.F("start_date")),
                name="occupancy_ends_after_start",
            ),
            models.UniqueConstraint(
                fields=["person", "unit", "role"],
                condition=Q(end_date__isnull=True),
                name="occupancy_one_open_per_person_unit_role",
            ),
            # One payer per unit: set_payer moves the flag, it never adds a second one.
            models.UniqueConstraint(
                fields=["unit"], condition=Q(is_payer=True), name="occupancy_one_payer_per_unit"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.person} · {self.unit} · {self.get_role_display()}"

    @property
    def is_current(self) -> bool:
        today = timezone.localdate()
        return (self.start_date is None or self.start_date <= today) and (
            self.end_date is None or self.end_date >= today
        )

    @property
    def may_see_bills(self) -> bool:
        return self.is_payer or self.sees_bills or self.role in self.BILL_ROLES


class HouseholdChange(models.Model):
    """Who named the payer of a unit or granted or withdrew an occupant's view of its bills, and
    when. `actor` is empty for the automatic rule (the owner becomes payer by default, and again
    when the payer moves out)."""

    class Kind(models.TextChoices):
        PAYER = "payer", _("Named payer")
        PAYER_DEFAULT = "payer_default", _("Payer by default")
        BILLS_SHOWN = "bills_shown", _("Bills shown")
        BILLS_HIDDEN = "bills_hidden", _("Bills hidden")

    unit = models.ForeignKey(
        Unit, on_delete=models.PROTECT, related_name="household_changes", verbose_name=_("unit")
    )
    occupancy = models.ForeignKey(
        Occupancy, on_delete=models.PROTECT, related_name="household_changes", verbose_name=_("occupant")
    )
    kind = models.CharField(_("change"), max_length=20, choices=Kind.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("who"),
    )
    created_at = models.DateTimeField(_("when"), default=timezone.now)

    class QuerySet(ScopedQuerySet):
        estate_lookup = "unit__estate"

    objects = QuerySet.as_manager()

    class Meta:
        verbose_name = _("household change")
        verbose_name_plural = _("household changes")
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.unit} · {self.occupancy.person} · {self.get_kind_display()}"


def archive_upload_path(instance: ArchiveDocument, filename: str) -> str:
    suffix = filename.rsplit(".", 1)[-1].lower() if "." in filename else "bin"
    return f"archive/{instance.estate_id}/{timezone.now():%Y/%m}/{timezone.now():%d%H%M%S%f}.{suffix}"


class ArchiveDocument(models.Model):
    class Kind(models.TextChoices):
        ID_COPY = "id_copy", _("ID copy")
        SALE_CONTRACT = "sale_contract", _("Sale contract")
        MOVE_IN_NOTICE = "move_in_notice", _("Move-in notice")
        INSPECTION = "inspection", _("Inspection sign-off")
        COVENANT = "covenant", _("Management covenant")
        RENOVATION = "renovation", _("Renovation document")
        OTHER = "other", _("Other")

    estate = models.ForeignKey(
        Estate, on_delete=models.PROTECT, related_name="documents", verbose_name=_("estate")
    )
    unit = models.ForeignKey(
        Unit,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="documents",
        verbose_name=_("unit"),
    )
    person = models.ForeignKey(
        Person,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="documents",
        verbose_name=_("person"),
    )
    kind = models.CharField(_("type"), max_length=20, choices=Kind.choices, default=Kind.OTHER)
    title = models.CharField(_("title"), max_length=200)
    file = models.FileField(_("file"), upload_to=archive_upload_path)
    original_name = models.CharField(_("file name"), max_length=255)
    content_type = models.CharField(_("content type"), max_length=100)
    size = models.PositiveIntegerField(_("size (bytes)"))
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("uploaded by")
    )
    uploaded_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)

    class QuerySet(ScopedQuerySet):
        def for_resident(self, user):
            return self.filter(
                Q(unit__in=resident_unit_ids(user)) | Q(person__in=Person.objects.for_resident(user))
            )

    objects = QuerySet.as_manager()

    class Meta:
        verbose_name = _("archive document")
        verbose_name_plural = _("archive documents")
        ordering = ["-uploaded_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(unit__isnull=False) | Q(person__isnull=False),
                name="document_belongs_to_unit_or_person",
            )
        ]

    def __str__(self) -> str:
        return self.title


class SensitiveAccessLog(models.Model):
    """Every look at a person's full identifiers, every ID check at the desk, and every phone
    number shown to make a call from a task (a callback, a fee-collection call, a ticket)."""

    class Action(models.TextChoices):
        REVEAL = "reveal", _("Revealed full numbers")
        VERIFY_ID = "verify_id", _("Checked an ID number")
        CALL = "call", _("Called from a task")

    class Purpose(models.TextChoices):
        CALLBACK = "callback", _("Callback")
        FEE_CALL = "fee_call", _("Fee-collection call")
        TICKET = "ticket", pgettext_lazy("access log purpose", "Ticket")

    estate = models.ForeignKey(Estate, on_delete=models.PROTECT, related_name="+", verbose_name=_("estate"))
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("who")
    )
    # Empty only for a call to a phone typed into a ticket by hand (a reporter not in the archive):
    # the call is still logged, against its estate and task.
    person = models.ForeignKey(
        Person,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="access_logs",
        verbose_name=_("whose"),
    )
    action = models.CharField(_("action"), max_length=20, choices=Action.choices)
    reason = models.CharField(_("reason"), max_length=200, blank=True)
    purpose = models.CharField(_("task"), max_length=20, choices=Purpose.choices, blank=True)
    purpose_id = models.PositiveBigIntegerField(_("task number"), null=True, blank=True)
    matched = models.BooleanField(_("matched"), null=True, blank=True)
    ip_address = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    created_at = models.DateTimeField(_("when"), default=timezone.now, db_index=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("sensitive data access")
        verbose_name_plural = _("sensitive data access log")
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(action="call", purpose__gt="", purpose_id__isnull=False)
                | (~Q(action="call") & Q(person__isnull=False)),
                name="access_log_call_has_task_else_person",
            ),
        ]

    def __str__(self) -> str:
        whose = self.person if self.person_id else self.get_purpose_display()
        return f"{self.actor} → {whose} ({self.get_action_display()})"


class PassCounter(models.Model):
    """The last pass number given in an estate and year (see `servicecenter.sequences`)."""

    estate = models.ForeignKey(Estate, on_delete=models.CASCADE, related_name="+")
    year = models.PositiveSmallIntegerField()
    last_number = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["estate", "year"], name="pass_counter_unique")]

    def __str__(self) -> str:
        return f"{self.estate_id}/{self.year}: {self.last_number}"


class Pass(models.Model):
    """One numbered pass for anyone who needs to get in or out: a renovation worker (装修出入证), a
    moving release (搬家放行条), shop staff, a resident card. The gate verifies it by its number
    (`residents.selectors.verify_pass`); it is valid from `valid_from` until `valid_until` unless
    revoked. The holder's ID number is kept like the archive's: encrypted, hashed, masked."""

    class Kind(models.TextChoices):
        RENOVATION_WORKER = "renovation_worker", _("Renovation worker pass")
        MOVING_RELEASE = "moving_release", _("Moving release pass")
        SHOP_STAFF = "shop_staff", _("Shop staff pass")
        RESIDENT_CARD = "resident_card", _("Resident card")

    estate = models.ForeignKey(
        Estate, on_delete=models.PROTECT, related_name="passes", verbose_name=_("estate")
    )
    unit = models.ForeignKey(
        Unit, on_delete=models.PROTECT, null=True, blank=True, related_name="passes", verbose_name=_("unit")
    )
    # "TX2026-000123": the estate's code, the year and a gapless number (unique across estates
    # because estate codes are).
    number = models.CharField(_("pass number"), max_length=40, unique=True)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    holder_name = models.CharField(_("holder"), max_length=100)
    holder_mobile = models.CharField(_("holder's mobile"), max_length=20, blank=True)
    holder_id_ciphertext = models.TextField(editable=False, blank=True)
    holder_id_hash = models.CharField(max_length=64, editable=False, blank=True, db_index=True)
    holder_id_masked = models.CharField(_("ID number"), max_length=18, editable=False, blank=True)
    person = models.ForeignKey(
        Person,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="passes",
        verbose_name=_("person"),
    )
    valid_from = models.DateTimeField(_("valid from"))
    valid_until = models.DateTimeField(_("valid until"))
    # Printed on the pass and answered at the gate (e.g. the estate's renovation working hours).
    allowed_hours = models.CharField(_("allowed hours"), max_length=200, blank=True)
    # What the gate checks besides the holder, e.g. a moving pass's items, vehicle plate and
    # helpers (printed on the pass and answered at the gate).
    gate_notes = models.CharField(_("for the gate"), max_length=500, blank=True)
    # Where the pass comes from, e.g. "renovation:12:worker:3": one pass per origin (a retried
    # issue gives the same pass back).
    source_reference = models.CharField(_("issued for"), max_length=100, blank=True)
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("issued by"),
    )
    issued_at = models.DateTimeField(_("issued at"), default=timezone.now)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("revoked by"),
    )
    revoke_reason = models.CharField(_("reason for revoking"), max_length=200, blank=True)

    class QuerySet(ScopedQuerySet):
        def for_resident(self, user):
            return self.filter(unit__in=resident_unit_ids(user))

        def valid_at(self, moment):
            return self.filter(revoked_at__isnull=True, valid_from__lte=moment, valid_until__gt=moment)

    objects = QuerySet.as_manager()

    class Meta:
        verbose_name = _("pass")
        verbose_name_plural = _("passes")
        ordering = ["-issued_at", "-pk"]
        permissions = [
            ("issue_pass", _("Can issue and revoke passes")),
            ("verify_pass", _("Can verify passes at the gate")),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(valid_until__gt=models.F("valid_from")), name="pass_period_positive"
            ),
            models.UniqueConstraint(
                fields=["estate", "source_reference"],
                condition=~Q(source_reference=""),
                name="pass_one_per_origin",
            ),
        ]
        indexes = [models.Index(fields=["estate", "kind", "valid_until"], name="pass_kind_validity_idx")]

    def __str__(self) -> str:
        return self.number

    def set_holder_id_number(self, value: str) -> None:
        number = normalize_id_number(value)
        self.holder_id_ciphertext = encrypt_text(number)
        self.holder_id_hash = keyed_hash(number) if number else ""
        self.holder_id_masked = mask_id_number(number)

    @property
    def holder_mobile_masked(self) -> str:
        return mask_mobile(self.holder_mobile)

    def state_at(self, moment) -> str:
        """ "valid", "revoked", "expired" or "not_yet_valid" at that moment (the gate's answer)."""
        if self.revoked_at is not None and self.revoked_at <= moment:
            return "revoked"
        if moment < self.valid_from:
            return "not_yet_valid"
        if moment >= self.valid_until:
            return "expired"
        return "valid"


class PortalCode(models.Model):
    """A one-time code that opens the resident portal (issue #14): an activation code issued by the
    desk after it checked the person (printed on a slip or texted to the archive's mobile), or a
    password-reset code texted on request. Only a keyed hash of the code is stored; the row is the
    audit: who issued it and when, the wrong tries, and when it was used, voided or locked."""

    class Purpose(models.TextChoices):
        ACTIVATION = "activation", _("Portal activation")
        PASSWORD_RESET = "password_reset", _("Password reset")

    class Delivery(models.TextChoices):
        SLIP = "slip", _("Printed slip")
        SMS = "sms", _("SMS")

    estate = models.ForeignKey(Estate, on_delete=models.PROTECT, related_name="+", verbose_name=_("estate"))
    person = models.ForeignKey(
        Person, on_delete=models.PROTECT, related_name="portal_codes", verbose_name=_("person")
    )
    purpose = models.CharField(_("purpose"), max_length=20, choices=Purpose.choices)
    # keyed_hash(salt + code): a stolen table tells nothing without the hash key.
    code_salt = models.CharField(max_length=32, editable=False)
    code_hash = models.CharField(max_length=64, editable=False)
    delivery = models.CharField(_("delivered by"), max_length=10, choices=Delivery.choices)
    # The mobile the code was for, as the archive held it then (digits).
    mobile = models.CharField(_("mobile"), max_length=20, blank=True)
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("issued by"),
    )
    issued_at = models.DateTimeField(_("issued at"), default=timezone.now)
    expires_at = models.DateTimeField(_("expires at"))
    failed_attempts = models.PositiveSmallIntegerField(_("wrong tries"), default=0)
    used_at = models.DateTimeField(_("used at"), null=True, blank=True)
    used_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("login"),
    )
    voided_at = models.DateTimeField(_("voided at"), null=True, blank=True)

    MAX_FAILED_ATTEMPTS = 5

    class QuerySet(ScopedQuerySet):
        def live(self, now):
            return self.filter(
                used_at__isnull=True,
                voided_at__isnull=True,
                expires_at__gt=now,
                failed_attempts__lt=PortalCode.MAX_FAILED_ATTEMPTS,
            )

    objects = QuerySet.as_manager()

    class Meta:
        verbose_name = _("portal code")
        verbose_name_plural = _("portal codes")
        ordering = ["-issued_at", "-pk"]
        permissions = [("issue_portal_code", _("Can issue portal activation codes"))]
        indexes = [models.Index(fields=["person", "purpose", "issued_at"], name="portal_code_person_idx")]

    def __str__(self) -> str:
        return f"{self.person} · {self.get_purpose_display()} · {self.issued_at:%Y-%m-%d %H:%M}"

    def state_at(self, moment) -> str:
        """ "used", "voided", "locked", "expired" or "live"."""
        if self.used_at is not None:
            return "used"
        if self.voided_at is not None:
            return "voided"
        if self.failed_attempts >= self.MAX_FAILED_ATTEMPTS:
            return "locked"
        if moment >= self.expires_at:
            return "expired"
        return "live"

    @property
    def tries_left(self) -> int:
        return max(self.MAX_FAILED_ATTEMPTS - self.failed_attempts, 0)


class HouseholdRequest(models.Model):
    """An owner asks the service centre to add a family member or a tenant to the unit (issue #14).
    The desk checks the papers and approves (the person and the occupancy are then created through
    the archive's services) or rejects with a reason. The ID number is kept like the archive's:
    encrypted, with a keyed hash for the duplicate check, shown masked."""

    class Status(models.TextChoices):
        REQUESTED = "requested", pgettext_lazy("household request status", "Requested")
        APPROVED = "approved", pgettext_lazy("household request status", "Approved")
        REJECTED = "rejected", pgettext_lazy("household request status", "Rejected")

    # An owner may ask for these roles only: a co-owner is a matter of title deeds, not of the portal.
    ROLES = (Occupancy.Role.HOUSEHOLD_MEMBER, Occupancy.Role.TENANT)

    estate = models.ForeignKey(Estate, on_delete=models.PROTECT, related_name="+", verbose_name=_("estate"))
    unit = models.ForeignKey(
        Unit, on_delete=models.PROTECT, related_name="household_requests", verbose_name=_("unit")
    )
    name = models.CharField(_("name"), max_length=100)
    role = models.CharField(_("role"), max_length=20, choices=Occupancy.Role.choices)
    mobile = models.CharField(_("mobile"), max_length=20, blank=True)
    id_number_ciphertext = models.TextField(editable=False, blank=True)
    id_number_hash = models.CharField(max_length=64, editable=False, db_index=True)
    id_number_masked = models.CharField(_("ID number"), max_length=18, editable=False)
    move_in_date = models.DateField(_("move-in date"))
    status = models.CharField(
        _("status"), max_length=12, choices=Status.choices, default=Status.REQUESTED, db_index=True
    )
    reject_reason = models.CharField(_("reason"), max_length=300, blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("requested by")
    )
    requested_at = models.DateTimeField(_("requested at"), default=timezone.now)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("decided by"),
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    occupancy = models.ForeignKey(
        Occupancy,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("occupancy"),
    )
    # A resubmitted form (double click, a lost response) gives the first request back.
    idempotency_key = models.CharField(max_length=64, blank=True, editable=False)

    class QuerySet(ScopedQuerySet):
        def for_resident(self, user):
            return self.filter(unit__in=resident_unit_ids(user))

        def pending(self):
            return self.filter(status=HouseholdRequest.Status.REQUESTED)

    objects = QuerySet.as_manager()

    class Meta:
        verbose_name = _("household request")
        verbose_name_plural = _("household requests")
        ordering = ["requested_at", "pk"]
        permissions = [("decide_householdrequest", _("Can approve or reject household requests"))]
        constraints = [
            # The same person asked for twice while the first request waits: refused (the
            # service says so first; this holds it under concurrent submissions).
            models.UniqueConstraint(
                fields=["unit", "id_number_hash"],
                condition=Q(status="requested"),
                name="household_request_one_pending_per_person",
            ),
            models.UniqueConstraint(
                fields=["unit", "idempotency_key"],
                condition=~Q(idempotency_key=""),
                name="household_request_idempotency_key_unique",
            ),
        ]
        indexes = [
            models.Index(fields=["estate", "status", "requested_at"], name="household_request_queue_idx")
        ]

    def __str__(self) -> str:
        return f"{self.unit} · {self.name}"

    def set_id_number(self, value: str) -> None:
        number = normalize_id_number(value)
        self.id_number_ciphertext = encrypt_text(number)
        self.id_number_hash = keyed_hash(number)
        self.id_number_masked = mask_id_number(number)

    @property
    def mobile_masked(self) -> str:
        return mask_mobile(self.mobile)


class HouseholdRequestEvent(models.Model):
    request = models.ForeignKey(
        HouseholdRequest, on_delete=models.CASCADE, related_name="events", verbose_name=_("household request")
    )
    action = models.CharField(_("action"), max_length=40)
    from_status = models.CharField(
        _("from"), max_length=12, choices=HouseholdRequest.Status.choices, blank=True
    )
    to_status = models.CharField(_("to"), max_length=12, choices=HouseholdRequest.Status.choices, blank=True)
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

    class Meta:
        verbose_name = _("household request event")
        verbose_name_plural = _("household request events")
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"{self.request_id}: {self.action}"
