"""Checking, cleaning and serving uploaded files. Uploads are private: they are only ever streamed
by `serve_private_file`, after the calling view has checked permission on the owning object."""

from __future__ import annotations

import io
import warnings
from pathlib import PurePath

import filetype
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.http import FileResponse
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from PIL import Image, ImageOps, UnidentifiedImageError
from rest_framework import serializers

ALLOWED_DOCUMENT_TYPES = {
    "application/pdf": "pdf",
    "image/jpeg": "jpg",
    "image/png": "png",
    "image/webp": "webp",
}
# HEIC is not accepted: Pillow cannot decode it here, so its EXIF (GPS included) could not be
# stripped. Phone browsers convert HEIC photos to JPEG when they upload them to a web form.
IMAGE_TYPES = {k: v for k, v in ALLOWED_DOCUMENT_TYPES.items() if k.startswith("image/")}
_PIL_FORMATS = {"image/jpeg": "JPEG", "image/png": "PNG", "image/webp": "WEBP"}

# Pillow's own guard against decompression bombs, in line with ours (it warns above this limit and
# refuses at twice it); `clean_image` checks the same limit itself before anything is decoded.
Image.MAX_IMAGE_PIXELS = settings.UPLOAD_MAX_IMAGE_PIXELS


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


def _unreadable() -> ValidationError:
    return ValidationError(_("This picture could not be read; the file may be damaged."), code="bad_image")


def clean_image(uploaded, *, content_type: str, max_pixels: int | None = None) -> bytes:
    """Decode the picture and encode it afresh in the same format, and return the new bytes.

    Only the pixels survive: EXIF (a phone photo's GPS position, the camera's serial number),
    comments, XMP and anything appended after the image data (an HTML page behind a PNG's IEND)
    are gone. The EXIF orientation is applied to the pixels first, so the photo still stands up.
    The size is checked from the header before the pixels are decoded: a small file that unpacks
    to gigabytes (a decompression bomb) is refused before it takes the memory.
    """
    max_pixels = max_pixels or settings.UPLOAD_MAX_IMAGE_PIXELS
    pil_format = _PIL_FORMATS[content_type]
    uploaded.seek(0)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(uploaded, formats=[pil_format]) as image:
                width, height = image.size
                if width * height > max_pixels:
                    raise _too_many_pixels(width, height, max_pixels)
                if getattr(image, "n_frames", 1) > 1:
                    # A repair photo is a still; flattening would silently drop what was meant.
                    raise ValidationError(
                        _("Animated pictures are not accepted; upload a still photo."), code="animated"
                    )
                icc_profile = image.info.get("icc_profile")
                transparency = image.info.get("transparency")
                upright = ImageOps.exif_transpose(image)
                upright.load()
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as error:
        raise _too_many_pixels(0, 0, max_pixels) from error
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError) as error:
        raise _unreadable() from error
    finally:
        uploaded.seek(0)

    clean = upright.copy()
    clean.info = {}  # Pillow's writers copy some of these (comment, xmp) back into the file
    options: dict = {}
    if icc_profile:  # colour only, and dropping it would shift a wide-gamut photo's colours
        options["icc_profile"] = icc_profile
    if pil_format == "JPEG":
        if clean.mode not in ("RGB", "L", "CMYK"):
            clean = clean.convert("RGB")
        options.update(quality=90, optimize=True)
    elif pil_format == "PNG":
        if transparency is not None and clean.mode in ("P", "L", "RGB"):
            options["transparency"] = transparency
        options["optimize"] = True
    else:
        if clean.mode not in ("RGB", "RGBA"):
            clean = clean.convert("RGBA" if "A" in clean.mode or transparency is not None else "RGB")
        options.update(quality=90, method=4)
    output = io.BytesIO()
    try:
        clean.save(output, format=pil_format, **options)
    except (OSError, ValueError) as error:
        raise _unreadable() from error
    return output.getvalue()


def _too_many_pixels(width: int, height: int, max_pixels: int) -> ValidationError:
    limit = round(max_pixels / 1_000_000)
    if width and height:
        return ValidationError(
            _("The picture is too large (%(width)s × %(height)s pixels); the limit is %(limit)s megapixels.")
            % {"width": width, "height": height, "limit": limit},
            code="too_many_pixels",
        )
    return ValidationError(
        _("The picture is too large; the limit is %(limit)s megapixels.") % {"limit": limit},
        code="too_many_pixels",
    )


def prepare_upload(
    uploaded, *, allowed: dict[str, str] | None = None, max_bytes: int | None = None
) -> tuple[ContentFile, str]:
    """Check an upload and return (the file to store, its content type).

    Every upload path stores what this returns, never the uploaded object itself: pictures are
    re-encoded by `clean_image`, other files (PDF) are stored as they came. The returned file's
    `size` is the size of the bytes that are stored.
    """
    content_type = sniff_upload(uploaded, allowed=allowed, max_bytes=max_bytes)
    name = PurePath(getattr(uploaded, "name", "") or "upload").name or "upload"
    if content_type in _PIL_FORMATS:
        return ContentFile(clean_image(uploaded, content_type=content_type), name=name), content_type
    uploaded.seek(0)
    return ContentFile(uploaded.read(), name=name), content_type


def serve_private_file(field_file, *, content_type: str, download_name: str) -> FileResponse:
    """Stream an upload. Only pictures (which `prepare_upload` re-encoded) open in the browser;
    everything else, PDFs included, is a download, so that no stored file runs as a page of ours.
    """
    inline = content_type in _PIL_FORMATS
    response = FileResponse(
        field_file.open("rb"), content_type=content_type, as_attachment=not inline, filename=download_name
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


@extend_schema_field(OpenApiTypes.BINARY)
class UploadField(serializers.FileField):
    """A file sent in a multipart API request. drf-spectacular types a plain FileField as a URI
    (how a file looks in a response); clients generated from the schema need `format: binary`."""
