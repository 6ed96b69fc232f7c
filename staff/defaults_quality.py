"""The checklists every estate starts with (admin-editable afterwards), per team kind."""

from django.utils.translation import gettext_lazy as _

from staff.models import Team

DEFAULT_CHECKLISTS = {
    Team.Kind.CLEANING: (
        _("Cleaning inspection"),
        (
            _("Lobbies and corridors clean, no litter"),
            _("Lifts clean, no smells"),
            _("Bins emptied, bin areas washed"),
            _("Stairwells swept"),
        ),
    ),
    Team.Kind.SECURITY: (
        _("Security inspection"),
        (
            _("Guards at their posts in uniform"),
            _("Visitors registered at the gate"),
            _("Patrol log signed on time"),
            _("Fire exits clear"),
        ),
    ),
    Team.Kind.LANDSCAPING: (
        _("Landscaping inspection"),
        (
            _("Lawns mowed, edges trimmed"),
            _("No dead plants or weeds"),
            _("Paths free of leaves"),
        ),
    ),
    Team.Kind.MAINTENANCE: (
        _("Maintenance inspection"),
        (
            _("Pump room clean, log kept"),
            _("Corridor lights working"),
            _("Fire equipment inspected this month"),
        ),
    ),
}
