"""Fee collection (费用收缴): charge items and rates, meters, bills, payments, receipts, the prepaid
balance, deposits and the reminder ladder.

The money tables are a ledger. Payments, allocations, reversals, prepaid-balance movements and
deposit movements are rows that are only ever added: a correction is a new row (a reversal, a
refund, a replacement bill), never an edit or a delete. Balances are sums of rows. Database
constraints make double-posting impossible: one bill per unit, charge item and period; one receipt
number per estate, year and sequence; one reversal per payment; one payment per idempotency key.

`Bill.amount_paid` is the one stored total. It is kept in the same transaction, under the bill's
row lock, as the allocation rows it sums (`services._apply_to_bills`), because the arrears report and
the daily reminder sweep read it across millions of bills; a CheckConstraint keeps it between zero
and the bill's amount, so the database itself refuses an over-allocation.
"""

from __future__ import annotations

from datetime import date

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from residents.models import Unit, resident_bill_unit_ids, resident_unit_ids
from servicecenter.money import ZERO
from servicecenter.scoping import ScopedQuerySet

MONEY = {"max_digits": 12, "decimal_places": 2}
# Unit prices (yuan per m² per month, per kWh, per tonne) are quoted to four places, e.g. 0.5283
# yuan/kWh; only the resulting amount is money and is rounded to cents.
RATE = {"max_digits": 12, "decimal_places": 4}


class EstateScopedQuerySet(ScopedQuerySet):
    """Billing rows a resident may see: those of the units they currently occupy and whose bills
    are theirs to see (the payer, owners and co-owners, and occupants the owner granted it). A
    household member or tenant without that sees none of the unit's money (issue #8)."""

    unit_lookup = "unit"

    def for_resident(self, user):
        return self.filter(**{f"{self.unit_lookup}__in": resident_bill_unit_ids(user)})


# --- Settings and tariffs ---------------------------------------------------------------------


class BillingPolicy(models.Model):
    """Per-estate billing settings (editable by the manager in admin). Estates without a row use
    the defaults below (`BillingPolicy.for_estate`)."""

    estate = models.OneToOneField(
        "residents.Estate", on_delete=models.PROTECT, related_name="billing_policy", verbose_name=_("estate")
    )
    bill_day = models.PositiveSmallIntegerField(
        _("bills issued on day"),
        default=1,
        validators=[MinValueValidator(1), MaxValueValidator(28)],
        help_text=_("Day of the month on which the month's bills are issued automatically."),
    )
    payment_terms_days = models.PositiveSmallIntegerField(
        _("payment terms (days)"),
        default=30,
        help_text=_("Days from the start of the period until a bill is due."),
    )
    vacant_discount_percent = models.DecimalField(
        _("vacant-unit discount (%)"),
        max_digits=5,
        decimal_places=2,
        default=ZERO,
        help_text=_(
            "空置房: discount on charge items that allow it, for units in the vacant state. 0 = none."
        ),
    )
    late_fees_enabled = models.BooleanField(_("charge late fees"), default=False)
    late_fee_daily_rate = models.DecimalField(
        _("late fee per day"),
        max_digits=7,
        decimal_places=6,
        default=ZERO,
        help_text=_("Fraction of the unpaid amount per overdue day, e.g. 0.0003 for 0.03 %."),
    )
    late_fee_grace_days = models.PositiveSmallIntegerField(_("late fee grace days"), default=0)
    late_fee_cap_percent = models.DecimalField(
        _("late fee cap (percent of the bill)"), max_digits=5, decimal_places=2, default=ZERO
    )
    reminders_enabled = models.BooleanField(_("send reminders"), default=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("billing policy")
        verbose_name_plural = _("billing policies")
        constraints = [
            models.CheckConstraint(
                condition=Q(vacant_discount_percent__gte=0) & Q(vacant_discount_percent__lte=100),
                name="policy_vacant_discount_0_100",
            ),
            models.CheckConstraint(
                condition=Q(late_fee_cap_percent__gte=0) & Q(late_fee_cap_percent__lte=100),
                name="policy_late_fee_cap_0_100",
            ),
            models.CheckConstraint(
                condition=Q(late_fee_daily_rate__gte=0), name="policy_late_fee_rate_not_negative"
            ),
        ]

    def __str__(self) -> str:
        return str(self.estate)

    def clean(self):
        if self.late_fees_enabled and (self.late_fee_daily_rate <= 0 or self.late_fee_cap_percent <= 0):
            raise ValidationError(_("To charge late fees, set a daily rate and a cap above zero."))

    @classmethod
    def for_estate(cls, estate) -> BillingPolicy:
        return cls.objects.filter(estate=estate).first() or cls(estate=estate)


class ChargeItemQuerySet(ScopedQuerySet):
    def active(self):
        return self.filter(is_active=True)

    def for_resident(self, user):
        return self.filter(estate__units__in=resident_unit_ids(user)).distinct()


class ChargeItem(models.Model):
    class Kind(models.TextChoices):
        PROPERTY_FEE = "property_fee", _("Property service fee")
        ELEVATOR = "elevator", _("Elevator fee")
        PARKING = "parking", _("Parking fee")
        WATER = "water", pgettext_lazy("charge item", "Water")
        ELECTRICITY = "electricity", pgettext_lazy("charge item", "Electricity")
        GAS = "gas", pgettext_lazy("charge item", "Gas")
        HEATING = "heating", _("Heating")
        ONE_OFF = "one_off", _("One-off charge")
        LATE_FEE = "late_fee", _("Late fee")
        PAID_SERVICE = "paid_service", _("Paid service")
        DEPOSIT_DEDUCTION = "deposit_deduction", _("Deposit deduction")

    class Basis(models.TextChoices):
        PER_AREA_MONTH = "per_area_month", _("Rate × unit area, per month")
        PER_UNIT_MONTH = "per_unit_month", _("Rate × quantity (e.g. parking spaces), per month")
        METERED = "metered", _("Rate × metered consumption")
        ONE_OFF = "one_off", _("One-off amount")

    class AppliesTo(models.TextChoices):
        ALL_UNITS = "all_units", _("Every unit (of the chosen use)")
        ELEVATOR_BUILDINGS = "elevator_buildings", _("Units in buildings with an elevator")
        ENROLLED_UNITS = "enrolled_units", _("Only units enrolled for this item")

    RECURRING_BASES = (Basis.PER_AREA_MONTH, Basis.PER_UNIT_MONTH, Basis.METERED)
    METER_KIND_OF = {
        Kind.WATER: "water",
        Kind.ELECTRICITY: "electricity",
        Kind.GAS: "gas",
        Kind.HEATING: "heating",
    }

    estate = models.ForeignKey(
        "residents.Estate", on_delete=models.PROTECT, related_name="charge_items", verbose_name=_("estate")
    )
    code = models.SlugField(_("code"), max_length=30)
    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    basis = models.CharField(_("calculation"), max_length=20, choices=Basis.choices)
    applies_to = models.CharField(
        _("applies to"), max_length=20, choices=AppliesTo.choices, default=AppliesTo.ALL_UNITS
    )
    unit_use = models.CharField(
        _("only units of use"),
        max_length=20,
        blank=True,
        choices=[("", _("Any use")), *Unit.Use.choices],
    )
    vacant_discount_applies = models.BooleanField(_("vacant-unit discount applies"), default=False)
    late_fee_applies = models.BooleanField(_("late fees apply"), default=True)
    is_active = models.BooleanField(_("active"), default=True)
    sort_order = models.PositiveSmallIntegerField(_("order"), default=0)

    objects = ChargeItemQuerySet.as_manager()

    class Meta:
        verbose_name = _("charge item")
        verbose_name_plural = _("charge items")
        ordering = ["estate_id", "sort_order", "code"]
        permissions = [("manage_rates", _("Can set charge items and rates"))]
        constraints = [
            models.UniqueConstraint(fields=["estate", "code"], name="charge_item_code_unique_per_estate")
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_recurring(self) -> bool:
        return self.basis in self.RECURRING_BASES

    @property
    def meter_kind(self) -> str | None:
        return self.METER_KIND_OF.get(self.kind)


class ChargeRate(models.Model):
    """A rate from a date on. Rows are added, never changed: the history is the tariff's record,
    and bills copy the rate they used, so a new rate never rewrites an old bill."""

    charge_item = models.ForeignKey(
        ChargeItem, on_delete=models.PROTECT, related_name="rates", verbose_name=_("charge item")
    )
    rate = models.DecimalField(_("rate"), **RATE)
    effective_from = models.DateField(_("effective from"))
    note = models.CharField(_("note"), max_length=200, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("set by"),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class QuerySet(ScopedQuerySet):
        estate_lookup = "charge_item__estate"

    objects = QuerySet.as_manager()

    class Meta:
        verbose_name = _("charge rate")
        verbose_name_plural = _("charge rates")
        ordering = ["charge_item_id", "-effective_from"]
        constraints = [
            models.UniqueConstraint(
                fields=["charge_item", "effective_from"], name="rate_once_per_item_and_date"
            ),
            models.CheckConstraint(condition=Q(rate__gte=0), name="rate_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.charge_item} {self.rate} ({self.effective_from})"


class ChargeEnrollment(models.Model):
    """A unit taking an item that not every unit takes (a parking space, heating), with how many
    and from when to when; the dates also prorate the first and last month."""

    estate = models.ForeignKey(
        "residents.Estate", on_delete=models.PROTECT, related_name="+", verbose_name=_("estate")
    )
    unit = models.ForeignKey(
        "residents.Unit", on_delete=models.PROTECT, related_name="charge_enrollments", verbose_name=_("unit")
    )
    charge_item = models.ForeignKey(
        ChargeItem, on_delete=models.PROTECT, related_name="enrollments", verbose_name=_("charge item")
    )
    quantity = models.DecimalField(_("quantity"), max_digits=12, decimal_places=2, default=1)
    start_date = models.DateField(_("from"))
    end_date = models.DateField(_("until"), null=True, blank=True)
    note = models.CharField(_("note"), max_length=200, blank=True)

    objects = EstateScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("enrollment")
        verbose_name_plural = _("enrollments")
        ordering = ["unit_id", "charge_item_id", "start_date"]
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gt=0), name="enrollment_quantity_positive"),
            models.CheckConstraint(
                condition=Q(end_date__isnull=True) | Q(end_date__gte=F("start_date")),
                name="enrollment_ends_after_start",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.unit} · {self.charge_item}"


class UnitBillingTerms(models.Model):
    """When a unit's recurring fees start (usually the handover date) and, if it leaves the
    service, end. Units without a row are billed for whole months; unsold units are not billed."""

    estate = models.ForeignKey(
        "residents.Estate", on_delete=models.PROTECT, related_name="+", verbose_name=_("estate")
    )
    unit = models.OneToOneField(
        "residents.Unit", on_delete=models.PROTECT, related_name="billing_terms", verbose_name=_("unit")
    )
    fees_start_date = models.DateField(_("fees start"), null=True, blank=True)
    fees_end_date = models.DateField(_("fees end"), null=True, blank=True)

    objects = EstateScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("unit billing terms")
        verbose_name_plural = _("unit billing terms")

    def __str__(self) -> str:
        return str(self.unit)


# --- Meters -----------------------------------------------------------------------------------


class Meter(models.Model):
    class Kind(models.TextChoices):
        WATER = "water", pgettext_lazy("meter", "Water")
        ELECTRICITY = "electricity", pgettext_lazy("meter", "Electricity")
        GAS = "gas", pgettext_lazy("meter", "Gas")
        HEATING = "heating", _("Heating")

    estate = models.ForeignKey(
        "residents.Estate", on_delete=models.PROTECT, related_name="+", verbose_name=_("estate")
    )
    unit = models.ForeignKey(
        "residents.Unit", on_delete=models.PROTECT, related_name="meters", verbose_name=_("unit")
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    serial = models.CharField(_("serial number"), max_length=50, blank=True)
    initial_reading = models.DecimalField(_("initial reading"), max_digits=12, decimal_places=2, default=ZERO)
    installed_on = models.DateField(_("installed on"), null=True, blank=True)
    # A replaced meter keeps its readings; the replacement starts from its own initial reading.
    replaced_on = models.DateField(_("replaced on"), null=True, blank=True)
    replaced_by = models.OneToOneField(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="replaces",
        verbose_name=_("replaced by"),
    )

    objects = EstateScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("meter")
        verbose_name_plural = _("meters")
        ordering = ["unit_id", "kind", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["unit", "kind"],
                condition=Q(replaced_on__isnull=True),
                name="one_active_meter_per_unit_and_kind",
            ),
            models.CheckConstraint(
                condition=Q(initial_reading__gte=0), name="meter_initial_reading_not_negative"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.unit} · {self.get_kind_display()}"


class MeterReading(models.Model):
    """One reading per meter per billing month (抄表). Consumption is this reading minus the meter's
    previous one (or its initial reading), fixed when the reading is recorded."""

    estate = models.ForeignKey(
        "residents.Estate", on_delete=models.PROTECT, related_name="+", verbose_name=_("estate")
    )
    unit = models.ForeignKey(
        "residents.Unit", on_delete=models.PROTECT, related_name="+", verbose_name=_("unit")
    )
    meter = models.ForeignKey(
        Meter, on_delete=models.PROTECT, related_name="readings", verbose_name=_("meter")
    )
    period = models.DateField(_("billing month"))
    reading_date = models.DateField(_("read on"))
    value = models.DecimalField(_("reading"), max_digits=12, decimal_places=2)
    consumption = models.DecimalField(_("consumption"), max_digits=12, decimal_places=2)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("recorded by"),
    )
    recorded_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    objects = EstateScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("meter reading")
        verbose_name_plural = _("meter readings")
        ordering = ["-period", "meter_id"]
        constraints = [
            models.UniqueConstraint(fields=["meter", "period"], name="one_reading_per_meter_and_month"),
            models.CheckConstraint(condition=Q(consumption__gte=0), name="reading_consumption_not_negative"),
        ]
        indexes = [models.Index(fields=["estate", "period"], name="reading_estate_period_idx")]

    def __str__(self) -> str:
        return f"{self.meter} {self.period:%Y-%m}: {self.value}"


# --- Bills ------------------------------------------------------------------------------------


class BillQuerySet(EstateScopedQuerySet):
    def unpaid(self):
        return self.filter(status__in=Bill.UNPAID_STATUSES)

    def overdue(self, on: date):
        return self.unpaid().filter(due_date__lt=on)

    def charged(self):
        """Bills that count as charged (应收): everything except voided bills."""
        return self.exclude(status=Bill.Status.VOID)


class Bill(models.Model):
    """What one unit owes for one charge item in one period (a month), with the rate, quantity and
    proration copied from the moment it was issued."""

    class Status(models.TextChoices):
        OPEN = "open", pgettext_lazy("bill status", "Open")
        PARTIALLY_PAID = "partially_paid", pgettext_lazy("bill status", "Partially paid")
        PAID = "paid", pgettext_lazy("bill status", "Paid")
        VOID = "void", pgettext_lazy("bill status", "Void")
        WRITTEN_OFF = "written_off", pgettext_lazy("bill status", "Written off")

    UNPAID_STATUSES = (Status.OPEN, Status.PARTIALLY_PAID)

    estate = models.ForeignKey(
        "residents.Estate", on_delete=models.PROTECT, related_name="bills", verbose_name=_("estate")
    )
    unit = models.ForeignKey(
        "residents.Unit", on_delete=models.PROTECT, related_name="bills", verbose_name=_("unit")
    )
    charge_item = models.ForeignKey(
        ChargeItem, on_delete=models.PROTECT, related_name="bills", verbose_name=_("charge item")
    )
    period = models.DateField(_("period"), help_text=_("First day of the billing month."))
    is_recurring = models.BooleanField(_("recurring"), default=True)
    description = models.CharField(_("description"), max_length=200, blank=True)
    quantity = models.DecimalField(_("quantity"), max_digits=12, decimal_places=2, default=ZERO)
    rate = models.DecimalField(_("rate"), **RATE, default=ZERO)
    days_billed = models.PositiveSmallIntegerField(_("days billed"), default=0)
    days_in_period = models.PositiveSmallIntegerField(_("days in period"), default=0)
    discount_percent = models.DecimalField(_("discount (%)"), max_digits=5, decimal_places=2, default=ZERO)
    amount = models.DecimalField(_("amount"), **MONEY)
    amount_paid = models.DecimalField(_("paid"), **MONEY, default=ZERO)
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.OPEN, db_index=True
    )
    issue_date = models.DateField(_("issued on"))
    due_date = models.DateField(_("due on"))
    # A one-off charge's origin ("ticket:123", "renovation:7:rubbish"): the same origin is charged once.
    source_reference = models.CharField(_("source"), max_length=100, blank=True)
    replaces = models.OneToOneField(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="replaced_by",
        verbose_name=_("replaces"),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("issued by"),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    objects = BillQuerySet.as_manager()

    class Meta:
        verbose_name = _("bill")
        verbose_name_plural = _("bills")
        ordering = ["-period", "unit_id", "charge_item_id"]
        permissions = [
            ("void_bill", _("Can void bills")),
            ("write_off_bill", _("Can write off bills")),
            ("generate_bills", _("Can generate the month's bills")),
            ("view_billing_reports", _("Can see the cash journal, statements and arrears reports")),
            ("waive_late_fee", _("Can waive late fees")),
        ]
        constraints = [
            # The generator relies on this: running it twice for a month inserts nothing new.
            models.UniqueConstraint(
                fields=["unit", "charge_item", "period"],
                condition=Q(is_recurring=True, replaces__isnull=True),
                name="bill_once_per_unit_item_period",
            ),
            # A voided bill frees its origin: a paid service voided on reopening is billed again
            # when the ticket is resolved again.
            models.UniqueConstraint(
                fields=["estate", "source_reference"],
                condition=~Q(source_reference="") & ~Q(status="void"),
                name="bill_once_per_source",
            ),
            models.CheckConstraint(condition=Q(amount__gt=0), name="bill_amount_positive"),
            models.CheckConstraint(
                condition=Q(amount_paid__gte=0) & Q(amount_paid__lte=F("amount")),
                name="bill_paid_within_amount",
            ),
            models.CheckConstraint(
                condition=Q(discount_percent__gte=0) & Q(discount_percent__lte=100),
                name="bill_discount_0_100",
            ),
        ]
        indexes = [
            models.Index(fields=["estate", "period"], name="bill_estate_period_idx"),
            models.Index(fields=["unit", "status"], name="bill_unit_status_idx"),
            # The reminder sweep and arrears reports only ever read unpaid bills by due date.
            # Covering, so that the sums need not visit the table.
            models.Index(
                fields=["estate", "due_date"],
                condition=Q(status__in=["open", "partially_paid"]),
                include=["unit", "period", "amount", "amount_paid"],
                name="bill_unpaid_due_idx",
            ),
            # The bill list filtered to unpaid or overdue bills, newest period first: walked
            # backwards, the due date is checked in the index, so the month's bills not yet due
            # are skipped without visiting the table.
            models.Index(
                fields=["estate", "period", "due_date"],
                condition=Q(status__in=["open", "partially_paid"]),
                name="bill_unpaid_period_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.unit} · {self.charge_item} · {self.period:%Y-%m}"

    @property
    def outstanding(self):
        if self.status in self.UNPAID_STATUSES:
            return self.amount - self.amount_paid
        return ZERO

    @property
    def period_label(self) -> str:
        return f"{self.period:%Y-%m}"

    def is_overdue(self, on: date) -> bool:
        return self.status in self.UNPAID_STATUSES and self.due_date < on


class BillEvent(models.Model):
    """Every status change of a bill: who, when, from, to, why."""

    bill = models.ForeignKey(Bill, on_delete=models.PROTECT, related_name="events", verbose_name=_("bill"))
    from_status = models.CharField(_("from"), max_length=20, choices=Bill.Status.choices)
    to_status = models.CharField(_("to"), max_length=20, choices=Bill.Status.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("who"),
    )
    note = models.CharField(_("note"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("when"))

    class Meta:
        verbose_name = _("bill event")
        verbose_name_plural = _("bill events")
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"{self.bill}: {self.from_status} → {self.to_status}"


class LateFeeAccrual(models.Model):
    """The late fee (滞纳金) one overdue bill accrued over a run of days, charged on a late-fee bill:
    the month's late-fee bill of the periodic assessment, or the one made when the overdue bill is
    paid. `through_date` is the last day charged; the next charge starts the day after, so no day is
    charged twice. The sum per bill never passes the estate's cap."""

    source_bill = models.ForeignKey(
        Bill, on_delete=models.PROTECT, related_name="late_fee_accruals", verbose_name=_("overdue bill")
    )
    fee_bill = models.ForeignKey(
        Bill, on_delete=models.PROTECT, related_name="+", verbose_name=_("late-fee bill")
    )
    period = models.DateField(_("month"))
    through_date = models.DateField(_("charged through"))
    days = models.PositiveSmallIntegerField(_("days"))
    base_amount = models.DecimalField(_("unpaid amount"), **MONEY)
    amount = models.DecimalField(_("late fee"), **MONEY)

    class Meta:
        verbose_name = _("late fee accrual")
        verbose_name_plural = _("late fee accruals")
        constraints = [
            # One charge per bill and day: the month's assessment and a payment on the last day of
            # the month cannot both charge the same days.
            models.UniqueConstraint(
                fields=["source_bill", "through_date"], name="late_fee_once_per_bill_and_day"
            ),
            models.CheckConstraint(condition=Q(amount__gt=0), name="late_fee_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.source_bill} {self.period:%Y-%m}: {self.amount}"


# --- Receipts, payments, allocations ----------------------------------------------------------


class ReceiptCounter(models.Model):
    """The last receipt number issued per estate and year. Locked (SELECT … FOR UPDATE) inside the
    transaction that issues the receipt, so numbers are gapless: a rolled-back payment releases its
    number together with the lock."""

    estate = models.ForeignKey("residents.Estate", on_delete=models.PROTECT, related_name="+")
    year = models.PositiveSmallIntegerField()
    last_number = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("receipt counter")
        verbose_name_plural = _("receipt counters")
        constraints = [
            models.UniqueConstraint(fields=["estate", "year"], name="receipt_counter_per_estate_year")
        ]

    def __str__(self) -> str:
        return f"{self.estate_id}/{self.year}: {self.last_number}"


class Receipt(models.Model):
    """A receipt (收据) for money received: a payment or a deposit."""

    class Kind(models.TextChoices):
        PAYMENT = "payment", _("Payment")
        DEPOSIT = "deposit", _("Deposit")

    estate = models.ForeignKey(
        "residents.Estate", on_delete=models.PROTECT, related_name="+", verbose_name=_("estate")
    )
    year = models.PositiveSmallIntegerField(_("year"))
    sequence = models.PositiveIntegerField(_("sequence"))
    number = models.CharField(_("receipt number"), max_length=40, unique=True)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    issued_at = models.DateTimeField(_("issued at"))

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("receipt")
        verbose_name_plural = _("receipts")
        ordering = ["-issued_at"]
        constraints = [
            models.UniqueConstraint(fields=["estate", "year", "sequence"], name="receipt_sequence_unique"),
            models.CheckConstraint(condition=Q(sequence__gt=0), name="receipt_sequence_positive"),
        ]

    def __str__(self) -> str:
        return self.number


class PaymentMethod(models.TextChoices):
    CASH = "cash", _("Cash")
    BANK_CARD = "bank_card", _("Bank card")
    WECHAT = "wechat", _("WeChat Pay")
    ALIPAY = "alipay", _("Alipay")
    BANK_TRANSFER = "bank_transfer", _("Bank transfer")
    PREPAID = "prepaid", _("Prepaid balance")
    # Paid through the portal's payment gateway (`billing.gateway`); a real WeChat Pay or Alipay
    # adapter names its own method instead.
    ONLINE = "online", _("Online payment")


class PaymentQuerySet(EstateScopedQuerySet):
    def posted(self):
        return self.filter(status=Payment.Status.POSTED)


class Payment(models.Model):
    """Money received for a unit (or its prepaid balance spent), allocated to bills."""

    class Status(models.TextChoices):
        POSTED = "posted", pgettext_lazy("payment status", "Posted")
        VOIDED = "voided", pgettext_lazy("payment status", "Voided")
        REFUNDED = "refunded", pgettext_lazy("payment status", "Refunded")

    Method = PaymentMethod

    estate = models.ForeignKey(
        "residents.Estate", on_delete=models.PROTECT, related_name="payments", verbose_name=_("estate")
    )
    unit = models.ForeignKey(
        "residents.Unit", on_delete=models.PROTECT, related_name="payments", verbose_name=_("unit")
    )
    amount = models.DecimalField(_("amount"), **MONEY)
    method = models.CharField(_("method"), max_length=20, choices=PaymentMethod.choices)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.POSTED)
    # Spending the prepaid balance moves no money, so it gets no receipt; every other payment does.
    receipt = models.OneToOneField(
        Receipt,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="payment",
        verbose_name=_("receipt"),
    )
    payer_name = models.CharField(_("paid by"), max_length=100, blank=True)
    reference = models.CharField(_("transaction reference"), max_length=100, blank=True)
    note = models.CharField(_("note"), max_length=300, blank=True)
    received_at = models.DateTimeField(_("received at"), db_index=True)
    received_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("received by"),
    )

    objects = PaymentQuerySet.as_manager()

    class Meta:
        verbose_name = _("payment")
        verbose_name_plural = _("payments")
        ordering = ["-received_at", "-pk"]
        permissions = [
            ("void_payment", _("Can void a payment on the day it was taken")),
            ("refund_payment", _("Can refund payments and prepaid balances")),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="payment_amount_positive"),
            models.CheckConstraint(
                condition=Q(method="prepaid", receipt__isnull=True)
                | (~Q(method="prepaid") & Q(receipt__isnull=False)),
                name="payment_receipt_unless_prepaid",
            ),
        ]
        indexes = [models.Index(fields=["estate", "received_at"], name="payment_estate_received_idx")]

    def __str__(self) -> str:
        return self.receipt.number if self.receipt_id else f"#{self.pk}"


class Allocation(models.Model):
    """Part of a payment applied to a bill. A reversed payment's allocations stay; its reversal row
    says they no longer count (`Allocation.objects.effective()`)."""

    estate = models.ForeignKey(
        "residents.Estate", on_delete=models.PROTECT, related_name="+", verbose_name=_("estate")
    )
    payment = models.ForeignKey(
        Payment, on_delete=models.PROTECT, related_name="allocations", verbose_name=_("payment")
    )
    bill = models.ForeignKey(
        Bill, on_delete=models.PROTECT, related_name="allocations", verbose_name=_("bill")
    )
    amount = models.DecimalField(_("amount"), **MONEY)
    created_at = models.DateTimeField(_("created at"))

    class QuerySet(EstateScopedQuerySet):
        unit_lookup = "bill__unit"

        def effective(self):
            return self.filter(payment__reversal__isnull=True)

    objects = QuerySet.as_manager()

    class Meta:
        verbose_name = _("allocation")
        verbose_name_plural = _("allocations")
        ordering = ["pk"]
        constraints = [
            models.UniqueConstraint(fields=["payment", "bill"], name="allocation_once_per_payment_and_bill"),
            models.CheckConstraint(condition=Q(amount__gt=0), name="allocation_amount_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.payment} → {self.bill}: {self.amount}"


class PaymentReversal(models.Model):
    """A payment voided (same day, receipt cancelled) or refunded (money returned). One per payment."""

    class Kind(models.TextChoices):
        VOID = "void", _("Void")
        REFUND = "refund", _("Refund")

    estate = models.ForeignKey(
        "residents.Estate", on_delete=models.PROTECT, related_name="+", verbose_name=_("estate")
    )
    payment = models.OneToOneField(
        Payment, on_delete=models.PROTECT, related_name="reversal", verbose_name=_("payment")
    )
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    amount = models.DecimalField(_("amount"), **MONEY)
    refund_method = models.CharField(
        _("refunded by"), max_length=20, choices=PaymentMethod.choices, blank=True
    )
    reason = models.CharField(_("reason"), max_length=300)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("who")
    )
    created_at = models.DateTimeField(_("when"))

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("payment reversal")
        verbose_name_plural = _("payment reversals")
        ordering = ["-created_at"]
        constraints = [models.CheckConstraint(condition=Q(amount__gt=0), name="reversal_amount_positive")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.payment}"


class IdempotencyRecord(models.Model):
    """One money-moving request (a payment, a deposit taken, a deposit or prepaid refund) per key
    and estate. A retried request (double click, network retry) with the same key and body gets the
    first result back; a different body is refused."""

    estate = models.ForeignKey("residents.Estate", on_delete=models.PROTECT, related_name="+")
    key = models.CharField(max_length=100)
    fingerprint = models.CharField(max_length=64)
    payment = models.OneToOneField(Payment, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    deposit_movement = models.OneToOneField(
        "DepositMovement", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    prepaid_movement = models.OneToOneField(
        "PrepaidMovement", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("idempotency key")
        verbose_name_plural = _("idempotency keys")
        constraints = [
            models.UniqueConstraint(fields=["estate", "key"], name="idempotency_key_unique_per_estate")
        ]

    def __str__(self) -> str:
        return self.key


class PrepaidMovement(models.Model):
    """The unit's prepaid balance (预存款) ledger: credits (+) and debits (−); the balance is the sum."""

    class Kind(models.TextChoices):
        OVERPAYMENT = "overpayment", _("Overpayment credited")
        APPLIED = "applied", _("Applied to bills")
        REVERSAL = "reversal", _("Payment reversed")
        REFUND = "refund", _("Refunded to the payer")

    estate = models.ForeignKey(
        "residents.Estate", on_delete=models.PROTECT, related_name="+", verbose_name=_("estate")
    )
    unit = models.ForeignKey(
        "residents.Unit", on_delete=models.PROTECT, related_name="prepaid_movements", verbose_name=_("unit")
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    amount = models.DecimalField(_("amount"), **MONEY)
    payment = models.ForeignKey(
        Payment,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="prepaid_movements",
        verbose_name=_("payment"),
    )
    refund_method = models.CharField(
        _("refunded by"), max_length=20, choices=PaymentMethod.choices, blank=True
    )
    note = models.CharField(_("note"), max_length=300, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("who"),
    )
    created_at = models.DateTimeField(_("when"))

    objects = EstateScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("prepaid balance movement")
        verbose_name_plural = _("prepaid balance movements")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(condition=~Q(amount=0), name="prepaid_movement_not_zero"),
            models.CheckConstraint(
                condition=(Q(kind__in=["overpayment"]) & Q(amount__gt=0))
                | (Q(kind__in=["applied", "refund"]) & Q(amount__lt=0))
                | Q(kind="reversal"),
                name="prepaid_movement_sign_matches_kind",
            ),
            models.UniqueConstraint(
                fields=["payment", "kind"],
                condition=Q(payment__isnull=False),
                name="prepaid_movement_once_per_payment_kind",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.unit} {self.get_kind_display()} {self.amount}"


# --- Deposits ---------------------------------------------------------------------------------


class DepositAccount(models.Model):
    """Money held for a unit for a purpose (装修押金, key deposit). It is not revenue: it is kept in
    its own ledger and comes back to the payer less any deductions."""

    class Purpose(models.TextChoices):
        RENOVATION = "renovation", _("Renovation deposit")
        KEY = "key", _("Key deposit")
        OTHER = "other", _("Other deposit")

    estate = models.ForeignKey(
        "residents.Estate", on_delete=models.PROTECT, related_name="+", verbose_name=_("estate")
    )
    unit = models.ForeignKey(
        "residents.Unit", on_delete=models.PROTECT, related_name="deposit_accounts", verbose_name=_("unit")
    )
    purpose = models.CharField(_("purpose"), max_length=20, choices=Purpose.choices)
    reference = models.CharField(
        _("reference"), max_length=100, blank=True, help_text=_("e.g. renovation:12")
    )
    created_at = models.DateTimeField(_("opened at"))

    objects = EstateScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("deposit account")
        verbose_name_plural = _("deposit accounts")
        ordering = ["-created_at"]
        permissions = [("manage_deposits", _("Can receive and refund deposits"))]
        constraints = [
            models.UniqueConstraint(fields=["unit", "purpose", "reference"], name="deposit_account_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.unit} · {self.get_purpose_display()} {self.reference}".strip()


class DepositMovement(models.Model):
    class Kind(models.TextChoices):
        RECEIVED = "received", pgettext_lazy("deposit movement", "Received")
        DEDUCTION = "deduction", _("Deduction")
        REFUND = "refund", _("Refunded")

    estate = models.ForeignKey(
        "residents.Estate", on_delete=models.PROTECT, related_name="+", verbose_name=_("estate")
    )
    account = models.ForeignKey(
        DepositAccount, on_delete=models.PROTECT, related_name="movements", verbose_name=_("account")
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    # Always positive; the kind says which way it goes (received adds, the others take away).
    amount = models.DecimalField(_("amount"), **MONEY)
    method = models.CharField(_("method"), max_length=20, choices=PaymentMethod.choices, blank=True)
    reason = models.CharField(_("reason"), max_length=300, blank=True)
    receipt = models.OneToOneField(
        Receipt,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="deposit_movement",
        verbose_name=_("receipt"),
    )
    # A deduction is revenue: a one-off bill on the estate's deposit-deduction item, settled by the
    # money already held (so it has no payment and no receipt of its own).
    bill = models.OneToOneField(
        Bill,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="deposit_deduction",
        verbose_name=_("revenue bill"),
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("who")
    )
    created_at = models.DateTimeField(_("when"))

    class QuerySet(EstateScopedQuerySet):
        unit_lookup = "account__unit"

    objects = QuerySet.as_manager()

    class Meta:
        verbose_name = _("deposit movement")
        verbose_name_plural = _("deposit movements")
        ordering = ["created_at", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="deposit_movement_positive"),
            # A deposit is settled once; nothing can be refunded twice.
            models.UniqueConstraint(
                fields=["account"], condition=Q(kind="refund"), name="deposit_refunded_once"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.account} {self.get_kind_display()} {self.amount}"


# --- The arrears summary -----------------------------------------------------------------------


class UnitArrears(models.Model):
    """What one unit owes, as of a date: a cache of its unpaid bills for the arrears report, which
    otherwise sums a million bills on every request (issue #16). Never edited by hand: every
    service that changes what a unit owes recomputes the unit's row from the bills in the same
    transaction (`services.refresh_unit_arrears`); the ageing bands move with the date, so the
    nightly sweep recomputes every unit for the new day and stamps the estate
    (`ArrearsSnapshot`). The report reads these rows only when the estate's stamp and every owing
    row are of the day asked for; `manage.py check_arrears` compares them with the bills."""

    estate = models.ForeignKey(
        "residents.Estate", on_delete=models.PROTECT, related_name="+", verbose_name=_("estate")
    )
    unit = models.OneToOneField(
        "residents.Unit", on_delete=models.PROTECT, related_name="arrears_summary", verbose_name=_("unit")
    )
    # The unit's building, copied: the report sums per building without joining 50k units.
    building = models.ForeignKey(
        "residents.Building", on_delete=models.PROTECT, related_name="+", verbose_name=_("building")
    )
    as_of = models.DateField(_("as of"))
    open_bills = models.PositiveIntegerField(_("unpaid bills"), default=0)
    overdue_bill_count = models.PositiveIntegerField(_("overdue bills"), default=0)
    oldest_due_date = models.DateField(_("oldest due date"), null=True, blank=True)
    total_outstanding = models.DecimalField(_("outstanding"), default=ZERO, **MONEY)
    total_arrears = models.DecimalField(_("arrears"), default=ZERO, **MONEY)
    total_not_yet_due = models.DecimalField(_("not yet due"), default=ZERO, **MONEY)
    current_year_arrears = models.DecimalField(_("arrears of this year"), default=ZERO, **MONEY)
    earlier_years_arrears = models.DecimalField(_("arrears of earlier years"), default=ZERO, **MONEY)
    band_d0_30 = models.DecimalField(_("1–30 days overdue"), default=ZERO, **MONEY)
    band_d31_90 = models.DecimalField(_("31–90 days overdue"), default=ZERO, **MONEY)
    band_d91_180 = models.DecimalField(_("91–180 days overdue"), default=ZERO, **MONEY)
    band_d181_365 = models.DecimalField(_("181–365 days overdue"), default=ZERO, **MONEY)
    band_over_365 = models.DecimalField(_("over 365 days overdue"), default=ZERO, **MONEY)
    refreshed_at = models.DateTimeField(_("recomputed at"))

    objects = EstateScopedQuerySet.as_manager()

    # The summary's columns, named by the keys of the arrears report (`selectors.arrears_aggregates`).
    REPORT_FIELDS = {
        "outstanding": "total_outstanding",
        "arrears": "total_arrears",
        "not_yet_due": "total_not_yet_due",
        "current_arrears": "current_year_arrears",
        "old_arrears": "earlier_years_arrears",
        "overdue_bills": "overdue_bill_count",
        "d0_30": "band_d0_30",
        "d31_90": "band_d31_90",
        "d91_180": "band_d91_180",
        "d181_365": "band_d181_365",
        "over_365": "band_over_365",
    }
    # What `refresh_unit_arrears` writes and `check_arrears` compares.
    COMPUTED_FIELDS = (*REPORT_FIELDS.values(), "open_bills", "oldest_due_date")

    class Meta:
        verbose_name = _("unit arrears")
        verbose_name_plural = _("unit arrears")
        indexes = [
            # The per-unit list: one estate's units in arrears, largest first.
            models.Index(
                fields=["estate", "-total_arrears"],
                condition=Q(overdue_bill_count__gt=0),
                name="unit_arrears_overdue_idx",
            ),
            # Whether any owing unit of the estate is dated another day (two range probes).
            models.Index(
                fields=["estate", "as_of"],
                condition=Q(open_bills__gt=0),
                name="unit_arrears_owing_as_of_idx",
            ),
            # The estate's not-yet-due total (arrears API), summed over every owing unit from the
            # index alone.
            models.Index(
                fields=["estate"],
                include=["total_not_yet_due"],
                condition=Q(open_bills__gt=0),
                name="unit_arrears_owing_due_idx",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(total_outstanding__gte=0)
                & Q(total_arrears__gte=0)
                & Q(total_arrears__lte=F("total_outstanding")),
                name="unit_arrears_amounts_sane",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.unit_id} {self.as_of}: {self.total_arrears}"


class ArrearsSnapshot(models.Model):
    """The day for which the nightly sweep last recomputed every unit of the estate. Bills written
    outside the services (an import, a data fix) are only in the summary after such a sweep."""

    estate = models.OneToOneField(
        "residents.Estate", on_delete=models.PROTECT, related_name="+", verbose_name=_("estate")
    )
    as_of = models.DateField(_("as of"))
    refreshed_at = models.DateTimeField(_("recomputed at"))

    class Meta:
        verbose_name = _("arrears snapshot")
        verbose_name_plural = _("arrears snapshots")

    def __str__(self) -> str:
        return f"{self.estate_id} {self.as_of}"


# --- Reminders --------------------------------------------------------------------------------


class Reminder(models.Model):
    """One rung of the reminder ladder reached by one bill. The unique (bill, stage) constraint is
    what makes every stage happen once, however often the daily sweep runs."""

    class Stage(models.TextChoices):
        NOTICE = "notice", _("Bill notice")
        REMINDER = "reminder", _("Payment reminder")
        LETTER = "letter", _("Formal reminder letter")
        CALL = "call", _("Phone call by the housekeeper")
        ESCALATION = "escalation", _("Escalated to the manager")

    class Outcome(models.TextChoices):
        PROMISED = "promised", _("Promised to pay")
        REFUSED = "refused", _("Refused")
        UNREACHABLE = "unreachable", _("Unreachable")

    estate = models.ForeignKey(
        "residents.Estate", on_delete=models.PROTECT, related_name="+", verbose_name=_("estate")
    )
    unit = models.ForeignKey(
        "residents.Unit", on_delete=models.PROTECT, related_name="+", verbose_name=_("unit")
    )
    bill = models.ForeignKey(Bill, on_delete=models.PROTECT, related_name="reminders", verbose_name=_("bill"))
    stage = models.CharField(_("stage"), max_length=20, choices=Stage.choices)
    created_at = models.DateTimeField(_("reached at"))
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("assigned to"),
    )
    outcome = models.CharField(_("outcome"), max_length=20, choices=Outcome.choices, blank=True)
    promised_date = models.DateField(_("promised to pay by"), null=True, blank=True)
    outcome_note = models.CharField(_("call note"), max_length=300, blank=True)
    outcome_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("recorded by"),
    )
    outcome_at = models.DateTimeField(_("recorded at"), null=True, blank=True)

    objects = EstateScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("reminder")
        verbose_name_plural = _("reminders")
        ordering = ["-created_at"]
        permissions = [("record_call_outcome", _("Can record the outcome of a fee-collection call"))]
        constraints = [
            models.UniqueConstraint(fields=["bill", "stage"], name="reminder_once_per_bill_and_stage")
        ]
        indexes = [
            # The sweep reads back the rows it inserted by (stage, its timestamp).
            models.Index(fields=["stage", "created_at"], name="reminder_stage_created_idx"),
            models.Index(fields=["estate", "stage"], name="reminder_estate_stage_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.bill} · {self.get_stage_display()}"


class CollectionCall(models.Model):
    """One fee-collection call by the housekeeper (催缴电话) and its outcome: the call history."""

    estate = models.ForeignKey(
        "residents.Estate", on_delete=models.PROTECT, related_name="+", verbose_name=_("estate")
    )
    unit = models.ForeignKey(
        "residents.Unit", on_delete=models.PROTECT, related_name="+", verbose_name=_("unit")
    )
    outcome = models.CharField(_("outcome"), max_length=20, choices=Reminder.Outcome.choices)
    promised_date = models.DateField(_("promised to pay by"), null=True, blank=True)
    note = models.CharField(_("note"), max_length=300, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("called by")
    )
    created_at = models.DateTimeField(_("called at"))

    objects = EstateScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("collection call")
        verbose_name_plural = _("collection calls")
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(outcome="promised", promised_date__isnull=False) | ~Q(outcome="promised"),
                name="call_promise_has_date",
            )
        ]

    def __str__(self) -> str:
        return f"{self.unit} · {self.get_outcome_display()}"


# --- Online payment (the portal's payment gateway) -----------------------------------------------


class PaymentOrderQuerySet(EstateScopedQuerySet):
    def pending(self):
        return self.filter(status=PaymentOrder.Status.PENDING)


class PaymentOrder(models.Model):
    """One attempt to pay online: our order number, sent to the gateway with the amount; the
    gateway's signed notification (or our status query) says it was paid, and the order then posts
    the money once, through the service of its purpose (`services.online.register_paid_handler`):
    for `bills` a billing `Payment` allocated to the order's bills.

    Posting happens at most once: `posted_at` is set in the transaction that posts, under the
    order's row lock; the payment is unique; the billing idempotency key is derived from the order."""

    class Status(models.TextChoices):
        PENDING = "pending", pgettext_lazy("payment order status", "Waiting for payment")
        PAID = "paid", pgettext_lazy("payment order status", "Paid")
        CLOSED = "closed", pgettext_lazy("payment order status", "Closed")
        PARTIALLY_REFUNDED = "partially_refunded", pgettext_lazy("payment order status", "Partly refunded")
        REFUNDED = "refunded", pgettext_lazy("payment order status", "Refunded")

    POSTED_STATUSES = (Status.PAID, Status.PARTIALLY_REFUNDED, Status.REFUNDED)

    estate = models.ForeignKey(
        "residents.Estate", on_delete=models.PROTECT, related_name="+", verbose_name=_("estate")
    )
    unit = models.ForeignKey(
        "residents.Unit", on_delete=models.PROTECT, related_name="payment_orders", verbose_name=_("unit")
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("paid by")
    )
    order_no = models.CharField(_("order number"), max_length=32, unique=True)
    amount = models.DecimalField(_("amount"), **MONEY)
    purpose = models.CharField(_("purpose"), max_length=30, default="bills")
    # What the purpose pays for, e.g. "renovation:12" (bills: the order's bills).
    reference = models.CharField(_("reference"), max_length=100, blank=True)
    description = models.CharField(_("description"), max_length=200)
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.PENDING, db_index=True
    )
    gateway = models.CharField(_("gateway"), max_length=30)
    external_reference = models.CharField(_("gateway transaction"), max_length=100, blank=True)
    checkout_url = models.CharField(max_length=500, blank=True)
    idempotency_key = models.CharField(max_length=100)
    bills = models.ManyToManyField(Bill, blank=True, related_name="payment_orders", verbose_name=_("bills"))
    payment = models.OneToOneField(
        Payment,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="online_order",
        verbose_name=_("payment"),
    )
    refunded_amount = models.DecimalField(_("refunded"), default=ZERO, **MONEY)
    created_at = models.DateTimeField(_("created at"))
    expires_at = models.DateTimeField(_("expires at"))
    paid_at = models.DateTimeField(_("paid at"), null=True, blank=True)
    posted_at = models.DateTimeField(_("posted at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)

    objects = PaymentOrderQuerySet.as_manager()

    class Meta:
        verbose_name = _("online payment order")
        verbose_name_plural = _("online payment orders")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="payment_order_amount_positive"),
            models.UniqueConstraint(fields=["user", "idempotency_key"], name="payment_order_key_per_user"),
            # Posted exactly when it is (or was) paid: a paid order that never posted, or an order
            # posted twice over a status change, cannot be stored.
            models.CheckConstraint(
                condition=(
                    Q(status__in=["paid", "partially_refunded", "refunded"], posted_at__isnull=False)
                    | (~Q(status__in=["paid", "partially_refunded", "refunded"]) & Q(posted_at__isnull=True))
                ),
                name="payment_order_posted_iff_paid",
            ),
            models.CheckConstraint(
                condition=Q(refunded_amount__gte=0) & Q(refunded_amount__lte=F("amount")),
                name="payment_order_refund_within_amount",
            ),
        ]
        indexes = [models.Index(fields=["status", "created_at"], name="payment_order_status_idx")]

    def __str__(self) -> str:
        return self.order_no

    @property
    def is_posted(self) -> bool:
        return self.posted_at is not None

    @property
    def refundable(self):
        return self.amount - self.refunded_amount


class PaymentOrderEvent(models.Model):
    """The order's log: every notification received (its raw fields, whether the signature held,
    what we did with it), every status query, the posting, the close and each refund."""

    class Kind(models.TextChoices):
        CREATED = "created", _("Created")
        NOTIFICATION = "notification", _("Notification received")
        QUERY = "query", _("Status queried")
        POSTED = "posted", _("Posted")
        CLOSED = "closed", pgettext_lazy("payment order event", "Closed")
        REFUND = "refund", _("Refund")

    order = models.ForeignKey(
        PaymentOrder,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="events",
        verbose_name=_("order"),
    )
    gateway = models.CharField(_("gateway"), max_length=30)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    raw = models.JSONField(_("raw fields"), default=dict, blank=True)
    signature_ok = models.BooleanField(_("signature valid"), null=True)
    outcome = models.CharField(_("outcome"), max_length=40)
    from_status = models.CharField(max_length=20, blank=True)
    to_status = models.CharField(max_length=20, blank=True)
    amount = models.DecimalField(_("amount"), null=True, blank=True, **MONEY)
    note = models.CharField(_("note"), max_length=300, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("who"),
    )
    created_at = models.DateTimeField(_("when"))

    class Meta:
        verbose_name = _("online payment event")
        verbose_name_plural = _("online payment events")
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"{self.order_id} {self.kind} {self.outcome}"


class SimulatorCharge(models.Model):
    """The payment simulator's own ledger (it stands in for the gateway's side: what the resident
    "paid" there). No real money; used only when PAYMENT_GATEWAY is the simulator."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting")
        PAID = "paid", _("Paid")
        CANCELLED = "cancelled", _("Cancelled")

    order_no = models.CharField(max_length=32, unique=True)
    amount = models.DecimalField(**MONEY)
    refunded = models.DecimalField(default=ZERO, **MONEY)
    description = models.CharField(max_length=200)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    transaction_id = models.CharField(max_length=40, blank=True)
    notify_url = models.CharField(max_length=300)
    return_url = models.CharField(max_length=300)
    paid_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField()

    class Meta:
        verbose_name = _("simulated payment")
        verbose_name_plural = _("simulated payments")

    def __str__(self) -> str:
        return self.order_no
