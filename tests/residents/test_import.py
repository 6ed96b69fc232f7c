"""Bulk import and export of the archive: files built here with openpyxl/csv (no binaries committed)."""

import csv
import io
from datetime import date
from decimal import Decimal

import openpyxl
import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from residents import importing, views_import
from residents.models import Building, Occupancy, Person, Unit
from servicecenter.crypto import keyed_hash
from tests.factories import OccupancyFactory, PersonFactory, UnitFactory, make_id_number

HEADERS_EN = [
    "building",
    "entrance",
    "room",
    "floor",
    "area",
    "use",
    "state",
    "name",
    "mobile",
    "id_number",
    "role",
    "start_date",
]
HEADERS_ZH = [
    "楼栋",
    "单元",
    "房号",
    "楼层",
    "面积(㎡)",
    "用途",
    "状态",
    "姓名",
    "手机",
    "身份证号",
    "身份",
    "入住日期",
]
ID_1 = make_id_number(1)
ID_2 = make_id_number(2)

GOOD_ROWS = [
    [
        "5",
        "1",
        "101",
        1,
        89.5,
        "residential",
        "handed_over",
        "王伟",
        "13800000001",
        ID_1,
        "owner",
        date(2024, 5, 1),
    ],
    [
        "5",
        "1",
        "102",
        1,
        "120.25",
        "Residential",
        "Vacant",
        "李娜",
        "13800000002",
        ID_2,
        "Tenant",
        "2024/06/01",
    ],
    ["5", "2", "201", 2, 75, "住宅", "未售", "", "", "", "", None],
    ["6", "", "S01", 1, 40, "商铺", "已入住", "王伟", "13800000001", ID_1, "业主", "2024年7月1日"],
]


def xlsx_file(rows, headers=HEADERS_EN, name="archive.xlsx", title_rows=()):
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    for title in title_rows:
        sheet.append(title)
    sheet.append(headers)
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return SimpleUploadedFile(name, buffer.getvalue(), content_type=importing.XLSX_CONTENT_TYPE)


def csv_file(rows, headers=HEADERS_EN, encoding="utf-8", name="archive.csv", bom=False):
    text = io.StringIO()
    writer = csv.writer(text)
    writer.writerow(headers)
    for row in rows:
        writer.writerow(["" if cell is None else cell for cell in row])
    data = text.getvalue().encode(encoding)
    if bom:
        data = b"\xef\xbb\xbf" + data
    return SimpleUploadedFile(name, data, content_type="text/csv")


def archive_counts(estate):
    return (
        Building.objects.filter(estate=estate).count(),
        Unit.objects.filter(estate=estate).count(),
        Person.objects.filter(estate=estate).count(),
        Occupancy.objects.filter(unit__estate=estate).count(),
    )


@pytest.fixture
def manager(users):
    return users["manager"]


@pytest.fixture(autouse=True)
def _remove_staged_uploads():
    """Previews keep the upload in the private storage until confirmed; don't leave test files."""
    yield
    try:
        _dirs, names = default_storage.listdir(views_import.STAGING_DIR)
    except FileNotFoundError:
        return
    for name in names:
        default_storage.delete(f"{views_import.STAGING_DIR}/{name}")


# --- The service -----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_xlsx_import_creates_buildings_units_people_and_occupancies(manager, estate_a, building_a):
    report = importing.import_archive(
        actor=manager, estate=estate_a, uploaded_file=xlsx_file(GOOD_ROWS), commit=True
    )

    assert not report.has_errors, report.error_rows
    assert report.committed
    counts = report.counts
    assert (counts.buildings_created, counts.units_created, counts.persons_created) == (2, 4, 2)
    assert counts.occupancies_created == 3
    unit = Unit.objects.get(estate=estate_a, code="5-1-101")
    assert (unit.floor, unit.area, unit.use, unit.state) == (
        1,
        Decimal("89.50"),
        "residential",
        "handed_over",
    )
    assert Unit.objects.get(estate=estate_a, code="5-1-102").area == Decimal("120.25")
    shop = Unit.objects.get(estate=estate_a, code="6-S01")
    assert (shop.use, shop.state, shop.entrance) == ("commercial", "occupied", "")
    assert Unit.objects.get(estate=estate_a, code="5-2-201").state == "unsold"

    wang = Person.objects.get(estate=estate_a, id_number_hash=keyed_hash(ID_1))
    assert wang.name == "王伟" and wang.mobile == "13800000001"
    assert ID_1 not in wang.id_number_ciphertext and wang.decrypted_id_number() == ID_1
    assert wang.id_number_masked == ID_1[:3] + "*" * 11 + ID_1[-4:]
    assert sorted(wang.occupancies.values_list("unit__code", "role", "start_date")) == [
        ("5-1-101", "owner", date(2024, 5, 1)),
        ("6-S01", "owner", date(2024, 7, 1)),
    ]
    tenancy = Occupancy.objects.get(person__name="李娜")
    assert (tenancy.role, tenancy.start_date) == ("tenant", date(2024, 6, 1))


@pytest.mark.django_db
def test_csv_import_in_utf8_with_bom(manager, estate_a):
    report = importing.import_archive(
        actor=manager, estate=estate_a, uploaded_file=csv_file(GOOD_ROWS, bom=True), commit=True
    )
    assert not report.has_errors, report.error_rows
    assert report.counts.units_created == 4
    assert Person.objects.filter(estate=estate_a, id_number_hash=keyed_hash(ID_2), name="李娜").exists()


@pytest.mark.django_db
def test_gb18030_csv_with_chinese_headers(manager, estate_a):
    uploaded = csv_file(GOOD_ROWS, headers=HEADERS_ZH, encoding="gb18030")
    with pytest.raises(UnicodeDecodeError):
        uploaded.read().decode("utf-8")  # really not UTF-8
    uploaded.seek(0)

    report = importing.import_archive(actor=manager, estate=estate_a, uploaded_file=uploaded, commit=True)

    assert not report.has_errors, report.error_rows + report.file_errors
    assert report.counts.units_created == 4
    assert Person.objects.get(estate=estate_a, id_number_hash=keyed_hash(ID_1)).name == "王伟"
    assert Unit.objects.get(estate=estate_a, code="6-S01").use == "commercial"


@pytest.mark.django_db
def test_chinese_headers_in_xlsx_below_a_title_row(manager, estate_a):
    uploaded = xlsx_file(GOOD_ROWS, headers=HEADERS_ZH, title_rows=[["绿景苑业主信息表"]])
    report = importing.import_archive(actor=manager, estate=estate_a, uploaded_file=uploaded, commit=True)
    assert not report.has_errors, report.error_rows + report.file_errors
    assert [row.line for row in report.rows] == [3, 4, 5, 6]
    assert report.counts.units_created == 4


@pytest.mark.django_db
def test_one_bad_row_is_reported_with_row_and_column_and_nothing_is_written(manager, estate_a, unit_a):
    before = archive_counts(estate_a)
    bad_id = ID_2[:-1] + ("0" if ID_2[-1] != "0" else "1")
    rows = [
        *GOOD_ROWS[:1],
        ["5", "1", "102", 1, "120.25", "", "", "李娜", "13800000002", bad_id, "", ""],
        *GOOD_ROWS[2:],
    ]

    report = importing.import_archive(
        actor=manager, estate=estate_a, uploaded_file=xlsx_file(rows), commit=True
    )

    assert report.has_errors and not report.committed
    assert [row.line for row in report.error_rows] == [3]
    [message] = report.error_rows[0].errors
    assert "Row 3" in message and "id_number" in message and "check character" in message
    assert archive_counts(estate_a) == before


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("cells", "column", "text"),
    [
        ({4: "-3"}, "area", "≥ 0"),
        ({4: "89.555"}, "area", "2 decimals"),
        ({4: ""}, "area", "required"),
        ({8: "12345"}, "mobile", "11 digits"),
        ({5: "castle"}, "use", "not one of"),
        ({6: "haunted"}, "state", "not one of"),
        ({10: "landlord"}, "role", "not one of"),
        ({11: "next tuesday"}, "start_date", "date like"),
        ({3: "eleven"}, "floor", "whole number"),
        ({0: ""}, "building", "required"),
        ({8: "", 9: ""}, "mobile", "told apart"),
    ],
)
def test_each_kind_of_bad_cell_is_reported(manager, estate_a, cells, column, text):
    row = list(GOOD_ROWS[0])
    for index, value in cells.items():
        row[index] = value
    report = importing.import_archive(
        actor=manager, estate=estate_a, uploaded_file=csv_file([row]), commit=True
    )
    [bad] = report.error_rows
    assert any(f"“{column}”" in message and text in message for message in bad.errors), bad.errors
    assert not Unit.objects.filter(estate=estate_a).exists()


@pytest.mark.django_db
def test_duplicates_within_the_file_are_errors(manager, estate_a):
    twice = GOOD_ROWS[2]
    conflicting = ["5", "1", "101", 1, "95", "", "", "", "", "", "", ""]
    same_id_other_name = ["5", "2", "202", 2, 75, "", "", "张三", "13800000009", ID_1, "", ""]
    report = importing.import_archive(
        actor=manager,
        estate=estate_a,
        uploaded_file=csv_file([*GOOD_ROWS, twice, conflicting, same_id_other_name]),
        commit=True,
    )
    messages = {row.line: " ".join(row.errors) for row in report.error_rows}
    assert set(messages) == {6, 7, 8}
    assert "already on row 4" in messages[6]
    assert "row 2 with different details" in messages[7]
    assert "row 2 with a different name" in messages[8]
    assert not Unit.objects.filter(estate=estate_a).exists()


@pytest.mark.django_db
def test_a_unit_may_repeat_to_add_another_person(manager, estate_a):
    co_owner = [
        "5",
        "1",
        "101",
        1,
        89.5,
        "residential",
        "handed_over",
        "王芳",
        "13800000003",
        "",
        "co_owner",
        "",
    ]
    report = importing.import_archive(
        actor=manager, estate=estate_a, uploaded_file=xlsx_file([GOOD_ROWS[0], co_owner]), commit=True
    )
    assert not report.has_errors, report.error_rows
    assert report.counts.units_created == 1 and report.counts.occupancies_created == 2
    assert set(Occupancy.objects.filter(unit__code="5-1-101").values_list("role", flat=True)) == {
        "owner",
        "co_owner",
    }


@pytest.mark.django_db
def test_preview_writes_nothing_but_reports_what_would_happen(manager, estate_a):
    before = archive_counts(estate_a)
    report = importing.import_archive(
        actor=manager, estate=estate_a, uploaded_file=xlsx_file(GOOD_ROWS), commit=False
    )
    assert not report.has_errors and not report.committed
    assert (
        report.counts.units_created,
        report.counts.persons_created,
        report.counts.occupancies_created,
    ) == (4, 2, 3)
    assert [row.unit_action for row in report.rows] == ["create", "create", "create", "create"]
    assert archive_counts(estate_a) == before


@pytest.mark.django_db
def test_reimporting_the_same_file_updates_instead_of_duplicating(manager, estate_a):
    importing.import_archive(actor=manager, estate=estate_a, uploaded_file=xlsx_file(GOOD_ROWS), commit=True)
    after_first = archive_counts(estate_a)

    again = importing.import_archive(
        actor=manager, estate=estate_a, uploaded_file=xlsx_file(GOOD_ROWS), commit=True
    )

    assert not again.has_errors, again.error_rows
    assert archive_counts(estate_a) == after_first
    counts = again.counts
    assert (
        counts.buildings_created,
        counts.units_created,
        counts.persons_created,
        counts.occupancies_created,
    ) == (
        0,
        0,
        0,
        0,
    )
    assert counts.units_unchanged == 4

    changed = [list(row) for row in GOOD_ROWS]
    changed[0][4] = "91.00"
    changed[0][8] = changed[3][8] = "13900000001"  # 王伟 is on two rows
    third = importing.import_archive(
        actor=manager, estate=estate_a, uploaded_file=xlsx_file(changed), commit=True
    )
    assert not third.has_errors, third.error_rows
    assert (third.counts.units_updated, third.counts.persons_updated) == (1, 1)
    assert Unit.objects.get(estate=estate_a, code="5-1-101").area == Decimal("91.00")
    assert Person.objects.get(estate=estate_a, id_number_hash=keyed_hash(ID_1)).mobile == "13900000001"
    assert archive_counts(estate_a) == after_first


@pytest.mark.django_db
def test_people_already_in_the_archive_are_matched_by_id_or_name_and_mobile(manager, estate_a, unit_a):
    by_id = PersonFactory(estate=estate_a, name="王伟", mobile="13700000000", id_number=ID_1)
    by_phone = PersonFactory(estate=estate_a, name="李娜", mobile="13800000002")
    OccupancyFactory(unit=unit_a, person=by_phone, role="tenant", start_date=date(2023, 1, 1))
    rows = [
        GOOD_ROWS[0],
        ["3", "2", "1101", 11, unit_a.area, "", "", "李娜", "13800000002", ID_2, "tenant", ""],
    ]
    report = importing.import_archive(
        actor=manager, estate=estate_a, uploaded_file=xlsx_file(rows), commit=True
    )

    assert not report.has_errors, report.error_rows
    assert report.counts.persons_created == 0 and report.counts.persons_updated == 2
    assert report.rows[1].occupancy_action == "existing"
    by_id.refresh_from_db()
    by_phone.refresh_from_db()
    assert by_id.mobile == "13800000001"
    assert by_phone.id_number_hash == keyed_hash(ID_2)
    assert Occupancy.objects.filter(person=by_phone).count() == 1


@pytest.mark.django_db
def test_the_other_estates_people_are_not_matched(manager, estate_a, estate_b):
    PersonFactory(estate=estate_b, name="王伟", mobile="13800000001", id_number=ID_1)
    report = importing.import_archive(
        actor=manager, estate=estate_a, uploaded_file=xlsx_file(GOOD_ROWS[:1]), commit=True
    )
    assert report.counts.persons_created == 1
    assert Person.objects.filter(id_number_hash=keyed_hash(ID_1)).count() == 2


@pytest.mark.django_db
def test_missing_required_columns_and_unreadable_files(manager, estate_a):
    report = importing.import_archive(
        actor=manager,
        estate=estate_a,
        uploaded_file=csv_file([["5", "101"]], headers=["building", "room"]),
        commit=True,
    )
    assert report.has_errors and "Area" in report.file_errors[0]

    broken = SimpleUploadedFile("archive.xlsx", b"PK\x03\x04" + b"\x00" * 200)
    report = importing.import_archive(actor=manager, estate=estate_a, uploaded_file=broken, commit=True)
    assert "could not be read" in report.file_errors[0]
    assert not Unit.objects.filter(estate=estate_a).exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("archive.xls", b"whatever"),
        ("archive.csv", b"%PDF-1.4 \x00\x00"),
        ("archive.xlsx", b"plain,text\n1,2\n"),
    ],
)
def test_only_real_xlsx_and_csv_files_are_accepted(manager, estate_a, name, content):
    with pytest.raises(ValidationError):
        importing.import_archive(
            actor=manager, estate=estate_a, uploaded_file=SimpleUploadedFile(name, content), commit=False
        )


@pytest.mark.django_db
def test_files_over_the_size_limit_are_refused(manager, estate_a, settings):
    settings.UPLOAD_MAX_BYTES = 100
    with pytest.raises(ValidationError, match="too large"):
        importing.import_archive(
            actor=manager, estate=estate_a, uploaded_file=csv_file(GOOD_ROWS), commit=False
        )


@pytest.mark.django_db
def test_service_refuses_users_without_permission_or_other_estates(users, estate_a, estate_b):
    with pytest.raises(PermissionDenied):
        importing.import_archive(
            actor=users["frontdesk"], estate=estate_a, uploaded_file=csv_file(GOOD_ROWS), commit=True
        )
    with pytest.raises(PermissionDenied):
        importing.import_archive(
            actor=users["manager"], estate=estate_b, uploaded_file=csv_file(GOOD_ROWS), commit=True
        )
    assert not Unit.objects.filter(estate=estate_b).exists()


@pytest.mark.django_db
def test_large_file_imports_with_bulk_writes(manager, estate_a, django_assert_max_num_queries):
    """600 units, people and occupancies in a few dozen queries: the writes are bulk, not per row."""
    rows = [
        [
            str(1 + n // 100),
            str(1 + n % 2),
            f"{n:04d}",
            1 + n % 30,
            "88.00",
            "",
            "vacant",
            f"住户{n}",
            f"139{n:08d}",
            make_id_number(n, birth=f"19{60 + n % 30}0{1 + n % 9}15"),
            "tenant" if n % 2 else "owner",
            "",
        ]
        for n in range(600)
    ]
    with django_assert_max_num_queries(60):
        report = importing.import_archive(
            actor=manager, estate=estate_a, uploaded_file=csv_file(rows), commit=True
        )
    assert not report.has_errors, report.error_rows[:3]
    counts = report.counts
    assert (counts.units_created, counts.buildings_created) == (600, 6)
    assert (counts.persons_created, counts.occupancies_created) == (600, 600)
    assert Occupancy.objects.filter(unit__estate=estate_a, role="tenant").count() == 300
    # a vacant unit with a tenant is occupied, as add_occupancy would have made it
    assert Unit.objects.get(estate=estate_a, code="1-2-0001").state == "occupied"
    assert Unit.objects.get(estate=estate_a, code="1-1-0000").state == "vacant"
    assert Person.objects.get(estate=estate_a, id_number_hash=keyed_hash(rows[7][9])).name == "住户7"


# --- Export --------------------------------------------------------------------------------------


def read_export(response):
    workbook = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)), read_only=True)
    # read-only mode leaves out trailing empty cells; pad to the full width
    return [
        list(row) + [None] * (12 - len(row)) for row in workbook.worksheets[0].iter_rows(values_only=True)
    ]


@pytest.mark.django_db
def test_export_masks_numbers_escapes_formulas_and_can_be_read_back(
    client_as, manager, estate_a, unit_a, unit_b
):
    person = PersonFactory(
        estate=estate_a, name='=HYPERLINK("http://evil")', mobile="13812345678", id_number=ID_1
    )
    OccupancyFactory(unit=unit_a, person=person, role="owner", start_date=date(2024, 1, 2))
    other = UnitFactory(building=unit_a.building, entrance="2", number="1201", floor=12)

    response = client_as(manager).get(reverse("residents:export"), {"estate": estate_a.pk})

    assert response.status_code == 200
    assert response["Content-Type"] == importing.XLSX_CONTENT_TYPE
    assert 'filename="archive-LJY-' in response["Content-Disposition"]
    rows = read_export(response)
    assert rows[0][:3] == ["Building", "Entrance", "Room"]
    by_room = {row[2]: row for row in rows[1:]}
    assert set(by_room) == {"1101", other.number}  # estate B's unit is not there
    owner_row = by_room["1101"]
    assert owner_row[7] == '\'=HYPERLINK("http://evil")'
    assert owner_row[8] == "138****5678"
    assert owner_row[9] == ID_1[:3] + "*" * 11 + ID_1[-4:]
    flat = repr(rows)
    assert "13812345678" not in flat and ID_1 not in flat
    assert by_room[other.number][7] is None


@pytest.mark.django_db
def test_export_of_another_estate_is_404_and_frontdesk_is_403(client_as, users, estate_b):
    assert (
        client_as(users["manager"]).get(reverse("residents:export"), {"estate": estate_b.pk}).status_code
        == 404
    )
    assert (
        client_as(users["frontdesk"]).get(reverse("residents:export"), {"estate": estate_b.pk}).status_code
        == 403
    )


@pytest.mark.django_db
def test_export_query_count_does_not_grow_with_units(
    client_as, manager, estate_a, building_a, django_assert_max_num_queries
):
    for n in range(40):
        unit = UnitFactory(building=building_a, entrance="1", number=f"9{n:03d}")
        OccupancyFactory(unit=unit)
    client = client_as(manager)
    with django_assert_max_num_queries(12):
        response = client.get(reverse("residents:export"), {"estate": estate_a.pk})
        rows = read_export(response)
    assert len(rows) == 41


# --- Pages ----------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_upload_preview_then_confirm(client_as, manager, estate_a):
    client = client_as(manager)
    assert client.get(reverse("residents:import")).status_code == 200

    response = client.post(reverse("residents:import"), {"estate": estate_a.pk, "file": xlsx_file(GOOD_ROWS)})

    assert response.status_code == 200
    assert response.templates[0].name == "residents/import_preview.html"
    assert b"Confirm import" in response.content
    assert ID_1.encode() not in response.content and b"13800000001" not in response.content
    assert not Unit.objects.filter(estate=estate_a).exists()
    pending = client.session["residents_import_pending"]
    assert default_storage.exists(pending["path"])

    response = client.post(reverse("residents:import_confirm"), {"token": pending["token"]}, follow=True)

    assert response.status_code == 200
    assert b"4 units created" in response.content
    assert Unit.objects.filter(estate=estate_a).count() == 4
    assert not default_storage.exists(pending["path"])
    assert "residents_import_pending" not in client.session


@pytest.mark.django_db
def test_confirm_with_a_wrong_token_imports_nothing(client_as, manager, estate_a):
    client = client_as(manager)
    client.post(reverse("residents:import"), {"estate": estate_a.pk, "file": xlsx_file(GOOD_ROWS)})
    response = client.post(reverse("residents:import_confirm"), {"token": "guess"}, follow=True)
    assert b"expired" in response.content
    assert not Unit.objects.filter(estate=estate_a).exists()


@pytest.mark.django_db
def test_preview_of_a_bad_file_shows_the_row_and_offers_no_confirm(client_as, manager, estate_a):
    rows = [GOOD_ROWS[0], ["5", "1", "102", 1, "-1", "", "", "", "", "", "", ""]]
    response = client_as(manager).post(
        reverse("residents:import"), {"estate": estate_a.pk, "file": csv_file(rows)}
    )
    assert response.status_code == 200
    assert b"Row 3" in response.content and b"row-error" in response.content
    assert b"Confirm import" not in response.content
    assert not Unit.objects.filter(estate=estate_a).exists()


@pytest.mark.django_db
def test_page_refuses_other_estates_and_wrong_file_types(client_as, manager, estate_a, estate_b):
    client = client_as(manager)
    response = client.post(reverse("residents:import"), {"estate": estate_b.pk, "file": xlsx_file(GOOD_ROWS)})
    assert response.templates[0].name == "residents/import_upload.html"
    assert "estate" in response.context["form"].errors
    response = client.post(
        reverse("residents:import"), {"estate": estate_a.pk, "file": SimpleUploadedFile("a.pdf", b"%PDF-1.4")}
    )
    assert "file" in response.context["form"].errors
    assert not Unit.objects.filter(estate__in=[estate_a, estate_b]).exists()


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["frontdesk", "clerk", "housekeeper", "technician", "supervisor"])
def test_import_pages_need_the_import_permission(client_as, users, estate_a, role):
    client = client_as(users[role])
    assert client.get(reverse("residents:import")).status_code == 403
    response = client.post(reverse("residents:import"), {"estate": estate_a.pk, "file": xlsx_file(GOOD_ROWS)})
    assert response.status_code == 403
    assert client.post(reverse("residents:import_confirm"), {"token": "x"}).status_code == 403
    assert not Unit.objects.filter(estate=estate_a).exists()
