"""The staff menu: one list, filtered by the user's permissions and by which pages exist."""

from dataclasses import dataclass
from functools import cache

from django.urls import NoReverseMatch, reverse
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from servicecenter import usercache


@dataclass(frozen=True)
class NavItem:
    label: str
    url_name: str
    permission: str | None = None
    section: str = ""


STAFF_NAV = [
    NavItem(_("Dashboard"), "home"),
    NavItem(pgettext_lazy("menu", "Manager dashboard"), "dashboards:index", "dashboards.view_dashboard"),
    NavItem(pgettext_lazy("menu", "New ticket"), "tickets:create", "tickets.add_ticket"),
    NavItem(pgettext_lazy("menu", "Tickets"), "tickets:list", "tickets.view_ticket"),
    NavItem(pgettext_lazy("menu", "My work"), "tickets:my_work", "tickets.view_ticket"),
    NavItem(pgettext_lazy("menu", "Callbacks"), "tickets:callbacks", "tickets.view_callback"),
    NavItem(
        pgettext_lazy("menu", "Callback re-checks"), "tickets:callback_reviews", "tickets.review_callback"
    ),
    NavItem(pgettext_lazy("menu", "Ticket KPIs"), "tickets:metrics", "tickets.view_ticket_metrics"),
    NavItem(pgettext_lazy("menu", "Hotspots"), "hotspots:heat", "tickets.view_ticket_metrics"),
    NavItem(pgettext_lazy("menu", "Repeat repairs"), "hotspots:repeats", "dashboards.view_repeatrepair"),
    NavItem(pgettext_lazy("menu", "Cashier"), "billing:cashier", "billing.add_payment"),
    NavItem(pgettext_lazy("menu", "Bills"), "billing:bill_list", "billing.view_bill"),
    NavItem(pgettext_lazy("menu", "Arrears"), "billing:arrears", "billing.view_billing_reports"),
    NavItem(pgettext_lazy("menu", "Fee calls"), "billing:calls", "billing.record_call_outcome"),
    NavItem(pgettext_lazy("menu", "Meter readings"), "billing:meter_entry", "billing.add_meterreading"),
    NavItem(pgettext_lazy("menu", "Cash journal"), "billing:journal", "billing.view_billing_reports"),
    NavItem(pgettext_lazy("menu", "Monthly statement"), "billing:statement", "billing.view_billing_reports"),
    NavItem(pgettext_lazy("menu", "Front desk"), "frontdesk:home", "frontdesk.view_visitor"),
    NavItem(pgettext_lazy("menu", "Renovations"), "renovations:list", "renovations.view_renovation"),
    NavItem(
        pgettext_lazy("menu", "Renovation patrols"),
        "renovations:patrols",
        "renovations.record_renovation_patrol",
    ),
    NavItem(pgettext_lazy("menu", "Move-ins"), "moveins:list", "moveins.view_movein"),
    NavItem(pgettext_lazy("menu", "Move-in batches"), "moveins:batches", "moveins.view_moveinbatch"),
    NavItem(pgettext_lazy("menu", "Move-in spot checks"), "moveins:spot_checks", "moveins.spot_check_movein"),
    NavItem(
        pgettext_lazy("menu", "Warranty report"), "moveins:warranty_report", "moveins.view_warranty_report"
    ),
    NavItem(pgettext_lazy("menu", "Move-in figures"), "moveins:metrics", "tickets.view_ticket_metrics"),
    NavItem(pgettext_lazy("menu", "Staff performance"), "performance:list", "tickets.view_ticket_metrics"),
    NavItem(
        pgettext_lazy("menu", "Monthly reports"), "monthly_reports:list", "dashboards.view_monthlyreport"
    ),
    NavItem(pgettext_lazy("menu", "Training log"), "staff:training_list", "staff.view_trainingattendance"),
    NavItem(pgettext_lazy("menu", "Key custody"), "frontdesk:keys", "frontdesk.view_keycustody"),
    NavItem(pgettext_lazy("menu", "Move-outs"), "frontdesk:moveouts", "frontdesk.view_moveout"),
    NavItem(pgettext_lazy("menu", "Notices"), "relations:notices", "relations.view_notice"),
    NavItem(pgettext_lazy("menu", "Community events"), "relations:events", "relations.view_communityevent"),
    NavItem(pgettext_lazy("menu", "Invoice requests"), "frontdesk:invoices", "frontdesk.view_invoicerequest"),
    NavItem(pgettext_lazy("menu", "Satisfaction surveys"), "relations:surveys", "relations.view_survey"),
    NavItem(pgettext_lazy("menu", "Roster"), "staff:roster", "staff.view_rosterentry"),
    NavItem(pgettext_lazy("menu", "On duty now"), "staff:on_duty", "staff.view_rosterentry"),
    NavItem(pgettext_lazy("menu", "Shift swaps"), "staff:swaps", "staff.view_swaprequest"),
    NavItem(pgettext_lazy("menu", "Zones"), "staff:zones", "staff.redraw_zones"),
    NavItem(pgettext_lazy("menu", "Visits due"), "relations:visits_due", "relations.view_visit"),
    NavItem(pgettext_lazy("menu", "Units"), "residents:unit_list", "residents.view_unit"),
    NavItem(pgettext_lazy("menu", "People"), "residents:person_list", "residents.view_person"),
    NavItem(
        pgettext_lazy("menu", "Household requests"),
        "residents:household_requests",
        "residents.view_householdrequest",
    ),
    NavItem(pgettext_lazy("menu", "Import"), "residents:import", "residents.import_archive"),
    NavItem(pgettext_lazy("menu", "Gate check"), "passes:verify", "residents.verify_pass"),
    NavItem(pgettext_lazy("menu", "Passes"), "passes:list", "residents.view_pass"),
    NavItem(pgettext_lazy("menu", "Access log"), "residents:access_log", "residents.view_sensitiveaccesslog"),
    NavItem(pgettext_lazy("menu", "Shift handovers"), "staff:handover_teams", "staff.view_shifthandover"),
    NavItem(pgettext_lazy("menu", "Clock in"), "staff:attendance_clock", "staff.add_attendancerecord"),
    NavItem(
        pgettext_lazy("menu", "Attendance flags"), "staff:attendance_flags", "staff.view_attendancerecord"
    ),
    NavItem(
        pgettext_lazy("menu", "Quality inspections"), "staff:inspections", "staff.view_qualityinspection"
    ),
    NavItem(
        pgettext_lazy("menu", "Rectification orders"),
        "staff:rectification_orders",
        "staff.view_rectificationorder",
    ),
    NavItem(pgettext_lazy("menu", "CAPA"), "staff:capa", "staff.view_correctiveaction"),
    NavItem(pgettext_lazy("menu", "Incidents"), "staff:incidents", "staff.view_incident"),
    NavItem(pgettext_lazy("menu", "Drills"), "staff:drills", "staff.view_drill"),
]


@cache
def _url_of(url_name: str) -> str | None:
    """Menu URLs take no arguments, so each is resolved once per process (every page draws the menu)."""
    try:
        return reverse(url_name)
    except NoReverseMatch:
        return None


def _menu_key(user) -> tuple:
    return (frozenset(user.get_all_permissions()), user.is_superuser, usercache.current_language())


def nav_for(user) -> tuple[dict, ...]:
    """The menu items the user may open: built once per permission set and language in this
    process, and shared by every user who has that set (read-only)."""
    if not user.is_active:
        return ()
    key = _menu_key(user)
    return usercache.remember_shared("menu", key, lambda: _build_nav(key[0], key[1]))


def nav_html_for(user, current_url_name: str | None) -> str:
    """The menu's list items as HTML, drawn once per permission set and language (every staff
    page draws the menu); only the current page's mark is set per request."""
    if not user.is_active:
        return ""
    key = _menu_key(user)
    fragments = usercache.remember_shared("menu_html", key, lambda: _draw_nav(nav_for(user)))
    return mark_safe(  # noqa: S308  (fragments built by format_html)
        "".join(current if url_name == current_url_name else plain for url_name, plain, current in fragments)
    )


def _draw_nav(items: tuple[dict, ...]) -> tuple[tuple[str, str, str], ...]:
    return tuple(
        (
            item["url_name"],
            format_html('<li><a href="{}">{}</a></li>', item["url"], item["label"]),
            format_html('<li><a href="{}" aria-current="page">{}</a></li>', item["url"], item["label"]),
        )
        for item in items
    )


def _build_nav(permissions: frozenset[str], is_superuser: bool) -> tuple[dict, ...]:
    items = []
    for item in STAFF_NAV:
        if item.permission and not (is_superuser or item.permission in permissions):
            continue
        url = _url_of(item.url_name)
        if url is not None:
            items.append({"label": str(item.label), "url": url, "url_name": item.url_name})
    return tuple(items)
