"""Bulk import (upload → preview → confirm) and export of the archive, for managers.

The uploaded file is kept between the preview and the confirmation in the private file storage
under a random token that only this session knows. Asking for the file again would let a
different file be confirmed than the one previewed; keeping the parsed report in the session
would let the archive change underneath it. The confirmation therefore re-runs the whole import
on the very bytes that were previewed, against the archive as it is at that moment.
"""

from __future__ import annotations

import secrets
import tempfile
from datetime import timedelta

from django import forms
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.files import File
from django.core.files.storage import default_storage
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.crypto import constant_time_compare
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from residents import importing
from residents.models import Estate
from servicecenter.desk import desk_page

SESSION_KEY = "residents_import_pending"
STAGING_DIR = "import-staging"
STAGING_MAX_AGE = timedelta(days=1)
PREVIEW_ROW_LIMIT = 500


def _estate_field_for(field: forms.ModelChoiceField, user) -> None:
    field.queryset = Estate.objects.visible_to(user)
    estates = list(field.queryset[:2])
    if len(estates) == 1:  # most managers run one estate: preselect it
        field.initial = estates[0].pk


class ImportUploadForm(forms.Form):
    estate = forms.ModelChoiceField(queryset=Estate.objects.none(), label=gettext_lazy("Estate"))
    file = forms.FileField(
        label=gettext_lazy("Spreadsheet"),
        help_text=gettext_lazy("Excel workbook (.xlsx) or CSV, at most 10 MB; one row per unit."),
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx,.csv"}),
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        _estate_field_for(self.fields["estate"], user)
        self.file_kind = ""

    def clean_file(self):
        uploaded = self.cleaned_data["file"]
        self.file_kind = importing.check_import_file(uploaded)
        return uploaded


class ExportForm(forms.Form):
    estate = forms.ModelChoiceField(queryset=Estate.objects.none(), label=gettext_lazy("Estate"))

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        _estate_field_for(self.fields["estate"], user)


def _discard_staged(request: HttpRequest) -> None:
    pending = request.session.pop(SESSION_KEY, None)
    if pending:
        default_storage.delete(pending["path"])


def _sweep_stale_staged_files() -> None:
    """Previews that were never confirmed leave their file behind; remove the old ones."""
    try:
        _dirs, names = default_storage.listdir(STAGING_DIR)
    except FileNotFoundError:
        return
    cutoff = timezone.now() - STAGING_MAX_AGE
    for name in names:
        path = f"{STAGING_DIR}/{name}"
        if default_storage.get_modified_time(path) < cutoff:
            default_storage.delete(path)


def _stage(request: HttpRequest, *, uploaded, kind: str, estate: Estate) -> str:
    _discard_staged(request)
    _sweep_stale_staged_files()
    token = secrets.token_urlsafe(24)
    uploaded.seek(0)
    path = default_storage.save(f"{STAGING_DIR}/{token}.{kind}", uploaded)
    request.session[SESSION_KEY] = {
        "token": token,
        "path": path,
        "estate_id": estate.pk,
        "name": uploaded.name,
    }
    return token


def _render_upload(request: HttpRequest, form: ImportUploadForm) -> HttpResponse:
    context = {"form": form, "export_form": ExportForm(user=request.user), "columns": importing.COLUMNS}
    return render(request, "residents/import_upload.html", context)


def _render_preview(
    request: HttpRequest, report: importing.ImportReport, *, token: str | None
) -> HttpResponse:
    shown = [row for row in report.rows if row.errors] or report.rows[:PREVIEW_ROW_LIMIT]
    return render(
        request,
        "residents/import_preview.html",
        {
            "report": report,
            "token": token,
            "shown_rows": shown,
            "hidden_row_count": len(report.rows) - len(shown),
        },
    )


@desk_page("residents.import_archive")
@never_cache
@require_http_methods(["GET", "POST"])
def import_upload(request: HttpRequest) -> HttpResponse:
    if request.method == "GET":
        return _render_upload(request, ImportUploadForm(user=request.user))
    form = ImportUploadForm(request.POST, request.FILES, user=request.user)
    if not form.is_valid():
        return _render_upload(request, form)
    estate, uploaded = form.cleaned_data["estate"], form.cleaned_data["file"]
    report = importing.import_archive(actor=request.user, estate=estate, uploaded_file=uploaded, commit=False)
    if report.has_errors:
        _discard_staged(request)
        return _render_preview(request, report, token=None)
    token = _stage(request, uploaded=uploaded, kind=form.file_kind, estate=estate)
    return _render_preview(request, report, token=token)


@desk_page("residents.import_archive")
@require_POST
def import_confirm(request: HttpRequest) -> HttpResponse:
    pending = request.session.get(SESSION_KEY)
    if not pending or not constant_time_compare(pending["token"], request.POST.get("token", "")):
        messages.error(request, _("This import preview has expired; please upload the file again."))
        return redirect("residents:import")
    estate = Estate.objects.visible_to(request.user).filter(pk=pending["estate_id"]).first()
    if estate is None or not default_storage.exists(pending["path"]):
        _discard_staged(request)
        messages.error(request, _("This import preview has expired; please upload the file again."))
        return redirect("residents:import")
    try:
        with default_storage.open(pending["path"], "rb") as handle:
            report = importing.import_archive(
                actor=request.user,
                estate=estate,
                uploaded_file=File(handle, name=pending["name"]),
                commit=True,
            )
    except ValidationError as exc:
        report = None
        messages.error(request, " ".join(exc.messages))
    _discard_staged(request)
    if report is None:
        return redirect("residents:import")
    if report.has_errors:
        # The archive changed since the preview (someone else edited it); nothing was written.
        messages.error(
            request, _("The archive changed since the preview; nothing was imported. See the rows below.")
        )
        return _render_preview(request, report, token=None)
    counts = report.counts
    messages.success(
        request,
        _(
            "Imported %(file)s into %(estate)s: %(units_created)s units created, %(units_updated)s updated, "
            "%(units_unchanged)s unchanged; "
            "%(persons_created)s people created, %(persons_updated)s updated; %(occupancies)s occupants linked."
        )
        % {
            "file": report.file_name,
            "estate": estate.name,
            "units_created": counts.units_created,
            "units_updated": counts.units_updated,
            "units_unchanged": counts.units_unchanged,
            "persons_created": counts.persons_created,
            "persons_updated": counts.persons_updated,
            "occupancies": counts.occupancies_created,
        },
    )
    return redirect("residents:import")


@desk_page("residents.import_archive")
@require_GET
def export_xlsx(request: HttpRequest) -> FileResponse:
    form = ExportForm(request.GET, user=request.user)
    if not form.is_valid():
        raise Http404(_("No such estate."))
    estate = form.cleaned_data["estate"]
    # Spooled: small exports stay in memory, big ones go to a temporary file instead of the heap.
    out = tempfile.SpooledTemporaryFile(max_size=settings.UPLOAD_MAX_BYTES)  # noqa: SIM115 (closed by FileResponse)
    importing.write_archive_xlsx(user=request.user, estate=estate, out=out)
    out.seek(0)
    response = FileResponse(
        out,
        as_attachment=True,
        filename=importing.export_file_name(estate),
        content_type=importing.XLSX_CONTENT_TYPE,
    )
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response
