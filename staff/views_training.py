"""Training log pages: the list, a new session, a session with its attendance grid."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.forms import formset_factory
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from servicecenter.desk import desk_page
from servicecenter.paging import paginate
from servicecenter.uploads import serve_private_file
from staff import selectors_training, services_training
from staff.forms_training import AttendanceForm, TrainingSessionForm

AttendanceFormSet = formset_factory(AttendanceForm, extra=0)


@desk_page("staff.view_trainingattendance")
@require_GET
def training_list(request: HttpRequest) -> HttpResponse:
    sessions = selectors_training.sessions_for_list(user=request.user)
    page = paginate(request, sessions, per_page=25)
    return render(
        request,
        "staff/training/list.html",
        {"page": page, "may_add": request.user.has_perm("staff.add_trainingsession")},
    )


@desk_page("staff.add_trainingsession")
@require_http_methods(["GET", "POST"])
def training_create(request: HttpRequest) -> HttpResponse:
    form = TrainingSessionForm(request.POST or None, request.FILES or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            session = services_training.create_training_session(
                estate=data["estate"],
                topic=data["topic"],
                session_date=data["session_date"],
                trainer=data["trainer"],
                trainer_name=data["trainer_name"],
                materials=data["materials"],
                materials_url=data["materials_url"],
                actor=request.user,
            )
        except ValidationError as error:
            form.apply_service_error(error)
        else:
            messages.success(request, _("Training session logged."))
            return redirect("staff:training_detail", pk=session.pk)
    return render(request, "staff/training/form.html", {"form": form})


def _grid_formset(session, grid, data=None):
    initial = [
        {
            "user": line.user.pk,
            "attended": line.attendance.attended if line.attendance else False,
            "score": line.attendance.score if line.attendance else None,
            "note": line.attendance.note if line.attendance else "",
        }
        for line in grid
    ]
    return AttendanceFormSet(data, initial=initial, prefix="att")


@desk_page("staff.view_trainingattendance")
@require_GET
def training_detail(request: HttpRequest, pk: int) -> HttpResponse:
    session = selectors_training.session_for_page(user=request.user, pk=pk)
    grid = selectors_training.attendance_grid(session=session, user=request.user)
    may_record = request.user.has_perm("staff.add_trainingattendance")
    formset = _grid_formset(session, grid) if may_record else None
    rows = list(zip(grid, formset.forms, strict=True)) if formset else [(line, None) for line in grid]
    return render(
        request,
        "staff/training/detail.html",
        {"session": session, "rows": rows, "formset": formset, "may_record": may_record},
    )


@desk_page("staff.add_trainingattendance")
@require_POST
def training_attendance(request: HttpRequest, pk: int) -> HttpResponse:
    session = selectors_training.session_for_page(user=request.user, pk=pk)
    grid = selectors_training.attendance_grid(session=session, user=request.user)
    formset = _grid_formset(session, grid, request.POST)
    if not formset.is_valid():
        messages.error(request, _("Check the scores: each is a whole number from 0 to 100."))
        return redirect("staff:training_detail", pk=session.pk)
    people = {line.user.pk: line.user for line in grid}
    try:
        with transaction.atomic():
            for form in formset.forms:
                data = form.cleaned_data
                person = people.get(data.get("user"))
                if person is None:
                    raise ValidationError(_("This person does not work at the session's estate."))
                if not data["attended"] and data["score"] is None and not data["note"]:
                    line = next(line for line in grid if line.user.pk == person.pk)
                    if line.attendance is None:
                        continue  # nothing to record for someone not there
                services_training.record_training_attendance(
                    session=session,
                    user=person,
                    attended=data["attended"],
                    score=data["score"],
                    note=data["note"],
                    actor=request.user,
                )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("Attendance saved."))
    return redirect("staff:training_detail", pk=session.pk)


@desk_page("staff.view_trainingattendance")
@require_GET
def training_materials(request: HttpRequest, pk: int) -> HttpResponse:
    session = selectors_training.session_for_page(user=request.user, pk=pk)
    if not session.materials_file:
        raise Http404(_("No materials uploaded."))
    return serve_private_file(
        session.materials_file,
        content_type=session.materials_content_type,
        download_name=session.materials_file.name.rsplit("/", 1)[-1],
    )
