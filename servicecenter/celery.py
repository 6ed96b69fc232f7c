"""The Celery app and the one beat schedule of the whole project.

Every periodic job is listed here and nowhere else. Jobs are sweeps that find due work from
database state, so a message lost while the broker was down is only a delay: the database row is
the record that work is due (an outbox), a message only a nudge. What re-derives what:

- staff.tasks.deliver_outbound_messages: queued after `notify()` commits; the same task runs
  every minute from beat and sends every pending `OutboundMessage` row that is due.
- tickets.tasks.check_ticket_deadlines: queued after a registration commits; the deadline sweep
  (every 3 minutes) finds every ticket owed a warning or escalation from its deadline columns
  and the `Escalation` rows already written.
- billing bills, the reminder ladder, notification purging, callback reminders, closing resolved
  tickets: sweeps over rows, each run by beat often enough that a lost run is re-done by the next.
- tickets.tasks.draw_callback_samples: draws last month's sample for every estate that has none
  yet (one per estate and month, a unique constraint). It runs every day, not only on the 1st,
  so that a run lost on the 1st is made up the next morning.
- renovations.tasks: today's patrol per active renovation (a unique constraint per day), missed
  patrols, works whose start date has come: sweeps run hourly, each safe to repeat.
- frontdesk.tasks.remind_lost_items_due_for_disposal: held lost items near their disposal date,
  each reminded once (`reminder_sent_at`); run through the working day, so a lost run is made up.
- moveins.tasks.remind_movein_spot_checks: from the reminder day of the month, one reminder per
  estate and month (a unique row) when too few move-in records were spot-checked; daily.
- dashboards.tasks.detect_repeat_repairs: repeat repairs among the last 40 days' repairs, nightly;
  a pair is recorded once (a unique constraint), so a repeated or missed run changes nothing.
- dashboards.tasks.build_monthly_reports: last month's report for every estate without one (one
  current version per estate and month, a unique constraint); on the 1st to the 4th, so that the
  reports are out before the 5th even if the 1st's run is lost.
- tickets.tasks.refresh_ticket_metrics_months: the stored ticket KPIs of the month just closed,
  computed again every night of the 1st to the 5th, as the dashboards' KPI months are.
- tickets.tasks.refresh_live_ticket_metrics: every 4 minutes, the current month's ticket KPI
  snapshots that were asked for, so they are computed before they are older than
  KPI_LIVE_MAX_AGE_SECONDS (5 minutes) and a reader seldom waits; a lost run costs a reader that.
- dashboards.tasks.refresh_live_kpi_months: every 4 minutes, the current month's KPI snapshots
  of the dashboard (`KpiMonth`) that were asked for, likewise.
- dashboards.tasks.refresh_kpi_months: the stored KPI figures of the month just closed, computed
  again every night of the 1st to the 5th (late callbacks and payments still land then); a lost
  run is made up by the next night, a repeated one stores the same figures.
"""

import os

from celery import Celery
from celery.schedules import crontab

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "servicecenter.settings")

app = Celery("servicecenter")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

# Tasks queued after commit as a shortcut (servicecenter.tasking.enqueue_after_commit), each with
# the beat entry whose sweep does the same work from database rows. The helper refuses any other.
AFTER_COMMIT_SWEEPS = {
    "staff.tasks.deliver_outbound_messages": "deliver-outbound-messages",
    "tickets.tasks.check_ticket_deadlines": "tickets-sweep-deadlines",
    "relations.tasks.send_urgent_notice_sms": "relations-urgent-notice-sms",
}

app.conf.beat_schedule = {
    "relations-urgent-notice-sms": {
        "task": "relations.tasks.sweep_urgent_notice_sms",
        "schedule": 300.0,
    },
    "deliver-outbound-messages": {
        "task": "staff.tasks.deliver_outbound_messages",
        "schedule": 60.0,
    },
    "billing-generate-monthly-bills": {
        "task": "billing.tasks.generate_monthly_bills",
        "schedule": crontab(hour=1, minute=30),
    },
    # Just after midnight: the ageing bands of the arrears summary move with the date.
    "billing-refresh-arrears-summary": {
        "task": "billing.tasks.refresh_arrears_summary",
        "schedule": crontab(hour=0, minute=5),
    },
    "billing-reminder-ladder": {
        "task": "billing.tasks.run_reminder_ladder",
        "schedule": crontab(hour=9, minute=0),
    },
    "staff-escalate-overdue-rectifications": {
        "task": "staff.tasks.escalate_overdue_rectification_orders",
        "schedule": crontab(minute="*/15"),
    },
    "purge-old-notifications": {
        "task": "staff.tasks.purge_read_notifications",
        "schedule": crontab(hour=3, minute=30),
    },
    "tickets-sweep-deadlines": {
        "task": "tickets.tasks.sweep_ticket_deadlines",
        "schedule": 180.0,
    },
    "tickets-remind-due-callbacks": {
        "task": "tickets.tasks.remind_due_callbacks",
        "schedule": 300.0,
    },
    "tickets-close-resolved": {
        "task": "tickets.tasks.close_resolved_tickets",
        "schedule": crontab(minute=17),
    },
    "tickets-draw-callback-samples": {
        "task": "tickets.tasks.draw_callback_samples",
        "schedule": crontab(hour=6, minute=0),  # daily: see the module docstring
    },
    # Nightly, when the desk is quiet: the day's finished tickets teach the intake suggestions.
    "tickets-retrain-intake-suggestions": {
        "task": "tickets.tasks.retrain_intake_suggestions",
        "schedule": crontab(hour=2, minute=40),
    },
    # Hourly through the working day: a run lost at 6:05 is made up within the hour.
    "renovations-generate-patrols": {
        "task": "renovations.tasks.generate_renovation_patrols",
        "schedule": crontab(hour="6-20", minute=5),
    },
    "renovations-mark-missed-patrols": {
        "task": "renovations.tasks.mark_missed_renovation_patrols",
        "schedule": crontab(minute=35),
    },
    "renovations-start-due-works": {
        "task": "renovations.tasks.start_due_renovation_works",
        "schedule": crontab(minute=15),
    },
    "frontdesk-remind-lost-items": {
        "task": "frontdesk.tasks.remind_lost_items_due_for_disposal",
        "schedule": crontab(hour="8-18/2", minute=25),
    },
    # Online payments whose notification never came: ask the gateway, close the expired ones.
    "billing-sweep-online-payments": {
        "task": "billing.tasks.sweep_online_payments",
        "schedule": 300.0,
    },
    # Nightly, after the day's tickets: repeat repairs of the last 40 days (a pair once, so a
    # missed night is made up by the next).
    "dashboards-detect-repeat-repairs": {
        "task": "dashboards.tasks.detect_repeat_repairs",
        "schedule": crontab(hour=2, minute=10),
    },
    "moveins-remind-spot-checks": {
        "task": "moveins.tasks.remind_movein_spot_checks",
        "schedule": crontab(hour=9, minute=20),
    },
    "dashboards-build-monthly-reports": {
        "task": "dashboards.tasks.build_monthly_reports",
        "schedule": crontab(hour=4, minute=10, day_of_month="1-4"),
    },
    # The month just closed, while its figures still move (the task does nothing after the 5th).
    "dashboards-refresh-kpi-months": {
        "task": "dashboards.tasks.refresh_kpi_months",
        "schedule": crontab(hour=3, minute=40, day_of_month="1-5"),
    },
    "tickets-refresh-ticket-metrics-months": {
        "task": "tickets.tasks.refresh_ticket_metrics_months",
        "schedule": crontab(hour=3, minute=50, day_of_month="1-5"),
    },
    # Shorter than KPI_LIVE_MAX_AGE_SECONDS, so a snapshot read is younger than that.
    "tickets-refresh-live-ticket-metrics": {
        "task": "tickets.tasks.refresh_live_ticket_metrics",
        "schedule": 240.0,
    },
    "dashboards-refresh-live-kpi-months": {
        "task": "dashboards.tasks.refresh_live_kpi_months",
        "schedule": 240.0,
    },
}
