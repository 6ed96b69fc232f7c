"""Survey pages: the desk's list, a new survey from a template, a survey's page (questions,
open/close, results per question and building, the comparison across periods, the timeline) and
its Excel export; the portal's survey page, answered once. Every survey is fetched through
`visible_to(request.user)`, so another estate's is a 404."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from relations.exports_surveys import survey_workbook, xlsx_response
from relations.forms_surveys import (
    SurveyAnswerForm,
    SurveyCreateForm,
    SurveyFilterForm,
    SurveyQuestionFormSet,
)
from relations.models import Survey
from relations.selectors import surveys as selectors
from relations.services import surveys as services
from relations.workflows_surveys import SURVEY
from residents.models import Unit
from servicecenter.desk import desk_page, querystring
from servicecenter.exceptions import DomainError
from servicecenter.paging import paginate_light
from servicecenter.portal import portal_page

PAGE_SIZE = 25
VIEW = "relations.view_survey"
RESULTS = "relations.view_survey_results"


def _survey_or_404(request: HttpRequest, pk: int) -> Survey:
    survey = (
        Survey.objects.visible_to(request.user).select_related("estate", "template").filter(pk=pk).first()
    )
    if survey is None:
        raise Http404(_("No such survey."))
    return survey


@desk_page(VIEW)
@require_GET
def survey_list(request: HttpRequest) -> HttpResponse:
    form = SurveyFilterForm(request.GET or None, user=request.user)
    estate, status = None, ""
    if form.is_bound and form.is_valid():
        estate, status = form.cleaned_data["estate"], form.cleaned_data["status"]
    page = paginate_light(
        request, selectors.desk_surveys(request.user, estate=estate, status=status), per_page=PAGE_SIZE
    )
    return render(
        request,
        "relations/surveys/survey_list.html",
        {"page": page, "form": form, "querystring": querystring(request)},
    )


@desk_page(services.ADD)
@require_http_methods(["GET", "POST"])
def survey_create(request: HttpRequest) -> HttpResponse:
    form = SurveyCreateForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            survey = services.create_survey(actor=request.user, **data)
        except DomainError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, _("Survey created as a draft. Check the questions, then open it."))
            return redirect("relations:survey_detail", pk=survey.pk)
    status = 400 if request.method == "POST" else 200
    return render(request, "relations/surveys/survey_form.html", {"form": form}, status=status)


@desk_page(VIEW)
@require_GET
def survey_detail(request: HttpRequest, pk: int) -> HttpResponse:
    survey = _survey_or_404(request, pk)
    show_results = request.user.has_perm(RESULTS)
    return render(
        request,
        "relations/surveys/survey_detail.html",
        {
            "survey": survey,
            "questions": list(survey.questions.order_by("position", "pk")),
            "actions": SURVEY.available(survey, request.user),
            "may_edit_questions": services.questions_editable(survey)
            and request.user.has_perm(services.CHANGE),
            "results": selectors.survey_results(survey) if show_results else None,
            "comparison": selectors.survey_comparison(survey) if show_results else None,
            "events": survey.events.select_related("actor"),
        },
    )


@desk_page(services.CHANGE)
@require_http_methods(["GET", "POST"])
def survey_questions(request: HttpRequest, pk: int) -> HttpResponse:
    """Add, edit, reorder and remove a draft survey's questions (an open or closed survey keeps
    its questions: the page says so and offers no form)."""
    survey = _survey_or_404(request, pk)
    questions = list(survey.questions.order_by("position", "pk"))
    initial = [
        {
            "question_id": q.pk,
            "kind": q.kind,
            "text": q.text,
            "text_en": q.text_en,
            "is_required": q.is_required,
            "ORDER": q.position,
        }
        for q in questions
    ]
    formset = SurveyQuestionFormSet(request.POST or None, initial=initial, prefix="q")
    status = 200
    if request.method == "POST":
        status = 400
        if formset.is_valid():
            edits = [
                services.QuestionEdit(
                    kind=form.cleaned_data["kind"],
                    text=form.cleaned_data["text"],
                    text_en=form.cleaned_data.get("text_en", ""),
                    is_required=form.cleaned_data.get("is_required", False),
                    question_id=form.cleaned_data.get("question_id"),
                )
                for form in formset.ordered_forms
            ]
            try:
                services.edit_survey_questions(survey=survey, actor=request.user, questions=edits)
            except DomainError as error:
                messages.error(request, error.message)
            else:
                messages.success(request, _("The questions have been saved."))
                return redirect("relations:survey_detail", pk=survey.pk)
    return render(
        request,
        "relations/surveys/survey_questions.html",
        {"survey": survey, "formset": formset, "is_draft": services.questions_editable(survey)},
        status=status,
    )


def _act(request: HttpRequest, pk: int, name: str, service) -> HttpResponse:
    survey = _survey_or_404(request, pk)
    if not SURVEY.may(survey, name, request.user):
        raise PermissionDenied
    try:
        service(survey=survey, actor=request.user, note=request.POST.get("note", "")[:2000])
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("Survey: %(action)s.") % {"action": SURVEY.action(name).label})
    return redirect("relations:survey_detail", pk=survey.pk)


@desk_page(SURVEY.action("open").permission)
@require_POST
def survey_open(request: HttpRequest, pk: int) -> HttpResponse:
    return _act(request, pk, "open", services.open_survey)


@desk_page(SURVEY.action("close").permission)
@require_POST
def survey_close(request: HttpRequest, pk: int) -> HttpResponse:
    return _act(request, pk, "close", services.close_survey)


@desk_page(RESULTS)
@require_GET
def survey_export(request: HttpRequest, pk: int) -> HttpResponse:
    survey = _survey_or_404(request, pk)
    content = survey_workbook(selectors.survey_results(survey), selectors.survey_comparison(survey))
    return xlsx_response(content, f"survey-{survey.estate.code}-{survey.opens_on:%Y-%m-%d}")


# --- the portal -----------------------------------------------------------------------------------


@portal_page
@require_http_methods(["GET", "POST"])
def portal_survey(request: HttpRequest, unit_pk: int, pk: int) -> HttpResponse:
    """Answer a survey as the occupant of one of one's units in the survey's estate (the unit in
    the address: the results are per building). 404 for a unit that is not one's own or a survey
    of another estate or not open today."""
    unit = Unit.objects.visible_to(request.user).filter(pk=unit_pk).first()
    today = timezone.localdate()
    survey = Survey.objects.visible_to(request.user).answerable(today).filter(pk=pk).first() if unit else None
    if survey is None or survey.estate_id != unit.estate_id:
        raise Http404(_("No such survey."))
    questions = list(survey.questions.order_by("position", "pk"))
    answered = selectors.has_answered(survey, request.user)
    form = SurveyAnswerForm(
        request.POST if request.method == "POST" and not answered else None, questions=questions
    )
    status = 200
    if form.is_bound:
        if form.is_valid():
            try:
                services.answer_survey(survey=survey, user=request.user, unit=unit, answers=form.answers())
            except DomainError as error:
                form.add_error(None, error.message)
            else:
                messages.success(request, _("Thank you! Your answers have been received."))
                return redirect("portal:survey", unit_pk=unit.pk, pk=survey.pk)
        status = 400
    elif request.method == "POST":
        messages.error(request, _("You have already answered this survey. Thank you!"))
    return render(
        request,
        "relations/surveys/portal_survey.html",
        {"survey": survey, "unit": unit, "form": form, "answered": answered},
        status=status,
    )
