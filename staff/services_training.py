"""Writes for the training log: sessions and who attended, with their assessment score."""

from __future__ import annotations

from datetime import date, timedelta

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from servicecenter.uploads import ALLOWED_DOCUMENT_TYPES, prepare_upload
from staff.models import StaffProfile, TrainingAttendance, TrainingSession

User = get_user_model()

MAX_SCORE = 100


def _works_at(user, estate) -> bool:
    return StaffProfile.objects.filter(user=user, estates=estate).exists()


@transaction.atomic
def create_training_session(
    *,
    estate,
    topic: str,
    session_date: date,
    actor,
    trainer=None,
    trainer_name: str = "",
    materials=None,
    materials_url: str = "",
) -> TrainingSession:
    """Log a training session. The trainer is a colleague of the estate or, from outside, a name;
    the materials an uploaded file (PDF or picture, checked and re-encoded) and/or a link."""
    topic, trainer_name = topic.strip(), trainer_name.strip()
    errors = {}
    if not topic:
        errors["topic"] = _("Say what the training was about.")
    if trainer is None and not trainer_name:
        errors["trainer"] = _("Name the trainer: a colleague or someone from outside.")
    elif trainer is not None and not _works_at(trainer, estate):
        errors["trainer"] = _("The trainer does not work at this estate.")
    if session_date > timezone.localdate() + timedelta(days=366):
        errors["session_date"] = _("The date is too far ahead.")
    if errors:
        raise ValidationError(errors)
    session = TrainingSession(
        estate=estate,
        topic=topic,
        session_date=session_date,
        trainer=trainer,
        trainer_name="" if trainer is not None else trainer_name,
        materials_url=materials_url,
        created_by=actor,
    )
    if materials is not None:
        stored, content_type = prepare_upload(materials, allowed=ALLOWED_DOCUMENT_TYPES)
        session.materials_file.save(stored.name, stored, save=False)
        session.materials_content_type = content_type
    session.save()
    return session


@transaction.atomic
def record_training_attendance(
    *, session: TrainingSession, user, actor, attended: bool = True, score: int | None = None, note: str = ""
) -> TrainingAttendance:
    """Record (or correct) one person's attendance and score at a session: the same person twice
    updates their one row. Someone absent has no score; a score is 0–100."""
    if not _works_at(user, session.estate_id):
        raise ValidationError({"user": _("This person does not work at the session's estate.")})
    if score is not None and not 0 <= score <= MAX_SCORE:
        raise ValidationError({"score": _("A score is between 0 and 100.")})
    if not attended and score is not None:
        raise ValidationError({"score": _("Someone absent has no score.")})
    attendance, _created = TrainingAttendance.objects.update_or_create(
        session=session,
        user=user,
        defaults={
            "attended": attended,
            "score": score,
            "note": note.strip(),
            "recorded_by": actor,
            "recorded_at": timezone.now(),
        },
    )
    return attendance
