"""Checking and serving uploaded files. Uploads are private: they are only ever streamed by
`serve_private_file`, after the calling view has checked permission on the owning object."""

from __future__ import annotations

import filetype
from django.conf import settings
from django.core.exceptions import ValidationError
from django.http import FileResponse
from django.utils.translation import gettext as _

ALLOWED_DOCUMENT_TYPES = {
    "application/pdf": "pdf",
    "image/jpeg": "jpg",
    "image/png": "png",
    "image/webp": "webp",
    "image/heic": "heic",
}
IMAGE_TYPES = {k: v for k, v in ALLOWED_DOCUMENT_TYPES.items() if k.startswith("image/")}


def sniff_upload(uploaded, *, allowed: dict[str, str] | None = None, max_bytes: int | None = None) -> str:
    """Return the real content type of an upload, judged by its bytes, not its name or header.

    Raises ValidationError (translated) when the file is too large or of a type not allowed.
    """
    allowed = allowed or ALLOWED_DOCUMENT_TYPES
    max_bytes = max_bytes or settings.UPLOAD_MAX_BYTES
    if uploaded.size > max_bytes:
        raise ValidationError(
            _("The file is too large (%(size)s MB); the limit is %(limit)s MB.")
            % {"size": round(uploaded.size / 1048576, 1), "limit": round(max_bytes / 1048576)},
            code="file_too_large",
        )
    position = uploaded.tell() if hasattr(uploaded, "tell") else 0
    head = uploaded.read(8192)
    uploaded.seek(position)
    kind = filetype.guess(head)
    if kind is None or kind.mime not in allowed:
        raise ValidationError(
            _("This type of file is not accepted. Allowed: %(types)s.")
            % {"types": ", ".join(sorted({ext.upper() for ext in allowed.values()}))},
            code="file_type",
        )
    return kind.mime


def serve_private_file(
    field_file, *, content_type: str, download_name: str, inline: bool = True
) -> FileResponse:
    response = FileResponse(
        field_file.open("rb"), content_type=content_type, as_attachment=not inline, filename=download_name
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response
