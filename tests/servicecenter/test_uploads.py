"""Uploaded pictures are re-encoded before they are stored: metadata and trailing payloads are gone,
orientation is kept, decompression bombs are refused before decoding, the format stays the same."""

import io
import struct
import zlib

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import ExifTags, Image

from residents import services as residents_services
from servicecenter.uploads import clean_image, prepare_upload
from tests.tickets.conftest import ensure_default_categories
from tests.tickets.factories import TicketFactory
from tickets import services as ticket_services

pytestmark = pytest.mark.django_db
MARKER = "SN-4711-SECRET-CAMERA"


def _jpeg_with_gps(*, size=(40, 20), orientation: int | None = None) -> bytes:
    image = Image.new("RGB", size, (255, 255, 255))
    image.paste((255, 0, 0), (0, 0, 10, 10))  # a red corner shows where "top left" went
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "PhoneMaker"
    exif[ExifTags.Base.BodySerialNumber] = MARKER
    exif[ExifTags.Base.ImageDescription] = MARKER
    if orientation:
        exif[ExifTags.Base.Orientation] = orientation
    gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
    gps[ExifTags.GPS.GPSLatitudeRef] = "N"
    gps[ExifTags.GPS.GPSLatitude] = (31.0, 14.0, 7.5)
    gps[ExifTags.GPS.GPSLongitudeRef] = "E"
    gps[ExifTags.GPS.GPSLongitude] = (121.0, 28.0, 3.25)
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", exif=exif, comment=MARKER.encode())
    return buffer.getvalue()


def _png(size=(8, 8), mode="RGB") -> bytes:
    buffer = io.BytesIO()
    Image.new(mode, size, "blue" if mode == "RGB" else 0).save(buffer, "PNG")
    return buffer.getvalue()


def _png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def _png_bomb(width: int, height: int) -> bytes:
    """A valid PNG header for a huge greyscale picture; the pixel data is a tiny compressed stream."""
    header = _png_chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0))
    data = _png_chunk(b"IDAT", zlib.compress(b"\x00" * 4096, 9))
    return b"\x89PNG\r\n\x1a\n" + header + data + _png_chunk(b"IEND", b"")


def _ticket(unit_a):
    ensure_default_categories()
    return TicketFactory(unit=unit_a)


def _stored(field_file) -> bytes:
    with field_file.open("rb") as handle:
        return handle.read()


def test_ticket_photo_loses_exif_and_gps(users, unit_a):
    attachment = ticket_services.add_attachment(
        ticket=_ticket(unit_a),
        actor=users["frontdesk"],
        uploaded=SimpleUploadedFile("leak.jpg", _jpeg_with_gps()),
    )
    stored = _stored(attachment.file)
    image = Image.open(io.BytesIO(stored))
    assert image.format == "JPEG" and attachment.content_type == "image/jpeg"
    assert not image.getexif() and "exif" not in image.info and "comment" not in image.info
    assert MARKER.encode() not in stored and b"PhoneMaker" not in stored
    assert attachment.size == len(stored) == attachment.file.size


def test_archive_document_photo_loses_exif(users, unit_a):
    document = residents_services.upload_document(
        actor=users["clerk"],
        uploaded=SimpleUploadedFile("id-card.jpg", _jpeg_with_gps()),
        title="身份证复印件",
        unit=unit_a,
    )
    stored = _stored(document.file)
    assert MARKER.encode() not in stored and not Image.open(io.BytesIO(stored)).getexif()
    assert document.size == len(stored) and document.content_type == "image/jpeg"


def test_orientation_is_applied_before_exif_is_dropped():
    # Orientation 6: the camera was turned; viewers rotate the 40×20 picture 90° clockwise.
    cleaned = Image.open(
        io.BytesIO(clean_image(io.BytesIO(_jpeg_with_gps(orientation=6)), content_type="image/jpeg"))
    )
    assert cleaned.size == (20, 40)
    # The red top-left corner of the sensor image is now at the top right.
    red, _green, blue = cleaned.convert("RGB").getpixel((17, 2))
    assert red > 200 and blue < 60
    assert cleaned.convert("RGB").getpixel((2, 2))[2] > 200  # top left is white now


def test_html_appended_after_png_iend_is_removed(users, unit_a):
    payload = b"<html><script>alert(document.cookie)</script></html>"
    attachment = ticket_services.add_attachment(
        ticket=_ticket(unit_a),
        actor=users["frontdesk"],
        uploaded=SimpleUploadedFile("polyglot.png", _png() + payload),
    )
    stored = _stored(attachment.file)
    assert stored.startswith(b"\x89PNG") and stored.endswith(b"IEND\xaeB`\x82")
    assert b"<html" not in stored and b"script" not in stored and b"alert" not in stored
    assert attachment.content_type == "image/png" and attachment.size == len(stored)


def test_png_text_chunks_are_dropped():
    from PIL.PngImagePlugin import PngInfo

    info = PngInfo()
    info.add_text("Comment", MARKER)
    buffer = io.BytesIO()
    Image.new("RGB", (4, 4)).save(buffer, "PNG", pnginfo=info)
    assert MARKER.encode() in buffer.getvalue()
    assert MARKER.encode() not in clean_image(io.BytesIO(buffer.getvalue()), content_type="image/png")


@pytest.mark.parametrize(
    ("fmt", "content_type", "mode"),
    [
        ("JPEG", "image/jpeg", "RGB"),
        ("PNG", "image/png", "RGBA"),
        ("PNG", "image/png", "P"),
        ("WEBP", "image/webp", "RGB"),
    ],
)
def test_format_stays_the_same(fmt, content_type, mode):
    buffer = io.BytesIO()
    Image.new(mode, (6, 3)).save(buffer, fmt)
    stored, sniffed = prepare_upload(SimpleUploadedFile(f"x.{fmt.lower()}", buffer.getvalue()))
    assert sniffed == content_type
    image = Image.open(io.BytesIO(stored.read()))
    assert image.format == fmt and image.size == (6, 3)
    assert stored.size == len(stored.open().read())


def test_pdf_is_stored_as_it_came():
    pdf = b"%PDF-1.4\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n"
    stored, content_type = prepare_upload(SimpleUploadedFile("plan.pdf", pdf))
    assert content_type == "application/pdf" and stored.read() == pdf and stored.size == len(pdf)


def test_pixel_limit_is_checked_from_the_header(settings):
    settings.UPLOAD_MAX_IMAGE_PIXELS = 100
    with pytest.raises(ValidationError) as caught:
        prepare_upload(SimpleUploadedFile("big.png", _png(size=(20, 10))))
    assert caught.value.code == "too_many_pixels"
    assert "20 × 10" in caught.value.messages[0]


def test_decompression_bomb_is_refused_before_decoding(monkeypatch):
    bomb = _png_bomb(60_000, 60_000)  # 3.6 gigapixels in a few hundred bytes
    assert len(bomb) < 1000

    def no_decoding(self, *args, **kwargs):
        raise AssertionError("the pixels were decoded")

    monkeypatch.setattr(Image.Image, "load", no_decoding)
    monkeypatch.setattr("PIL.ImageFile.ImageFile.load", no_decoding)
    with pytest.raises(ValidationError) as caught:
        prepare_upload(SimpleUploadedFile("bomb.png", bomb))
    assert caught.value.code == "too_many_pixels"


def test_decompression_bomb_through_the_api_is_a_clear_400(api_as, users, unit_a):
    ticket = _ticket(unit_a)
    response = api_as(users["frontdesk"]).post(
        f"/api/tickets/{ticket.pk}/attachments/",
        {"file": SimpleUploadedFile("bomb.png", _png_bomb(9_000, 9_000))},
        format="multipart",
    )
    assert response.status_code == 400
    assert "megapixels" in str(response.json())
    assert not ticket.attachments.exists()


@pytest.mark.parametrize(
    ("fmt", "code"),
    # The sniffer already tells an animated PNG (image/apng) from a PNG; an animated WebP is
    # only found out by Pillow, which counts its frames.
    [("PNG", "file_type"), ("WEBP", "animated")],
)
def test_animated_pictures_are_refused(fmt, code):
    frames = [Image.new("RGB", (4, 4), colour) for colour in ("red", "green")]
    buffer = io.BytesIO()
    frames[0].save(buffer, fmt, save_all=True, append_images=frames[1:], duration=100, loop=0)
    with pytest.raises(ValidationError) as caught:
        prepare_upload(SimpleUploadedFile(f"anim.{fmt.lower()}", buffer.getvalue()))
    assert caught.value.code == code


def test_truncated_picture_is_a_clear_error():
    broken = _jpeg_with_gps()[:300]
    with pytest.raises(ValidationError) as caught:
        prepare_upload(SimpleUploadedFile("broken.jpg", broken))
    assert caught.value.code == "bad_image"


def test_heic_is_not_accepted():
    # ftyp box of an iPhone HEIC: Pillow cannot decode it here, so its EXIF could not be removed.
    heic = b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic" + b"\x00" * 64
    with pytest.raises(ValidationError) as caught:
        prepare_upload(SimpleUploadedFile("IMG_0001.HEIC", heic))
    assert caught.value.code == "file_type"


# --- the API schema ---------------------------------------------------------------------------


def _request_components(schema: dict) -> dict[str, set[str]]:
    """{component name: the request content types it is sent as} over every operation."""
    used: dict[str, set[str]] = {}
    for operations in schema["paths"].values():
        for operation in operations.values():
            content = (operation.get("requestBody") or {}).get("content", {})
            for content_type, body in content.items():
                ref = body.get("schema", {}).get("$ref", "")
                if ref:
                    used.setdefault(ref.rsplit("/", 1)[-1], set()).add(content_type)
    return used


def test_schema_types_upload_fields_as_binary_in_a_multipart_body(api_as, users):
    import yaml

    response = api_as(users["manager"]).get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi")
    assert response.status_code == 200
    schema = yaml.safe_load(response.content)
    components = schema["components"]["schemas"]
    used = _request_components(schema)

    body = schema["paths"]["/api/tickets/{id}/attachments/"]["post"]["requestBody"]["content"]
    assert list(body) == ["multipart/form-data"]
    upload = components["TicketAttachmentUpload"]["properties"]["file"]
    assert upload == {"type": "string", "format": "binary"}
    # No other request field looks like a file sent as a link, and every binary field is multipart.
    for name, content_types in used.items():
        for field, spec in components[name].get("properties", {}).items():
            if spec.get("readOnly"):
                continue
            assert spec.get("format") != "uri", f"{name}.{field}"
            if spec.get("format") == "binary":
                assert content_types == {"multipart/form-data"}, f"{name}.{field}"


def test_api_attachment_refuses_a_json_body(api_as, users, unit_a):
    ticket = _ticket(unit_a)
    response = api_as(users["frontdesk"]).post(
        f"/api/tickets/{ticket.pk}/attachments/", {"file": "https://example.com/x.png"}, format="json"
    )
    assert response.status_code == 415
    assert not ticket.attachments.exists()
