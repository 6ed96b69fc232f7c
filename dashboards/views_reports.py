"""Monthly report pages (issue #15): the list of past reports by estate and month, one version's
page (printable), its Excel file and PDF, and the manager's rebuild with a reason.

Every page renders the stored snapshot; nothing here recomputes a figure."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.db.models import Count, OuterRef, Subquery
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from dashboards import services_reports
from dashboards.exports_reports import built_by_name, report_pdf, report_workbook, title_of
from dashboards.models import MonthlyReport
from dashboards.reports import report_tables
from residents.models import Estate
from servicecenter.desk import desk_page, querystring
from servicecenter.exceptions import DomainError
from servicecenter.forms import MonthFormField
from servicecenter.paging import paginate

READ = "dashboards.view_monthlyreport"
REBUILD = "dashboards.rebuild_monthlyreport"
PER_PAGE = 25


class ReportFilterForm(forms.Form):
    estate = forms.ModelChoiceField(
        label=gettext_lazy("Estate"),
        queryset=Estate.objects.none(),
        required=False,
        empty_label=gettext_lazy("All estates"),
    )
    month = MonthFormField(
        label=gettext_lazy("Month"),
        required=False,
        widget=forms.DateInput(attrs={"type": "month"}, format="%Y-%m"),
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["estate"].queryset = Estate.objects.visible_to(user).order_by("code")


class RebuildForm(forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("Reason for rebuilding"),
        max_length=services_reports.REASON_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=gettext_lazy("Required. The current version is kept and listed; the new one replaces it."),
    )


def reports_for_list(*, user):
    """The current version of each report the user may read, with how many versions it has."""
    versions = (
        MonthlyReport.objects.filter(estate_id=OuterRef("estate_id"), month=OuterRef("month"))
        .order_by()
        .values("month")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return (
        MonthlyReport.objects.visible_to(user)
        .current()
        .select_related("estate", "built_by")
        .defer("figures")
        .annotate(version_count=Subquery(versions))
        .order_by("-month", "estate__code")
    )


def _report_for(request: HttpRequest, pk: int) -> MonthlyReport:
    report = (
        MonthlyReport.objects.visible_to(request.user)
        .select_related("estate", "built_by")
        .filter(pk=pk)
        .first()
    )
    if report is None:
        raise Http404(_("No such report."))
    return report


@desk_page(READ)
@require_GET
def report_list(request: HttpRequest) -> HttpResponse:
    form = ReportFilterForm(request.GET or None, user=request.user)
    reports = reports_for_list(user=request.user)
    if form.is_bound and form.is_valid():
        if form.cleaned_data["estate"]:
            reports = reports.filter(estate=form.cleaned_data["estate"])
        if form.cleaned_data["month"]:
            reports = reports.filter(month=form.cleaned_data["month"])
    elif form.is_bound:
        reports = reports.none()
    page = paginate(request, reports, per_page=PER_PAGE)
    return render(
        request,
        "dashboards/reports/report_list.html",
        {"form": form, "page": page, "reports": page.object_list, "query": querystring(request)},
    )


@desk_page(READ)
@require_GET
def report_detail(request: HttpRequest, pk: int) -> HttpResponse:
    report = _report_for(request, pk)
    versions = (
        MonthlyReport.objects.filter(estate_id=report.estate_id, month=report.month)
        .select_related("built_by")
        .defer("figures")
        .order_by("-version")
    )
    response = render(
        request,
        "dashboards/reports/report_detail.html",
        {
            "report": report,
            "title": title_of(report),
            "built_by": built_by_name(report),
            "tables": report_tables(report.figures),
            "versions": [(version, built_by_name(version)) for version in versions],
            "may_rebuild": request.user.has_perm(REBUILD) and report.is_current,
            "rebuild_form": RebuildForm(),
        },
    )
    response["Cache-Control"] = "no-store"
    return response


@desk_page(REBUILD)
@require_POST
def report_rebuild(request: HttpRequest, pk: int) -> HttpResponse:
    report = _report_for(request, pk)
    form = RebuildForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Say why the report is rebuilt: a reason is required."))
        return redirect("monthly_reports:detail", pk=report.pk)
    try:
        new = services_reports.rebuild_monthly_report(
            report=report, actor=request.user, reason=form.cleaned_data["reason"]
        )
    except DomainError as error:
        messages.error(request, error.message)
        return redirect("monthly_reports:detail", pk=report.pk)
    messages.success(
        request, _("Version %(version)s was built and is now current.") % {"version": new.version}
    )
    return redirect("monthly_reports:detail", pk=new.pk)


def _download(content: bytes, *, content_type: str, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "no-store"
    return response


def _filename(report: MonthlyReport, extension: str) -> str:
    return f"monthly-report-{report.estate.code}-{report.month:%Y-%m}-v{report.version}.{extension}"


@desk_page(READ)
@require_GET
def report_excel(request: HttpRequest, pk: int) -> HttpResponse:
    report = _report_for(request, pk)
    return _download(
        report_workbook(report),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        filename=_filename(report, "xlsx"),
    )


@desk_page(READ)
@require_GET
def report_pdf_view(request: HttpRequest, pk: int) -> HttpResponse:
    report = _report_for(request, pk)
    return _download(report_pdf(report), content_type="application/pdf", filename=_filename(report, "pdf"))
