"""Reads for renovations: lists, pages, the rules in force, what is still owed, the figures."""

from __future__ import annotations

from renovations.models import RenovationRules
from residents.models import Estate


def rules_for(estate: Estate | int) -> RenovationRules:
    """The estate's renovation rules (the defaults until a manager sets them in the admin)."""
    estate_id = estate if isinstance(estate, int) else estate.pk
    rules = RenovationRules.objects.filter(estate_id=estate_id).first()
    return rules or RenovationRules(estate_id=estate_id)


def working_hours_text(rules: RenovationRules) -> str:
    """The allowed working hours as printed on the permit and the passes and answered at the gate,
    e.g. "Mon–Fri 08:00-12:00, 14:00-18:00; Sat–Sun 09:00-12:00 (quiet work only); no noisy work on
    public holidays"."""
    from django.utils.translation import gettext as _

    parts = [_("Mon–Fri %(hours)s") % {"hours": rules.weekday_hours.replace(",", ", ")}]
    if rules.weekend_hours:
        weekend = _("Sat–Sun %(hours)s") % {"hours": rules.weekend_hours.replace(",", ", ")}
        if not rules.noisy_work_at_weekends:
            weekend += " " + _("(quiet work only)")
        parts.append(weekend)
    else:
        parts.append(_("no work at weekends"))
    if not rules.noisy_work_on_holidays:
        parts.append(_("no noisy work on public holidays"))
    return "; ".join(parts)
