"""The categories and SLA targets a new installation starts with (seeded by migration 0002).

Names are English msgids marked here so that `makemessages` collects them; `TicketCategory.__str__`
translates them on display. The minutes are the fallback for any category × priority that has
no `SlaTarget` row.
"""

from django.utils.translation import gettext_noop

# priority -> (response minutes, resolution minutes)
DEFAULT_SLA_MINUTES: dict[str, tuple[int, int]] = {
    "emergency": (30, 4 * 60),
    "urgent": (2 * 60, 24 * 60),
    "normal": (8 * 60, 3 * 24 * 60),
    "low": (24 * 60, 7 * 24 * 60),
}

# Where water, fire safety and lifts are involved, people are at risk: minutes, not hours.
_FAST_EMERGENCY = {"emergency": (15, 2 * 60)}

# code, name, team kind, default priority, callback mandatory, SLA overrides
DEFAULT_CATEGORIES: list[tuple[str, str, str, str, bool, dict[str, tuple[int, int]]]] = [
    ("plumbing", gettext_noop("Plumbing"), "maintenance", "normal", False, {}),
    ("electrical", gettext_noop("Electrical"), "maintenance", "normal", False, {}),
    ("water_leak", gettext_noop("Water leak"), "maintenance", "urgent", True, _FAST_EMERGENCY),
    ("safety_facility", gettext_noop("Safety facility"), "maintenance", "urgent", True, _FAST_EMERGENCY),
    ("elevator", gettext_noop("Elevator"), "maintenance", "urgent", False, _FAST_EMERGENCY),
    ("doors_locks", gettext_noop("Doors and locks"), "maintenance", "normal", False, {}),
    (
        "public_cleaning",
        gettext_noop("Public cleaning"),
        "cleaning",
        "normal",
        False,
        {"normal": (4 * 60, 24 * 60)},
    ),
    ("security", gettext_noop("Security"), "security", "urgent", False, {}),
    ("landscaping", gettext_noop("Landscaping"), "landscaping", "low", False, {}),
    ("noise", gettext_noop("Noise"), "security", "normal", False, {"normal": (2 * 60, 24 * 60)}),
    ("parking", gettext_noop("Parking"), "security", "normal", False, {}),
    (
        "neighbour_dispute",
        gettext_noop("Neighbour dispute"),
        "customer_service",
        "normal",
        False,
        {"normal": (24 * 60, 7 * 24 * 60)},
    ),
    ("fees", gettext_noop("Fees"), "customer_service", "normal", False, {}),
    ("renovation", gettext_noop("Renovation"), "customer_service", "normal", False, {}),
    ("other", gettext_noop("Other"), "customer_service", "normal", False, {}),
]

# Why complaints happen (投诉原因), chosen when a complaint is closed: code, name (seeded by
# migration 0007; names translated on display like the categories').
DEFAULT_ROOT_CAUSES: list[tuple[str, str]] = [
    ("workmanship", gettext_noop("Workmanship")),
    ("materials", gettext_noop("Materials")),
    ("staff_attitude", gettext_noop("Staff attitude")),
    ("response_time", gettext_noop("Response time")),
    ("design_defect", gettext_noop("Design or developer defect")),
    ("third_party", gettext_noop("Third party")),
    ("other", gettext_noop("Other")),
]
