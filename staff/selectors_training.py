"""Reads for the training log. Supervisors, managers and the company see every session of their
estates; anyone else sees the sessions they attended or gave."""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db.models import Avg, Count, Q, QuerySet
from django.http import Http404
from django.utils.translation import gettext as _

from staff.models import TrainingAttendance, TrainingSession

User = get_user_model()

READ_ALL_PERMISSION = "staff.view_trainingsession"


def sessions_for_list(*, user) -> QuerySet[TrainingSession]:
    """Visible sessions with their number of attendees and average score (one query)."""
    sessions = TrainingSession.objects.visible_to(user)
    if not user.has_perm(READ_ALL_PERMISSION):
        sessions = sessions.filter(Q(attendances__user=user) | Q(trainer=user)).distinct()
    return (
        sessions.select_related("estate", "trainer")
        .annotate(
            attendee_count=Count("attendances", filter=Q(attendances__attended=True), distinct=True),
            average_score=Avg("attendances__score"),
        )
        .order_by("-session_date", "-pk")
    )


def session_for_page(*, user, pk: int) -> TrainingSession:
    session = sessions_for_list(user=user).filter(pk=pk).first()
    if session is None:
        raise Http404(_("No such training session."))
    return session


@dataclass
class GridLine:
    user: object
    attendance: TrainingAttendance | None


def attendance_grid(*, session: TrainingSession, user) -> list[GridLine]:
    """One line per staff member of the session's estate with their attendance (or none yet);
    someone who may not read every session sees only their own line. Two queries."""
    people = User.objects.filter(staff_profile__estates=session.estate_id, is_active=True)
    if not user.has_perm(READ_ALL_PERMISSION):
        people = people.filter(pk=user.pk)
    records = {a.user_id: a for a in TrainingAttendance.objects.filter(session=session)}
    return [
        GridLine(user=person, attendance=records.get(person.pk))
        for person in people.order_by("last_name", "first_name", "username")
    ]


def attendances_of(*, user) -> QuerySet[TrainingAttendance]:
    """A staff member's own training record, newest first."""
    return (
        TrainingAttendance.objects.filter(user=user)
        .select_related("session")
        .order_by("-session__session_date")
    )
