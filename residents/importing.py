"""Bulk import and export of the archive: the developer's spreadsheets (one row per unit,
optionally with one person living there on the same row).

`import_archive` reads an .xlsx or .csv file, validates every row against the file and the estate's
archive, and then writes the whole file inside one transaction, or nothing at all. The preview
(`commit=False`) runs the very same writes and rolls them back, so what it shows is exactly what
the confirmed import will do.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
import time
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import IO, Any

import filetype
import openpyxl
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Prefetch, Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy
from openpyxl.utils.exceptions import InvalidFileException

from residents import services
from residents.models import Building, Estate, Occupancy, Person, Unit
from servicecenter.crypto import keyed_hash
from servicecenter.validators import (
    mask_id_number,
    mask_mobile,
    normalize_id_number,
    normalize_mobile,
    validate_id_number,
    validate_mobile,
)

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
MAX_ROWS = 20_000
MAX_AREA = Decimal("100000000")  # Unit.area: max_digits=10, decimal_places=2
_BATCH = 500
# A cell starting with one of these is a formula to Excel and LibreOffice (CSV/formula injection).
_FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


# --- Columns -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Column:
    key: str
    label: Any  # lazy translatable header, used by the export
    aliases: tuple[str, ...] = ()  # other headers accepted on import: the developer's own words
    required: bool = False


COLUMNS: tuple[Column, ...] = (
    Column(
        "building", gettext_lazy("Building"), ("楼栋", "楼号", "楼栋号", "栋号", "栋", "楼"), required=True
    ),
    Column("entrance", gettext_lazy("Entrance"), ("单元", "单元号")),
    Column(
        "room",
        gettext_lazy("Room"),
        ("房号", "房间号", "门牌号", "室号", "number", "room_number"),
        required=True,
    ),
    Column("floor", gettext_lazy("Floor"), ("楼层", "层")),
    Column("area", gettext_lazy("Area (m²)"), ("面积", "建筑面积", "area_m2"), required=True),
    Column("use", gettext_lazy("Use"), ("用途", "房屋用途", "物业类型")),
    Column("state", gettext_lazy("State"), ("状态", "房屋状态")),
    Column("name", gettext_lazy("Name"), ("姓名", "业主姓名", "住户姓名", "业主")),
    Column("mobile", gettext_lazy("Mobile"), ("手机", "手机号", "手机号码", "联系电话", "电话")),
    Column("id_number", gettext_lazy("ID number"), ("身份证号", "身份证号码", "身份证", "证件号码", "id")),
    Column("role", gettext_lazy("Role"), ("身份", "角色", "住户身份", "住户类型")),
    Column("start_date", gettext_lazy("Start date"), ("入住日期", "入住时间", "start")),
)
COLUMN_BY_KEY = {column.key: column for column in COLUMNS}
PERSON_KEYS = ("name", "mobile", "id_number", "role", "start_date")

# Words the developers' spreadsheets use for the choices, besides the stored values and the
# labels in English and Chinese (those come from the translation catalogue).
CHOICE_WORDS = {
    "use": {
        "住宅": Unit.Use.RESIDENTIAL,
        "商业": Unit.Use.COMMERCIAL,
        "商铺": Unit.Use.COMMERCIAL,
        "写字楼": Unit.Use.COMMERCIAL,
        "办公": Unit.Use.COMMERCIAL,
        "车位": Unit.Use.PARKING,
        "停车位": Unit.Use.PARKING,
        "储藏室": Unit.Use.STORAGE,
        "储物间": Unit.Use.STORAGE,
        "杂物间": Unit.Use.STORAGE,
    },
    "state": {
        "未售": Unit.State.UNSOLD,
        "空置": Unit.State.VACANT,
        "已交房": Unit.State.HANDED_OVER,
        "已交付": Unit.State.HANDED_OVER,
        "已入住": Unit.State.OCCUPIED,
        "入住": Unit.State.OCCUPIED,
        "装修中": Unit.State.RENOVATING,
        "装修": Unit.State.RENOVATING,
    },
    "role": {
        "业主": Occupancy.Role.OWNER,
        "产权人": Occupancy.Role.OWNER,
        "共有人": Occupancy.Role.CO_OWNER,
        "共同业主": Occupancy.Role.CO_OWNER,
        "租户": Occupancy.Role.TENANT,
        "租客": Occupancy.Role.TENANT,
        "家庭成员": Occupancy.Role.HOUSEHOLD_MEMBER,
        "同住人": Occupancy.Role.HOUSEHOLD_MEMBER,
        "商户": Occupancy.Role.SHOP_TENANT,
    },
}
CHOICES = {"use": Unit.Use, "state": Unit.State, "role": Occupancy.Role}


def _normalize_header(text: str) -> str:
    text = re.sub(r"[(（\[].*?[)）\]]", "", str(text))  # "面积(㎡)", "Area (m²)"
    return re.sub(r"[\s\-]+", "_", text.strip().strip("*").strip().lower())


def _in_languages(value) -> set[str]:
    words = set()
    for language in ("en", "zh-hans"):
        with translation.override(language):
            words.add(str(value))
    return words


def _header_lookup() -> dict[str, str]:
    lookup: dict[str, str] = {}
    for column in COLUMNS:
        for word in (column.key, *column.aliases, *_in_languages(column.label)):
            lookup.setdefault(_normalize_header(word), column.key)
    return lookup


def _choice_lookup(key: str) -> dict[str, str]:
    lookup = {word.lower(): value for word, value in CHOICE_WORDS[key].items()}
    for value, label in CHOICES[key].choices:
        lookup[value.lower()] = value
        for word in _in_languages(label):
            lookup.setdefault(word.strip().lower(), value)
    return lookup


# --- The report ----------------------------------------------------------------------------------


@dataclass
class ImportCounts:
    buildings_created: int = 0
    units_created: int = 0
    units_updated: int = 0
    units_unchanged: int = 0
    persons_created: int = 0
    persons_updated: int = 0
    occupancies_created: int = 0


UNIT_ACTIONS = {
    "create": pgettext_lazy("import unit action", "New unit"),
    "update": pgettext_lazy("import unit action", "Updated"),
    "unchanged": pgettext_lazy("import unit action", "Unchanged"),
}
PERSON_ACTIONS = {
    "create": pgettext_lazy("import person action", "New person"),
    "update": pgettext_lazy("import person action", "Updated"),
    "existing": pgettext_lazy("import person action", "Already in archive"),
}
OCCUPANCY_ACTIONS = {
    "add": pgettext_lazy("import occupancy action", "Will be linked"),
    "existing": pgettext_lazy("import occupancy action", "Already linked"),
}


@dataclass
class RowResult:
    line: int  # the row number the spreadsheet shows (the header is row 1)
    unit_code: str = ""
    area: Decimal | None = None
    use: str = ""
    state: str = ""
    name: str = ""
    mobile_masked: str = ""
    id_number_masked: str = ""
    role: str = ""
    start_date: date | None = None
    unit_action: str = ""
    person_action: str = ""
    occupancy_action: str = ""
    errors: list[str] = field(default_factory=list)

    @property
    def has_errors(self) -> bool:
        return bool(self.errors)

    @property
    def actions(self) -> list[str]:
        return [
            str(labels[key])
            for labels, key in (
                (UNIT_ACTIONS, self.unit_action),
                (PERSON_ACTIONS, self.person_action),
                (OCCUPANCY_ACTIONS, self.occupancy_action),
            )
            if key
        ]

    def use_display(self) -> str:
        return str(Unit.Use(self.use).label) if self.use else ""

    def state_display(self) -> str:
        return str(Unit.State(self.state).label) if self.state else ""

    def role_display(self) -> str:
        return str(Occupancy.Role(self.role).label) if self.role else ""


@dataclass
class ImportReport:
    estate: Estate
    file_name: str
    committed: bool = False
    rows: list[RowResult] = field(default_factory=list)
    file_errors: list[str] = field(default_factory=list)
    ignored_headers: list[str] = field(default_factory=list)
    counts: ImportCounts = field(default_factory=ImportCounts)
    seconds: float = 0.0

    @property
    def error_rows(self) -> list[RowResult]:
        return [row for row in self.rows if row.errors]

    @property
    def has_errors(self) -> bool:
        return bool(self.file_errors) or any(row.errors for row in self.rows)

    @property
    def error_count(self) -> int:
        return len(self.file_errors) + sum(len(row.errors) for row in self.rows)


# --- Reading the file ----------------------------------------------------------------------------


def check_import_file(uploaded) -> str:
    """Return "xlsx" or "csv" after checking the name, the size and the bytes of an upload.

    Raises a translated ValidationError for anything else (an .xls, a renamed PDF, a huge file).
    """
    max_bytes = settings.UPLOAD_MAX_BYTES
    name = (getattr(uploaded, "name", "") or "").lower()
    kind = name.rsplit(".", 1)[-1] if "." in name else ""
    if kind not in ("xlsx", "csv"):
        raise ValidationError(_("Upload an Excel workbook (.xlsx) or a CSV file."), code="file_type")
    if uploaded.size > max_bytes:
        raise ValidationError(
            _("The file is too large (%(size)s MB); the limit is %(limit)s MB.")
            % {"size": round(uploaded.size / 1048576, 1), "limit": round(max_bytes / 1048576)},
            code="file_too_large",
        )
    uploaded.seek(0)
    head = uploaded.read(8192)
    uploaded.seek(0)
    guessed = filetype.guess(head)
    if kind == "xlsx" and (guessed is None or guessed.mime not in (XLSX_CONTENT_TYPE, "application/zip")):
        raise ValidationError(_("This file is not an Excel workbook (.xlsx)."), code="file_type")
    if kind == "csv" and (guessed is not None or b"\x00" in head):
        raise ValidationError(_("This file is not a CSV text file."), code="file_type")
    return kind


def _decode_csv(raw: bytes) -> str:
    """UTF-8 with or without a BOM, else GB18030 (what Chinese Excel writes for "CSV")."""
    if raw.startswith(codecs.BOM_UTF8):
        return raw[len(codecs.BOM_UTF8) :].decode("utf-8")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw.decode("gb18030")


def _read_table(uploaded, kind: str) -> Iterator[tuple]:
    """Yield the rows of the file's first sheet as tuples of cell values, the header first."""
    uploaded.seek(0)
    if kind == "csv":
        text = _decode_csv(uploaded.read())
        first_line = text.split("\n", 1)[0]
        delimiter = "\t" if "\t" in first_line and "," not in first_line else ","
        yield from csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
        return
    workbook = openpyxl.load_workbook(uploaded, read_only=True, data_only=True)
    try:
        yield from workbook.worksheets[0].iter_rows(values_only=True)
    finally:
        workbook.close()


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime):
        return value.date().isoformat()
    text = str(value).strip()
    # Undo the escaping our own export adds to cells that start like a formula.
    if text.startswith("'") and text[1:2] in _FORMULA_PREFIXES and text[1:2]:
        text = text[1:]
    return text


_DATE_RE = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?$")


def _parse_date(value) -> date | None:
    if value in (None, ""):
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = _text(value)
    match = _DATE_RE.match(text) or (re.fullmatch(r"(\d{4})(\d{2})(\d{2})", text))
    if not match:
        raise ValueError(text)
    return date(int(match.group(1)), int(match.group(2)), int(match.group(3)))


# --- Planning: validate every row and decide what each one does ------------------------------------


@dataclass
class _PlannedUnit:
    building_code: str
    entrance: str
    number: str
    floor: int | None
    area: Decimal
    use: str
    state: str
    first_line: int
    row: RowResult
    existing: Unit | None = None
    changes: dict = field(default_factory=dict)
    unit: Unit | None = None

    @property
    def code(self) -> str:
        return services.unit_code(
            building_code=self.building_code, entrance=self.entrance, number=self.number
        )


@dataclass
class _PlannedPerson:
    name: str
    mobile: str
    id_number: str
    first_line: int
    existing: Person | None = None
    person: Person | None = None

    def changes(self) -> dict:
        if self.existing is None:
            return {}
        changed = {}
        if self.name and self.name != self.existing.name:
            changed["name"] = self.name
        if self.mobile and self.mobile != self.existing.mobile:
            changed["mobile"] = self.mobile
        if self.id_number and not self.existing.id_number_hash:
            changed["id_number"] = self.id_number
        return changed


@dataclass
class _PlannedOccupancy:
    row: RowResult
    unit: _PlannedUnit
    person: _PlannedPerson
    role: str
    start_date: date | None


class _Planner:
    """Turns the rows into planned buildings, units, persons and occupancies, with every problem
    recorded against its row and column. Reads the estate's archive but writes nothing."""

    def __init__(self, *, estate: Estate, header_labels: dict[str, str]):
        self.estate = estate
        self.header_labels = header_labels
        self.choices = {key: _choice_lookup(key) for key in CHOICES}
        self.rows: list[RowResult] = []
        self.units: dict[str, _PlannedUnit] = {}
        self.persons: list[_PlannedPerson] = []
        self.occupancies: list[_PlannedOccupancy] = []
        self._parsed: list[tuple[RowResult, dict]] = []
        self._lived_in: set[str] = set()  # codes of units the file gives a non-owner occupant

    def error(self, row: RowResult, column: str | None, message) -> None:
        if column:
            row.errors.append(
                _("Row %(row)s, column “%(column)s”: %(message)s")
                % {"row": row.line, "column": self.header_labels.get(column, column), "message": message}
            )
        else:
            row.errors.append(_("Row %(row)s: %(message)s") % {"row": row.line, "message": message})

    # Pass 1: each row on its own.
    def parse_row(self, line: int, raw: dict[str, Any]) -> None:
        row = RowResult(line=line)
        values: dict[str, Any] = {}
        for key in ("building", "entrance", "room", "name"):
            values[key] = _text(raw.get(key))
        for key in ("building", "room"):
            if not values[key]:
                self.error(row, key, _("This cell is required."))
        for key, limit in (("building", 20), ("entrance", 10), ("room", 20), ("name", 100)):
            if len(values[key]) > limit:
                self.error(row, key, _("At most %(limit)s characters.") % {"limit": limit})
        row.unit_code = services.unit_code(
            building_code=values["building"], entrance=values["entrance"], number=values["room"]
        )

        values["floor"] = None
        floor_text = _text(raw.get("floor"))
        if floor_text:
            try:
                values["floor"] = int(floor_text)
                if not -32768 <= values["floor"] <= 32767:
                    raise ValueError
            except ValueError:
                self.error(row, "floor", _("Enter the floor as a whole number."))

        area_text = _text(raw.get("area"))
        values["area"] = None
        if not area_text:
            self.error(row, "area", _("This cell is required."))
        else:
            try:
                area = Decimal(area_text.replace(",", ""))
            except InvalidOperation:
                area = None
            if (
                area is None
                or not area.is_finite()
                or not 0 <= area < MAX_AREA
                or area.as_tuple().exponent < -2
            ):
                self.error(row, "area", _("Enter the area in m² as a number ≥ 0 with at most 2 decimals."))
            else:
                values["area"] = row.area = area

        for key in ("use", "state", "role"):
            text = _text(raw.get(key))
            values[key] = ""
            if text:
                value = self.choices[key].get(text.lower())
                if value is None:
                    allowed = ", ".join(str(label) for label in CHOICES[key].labels)
                    self.error(
                        row,
                        key,
                        _("“%(value)s” is not one of: %(allowed)s.") % {"value": text, "allowed": allowed},
                    )
                else:
                    values[key] = value
        row.use, row.state = values["use"], values["state"]

        values["mobile"] = normalize_mobile(_text(raw.get("mobile")))
        values["id_number"] = normalize_id_number(_text(raw.get("id_number")))
        try:
            values["start_date"] = _parse_date(raw.get("start_date"))
        except ValueError:
            values["start_date"] = None
            self.error(row, "start_date", _("Enter a date like 2024-05-01."))

        values["has_person"] = any(values.get(key) for key in PERSON_KEYS)
        if values["has_person"]:
            if not values["name"]:
                self.error(row, "name", _("Enter the person's name, or leave the person's cells empty."))
            if not (values["mobile"] or values["id_number"]):
                self.error(
                    row, "mobile", _("Give the person's mobile or ID number so that they can be told apart.")
                )
            if values["mobile"]:
                try:
                    validate_mobile(values["mobile"])
                except ValidationError as exc:
                    self.error(row, "mobile", " ".join(exc.messages))
            if values["id_number"]:
                try:
                    validate_id_number(values["id_number"])
                except ValidationError as exc:
                    self.error(row, "id_number", " ".join(exc.messages))
            values["role"] = values["role"] or Occupancy.Role.OWNER
            row.name, row.role, row.start_date = values["name"], values["role"], values["start_date"]
            row.mobile_masked = mask_mobile(values["mobile"])
            row.id_number_masked = mask_id_number(values["id_number"])
        self.rows.append(row)
        self._parsed.append((row, values))

    # Pass 2: the rows against each other and against the archive.
    def plan(self) -> None:
        existing = self._load_existing()
        persons_by_hash: dict[str, _PlannedPerson] = {}
        persons_by_name_mobile: dict[tuple[str, str], _PlannedPerson] = {}
        seen_links: dict[tuple, int] = {}
        for row, values in self._parsed:
            if row.errors:
                continue
            unit = self._plan_unit(row, values, existing)
            if unit is None or not values["has_person"]:
                if unit is not None and unit.first_line != row.line:
                    self.error(
                        row, "room", _("This unit is already on row %(line)s.") % {"line": unit.first_line}
                    )
                continue
            person = self._plan_person(row, values, existing, persons_by_hash, persons_by_name_mobile)
            if person is None:
                continue
            link = (unit.code, id(person), values["role"])
            if link in seen_links:
                self.error(
                    row,
                    None,
                    _("The same person and role for this unit is already on row %(line)s.")
                    % {"line": seen_links[link]},
                )
                continue
            seen_links[link] = row.line
            if values["role"] != Occupancy.Role.OWNER:
                self._lived_in.add(unit.code)
            unit_pk = unit.existing.pk if unit.existing else None
            person_pk = person.existing.pk if person.existing else None
            if unit_pk and person_pk and (person_pk, unit_pk, values["role"]) in existing["current_links"]:
                row.occupancy_action = "existing"
            else:
                row.occupancy_action = "add"
                self.occupancies.append(
                    _PlannedOccupancy(row, unit, person, values["role"], values["start_date"])
                )
        self._settle_units()

    def _load_existing(self) -> dict:
        today = timezone.localdate()
        codes = {row.unit_code for row, _values in self._parsed if not row.errors}
        hashes = {keyed_hash(v["id_number"]) for _row, v in self._parsed if v.get("id_number")}
        names = {v["name"] for _row, v in self._parsed if v.get("has_person") and v.get("name")}
        units: dict[str, Unit] = {}
        for chunk in _chunks(sorted(codes)):
            units.update(
                (unit.code, unit)
                for unit in Unit.objects.filter(estate=self.estate, code__in=chunk).select_related("building")
            )
        persons_by_hash: dict[str, Person] = {}
        for chunk in _chunks(sorted(hashes)):
            persons_by_hash.update(
                (p.id_number_hash, p)
                for p in Person.objects.filter(estate=self.estate, id_number_hash__in=chunk)
            )
        persons_by_name_mobile: dict[tuple[str, str], list[Person]] = {}
        for chunk in _chunks(sorted(names)):
            for person in Person.objects.filter(estate=self.estate, name__in=chunk).exclude(mobile=""):
                persons_by_name_mobile.setdefault((person.name, person.mobile), []).append(person)
        current_links = set(
            Occupancy.objects.filter(unit__estate=self.estate)
            .filter(Q(end_date__isnull=True) | Q(end_date__gte=today))
            .values_list("person_id", "unit_id", "role")
        )
        return {
            "buildings": {b.code: b for b in Building.objects.filter(estate=self.estate)},
            "units": units,
            "persons_by_hash": persons_by_hash,
            "persons_by_name_mobile": persons_by_name_mobile,
            "current_links": current_links,
        }

    def _plan_unit(self, row: RowResult, values: dict, existing: dict) -> _PlannedUnit | None:
        code = row.unit_code
        planned = self.units.get(code)
        if planned is not None:
            same = (planned.building_code, planned.entrance, planned.number) == (
                values["building"],
                values["entrance"],
                values["room"],
            )
            differing = [
                key
                for key, mine in (("floor", values["floor"]), ("area", values["area"]))
                if mine is not None and mine != getattr(planned, key)
            ] + [key for key in ("use", "state") if values[key] and values[key] != getattr(planned, key)]
            if not same or differing:
                self.error(
                    row,
                    differing[0] if differing else "room",
                    _("Unit %(unit)s is already on row %(line)s with different details.")
                    % {"unit": code, "line": planned.first_line},
                )
                return None
            row.unit_action = ""  # the first row of the unit reports it
            return planned
        planned = _PlannedUnit(
            building_code=values["building"],
            entrance=values["entrance"],
            number=values["room"],
            floor=values["floor"],
            area=values["area"],
            use=values["use"],
            state=values["state"],
            first_line=row.line,
            row=row,
        )
        unit = existing["units"].get(code)
        if unit is not None:
            if (unit.building.code, unit.entrance, unit.number) != (
                planned.building_code,
                planned.entrance,
                planned.number,
            ):
                self.error(
                    row,
                    "room",
                    _("The unit code %(unit)s is already used by another unit of this estate.")
                    % {"unit": code},
                )
                return None
            planned.existing = unit
        self.units[code] = planned
        return planned

    def _settle_units(self) -> None:
        """Decide for each unit: create, update or leave unchanged.

        add_occupancy marks a vacant or handed-over unit occupied when a non-owner moves in; the
        plan does the same up front, so that importing the same file again changes nothing.
        """
        for planned in self.units.values():
            current_state = planned.state or (planned.existing.state if planned.existing else "")
            if (
                current_state in (Unit.State.VACANT, Unit.State.HANDED_OVER)
                and planned.code in self._lived_in
            ):
                planned.state = planned.row.state = Unit.State.OCCUPIED
            if planned.existing is None:
                planned.row.unit_action = "create"
                continue
            wanted = {
                "floor": planned.floor,
                "area": planned.area,
                "use": planned.use,
                "state": planned.state,
            }
            planned.changes = {
                key: value
                for key, value in wanted.items()
                if value not in (None, "") and value != getattr(planned.existing, key)
            }
            planned.row.unit_action = "update" if planned.changes else "unchanged"

    def _plan_person(self, row, values, existing, by_hash, by_name_mobile) -> _PlannedPerson | None:
        name, mobile, id_number = values["name"], values["mobile"], values["id_number"]
        id_hash = keyed_hash(id_number) if id_number else None
        planned = by_hash.get(id_hash) if id_hash else None
        if planned is None and mobile:
            planned = by_name_mobile.get((name, mobile))
            if planned is not None and id_number and planned.id_number and planned.id_number != id_number:
                self.error(
                    row,
                    "id_number",
                    _("Row %(line)s has the same name and mobile with a different ID number.")
                    % {"line": planned.first_line},
                )
                return None
        if planned is not None:
            if planned.name != name or (mobile and planned.mobile and mobile != planned.mobile):
                self.error(
                    row,
                    "name",
                    _("The same person is on row %(line)s with a different name or mobile.")
                    % {"line": planned.first_line},
                )
                return None
            planned.mobile = planned.mobile or mobile
            planned.id_number = planned.id_number or id_number
        else:
            person = existing["persons_by_hash"].get(id_hash) if id_hash else None
            if person is None and mobile:
                candidates = existing["persons_by_name_mobile"].get((name, mobile), [])
                if len(candidates) > 1:
                    self.error(
                        row,
                        "name",
                        _("Several people in the archive have this name and mobile; add the ID number."),
                    )
                    return None
                person = candidates[0] if candidates else None
                if (
                    person is not None
                    and id_hash
                    and person.id_number_hash
                    and person.id_number_hash != id_hash
                ):
                    self.error(
                        row,
                        "id_number",
                        _("%(name)s with this mobile is already in the archive with a different ID number.")
                        % {"name": name},
                    )
                    return None
            planned = _PlannedPerson(
                name=name, mobile=mobile, id_number=id_number, first_line=row.line, existing=person
            )
            self.persons.append(planned)
        if planned.id_number:
            by_hash[keyed_hash(planned.id_number)] = planned
        if planned.mobile:
            by_name_mobile[(planned.name, planned.mobile)] = planned
        if planned.existing is None:
            row.person_action = "create"
        else:
            row.person_action = "update" if planned.changes() else "existing"
        return planned


def _chunks(items: list, size: int = _BATCH) -> Iterator[list]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


# --- Writing the plan ----------------------------------------------------------------------------


def _row_of(planner: _Planner, line: int) -> RowResult:
    return next(row for row in planner.rows if row.line == line)


def _write(planner: _Planner, *, actor) -> ImportCounts:
    """Carry out the plan. New rows are inserted in bulk: every row has already passed the checks
    the single-row services make (the same validators for people; for occupancies the estate,
    role, duplicate and unit-state rules of services.add_occupancy, see _Planner). Changes to
    people already in the archive go through services.update_person."""
    counts = ImportCounts()
    estate = planner.estate
    buildings = {b.code: b for b in Building.objects.filter(estate=estate)}
    new_buildings = [
        Building(estate=estate, code=code)
        for code in sorted({u.building_code for u in planner.units.values()} - set(buildings))
    ]
    Building.objects.bulk_create(new_buildings)
    buildings.update((b.code, b) for b in new_buildings)
    counts.buildings_created = len(new_buildings)

    new_units, changed_units = [], []
    for planned in planner.units.values():
        if planned.existing is None:
            # The estate is denormalised from the building; the code is the planner's unit_code.
            planned.unit = Unit(
                estate=estate,
                building=buildings[planned.building_code],
                entrance=planned.entrance,
                number=planned.number,
                code=planned.code,
                floor=planned.floor,
                area=planned.area,
                use=planned.use or Unit.Use.RESIDENTIAL,
                state=planned.state or Unit.State.UNSOLD,
            )
            new_units.append(planned.unit)
        else:
            planned.unit = planned.existing
            if planned.changes:
                for key, value in planned.changes.items():
                    setattr(planned.unit, key, value)
                changed_units.append(planned.unit)
    Unit.objects.bulk_create(new_units, batch_size=_BATCH)
    Unit.objects.bulk_update(changed_units, ["floor", "area", "use", "state"], batch_size=_BATCH)
    counts.units_created, counts.units_updated = len(new_units), len(changed_units)
    counts.units_unchanged = len(planner.units) - len(new_units) - len(changed_units)

    new_people = []
    for planned in planner.persons:
        if planned.existing is None:
            planned.person = Person(estate=estate, name=planned.name, mobile=planned.mobile)
            planned.person.set_id_number(planned.id_number)  # encrypted, hashed and masked
            new_people.append(planned.person)
            continue
        planned.person = planned.existing
        changes = planned.changes()
        if not changes:
            continue
        try:
            id_number = changes.pop("id_number", None)
            planned.person = services.update_person(
                actor=actor, person=planned.existing, id_number=id_number, **changes
            )
            counts.persons_updated += 1
        except ValidationError as exc:
            row = _row_of(planner, planned.first_line)
            for column, messages in exc.message_dict.items():
                for message in messages:
                    planner.error(row, column if column in COLUMN_BY_KEY else None, message)
    Person.objects.bulk_create(new_people, batch_size=_BATCH)
    counts.persons_created = len(new_people)

    today = timezone.localdate()
    Occupancy.objects.bulk_create(
        [
            Occupancy(
                person=planned.person.person,
                unit=planned.unit.unit,
                role=planned.role,
                start_date=planned.start_date or today,
            )
            for planned in planner.occupancies
        ],
        batch_size=_BATCH,
    )
    counts.occupancies_created = len(planner.occupancies)
    return counts


def import_archive(*, actor, estate: Estate, uploaded_file: IO, commit: bool) -> ImportReport:
    """Validate every row of a spreadsheet and, when all are good and `commit` is set, write them.

    Nothing is written when any row has an error, or when `commit` is False (the preview runs the
    same writes inside a transaction and rolls it back). Raises ValidationError for a file that is
    not an .xlsx/.csv within the size limit, and PermissionDenied for an estate out of reach.
    """
    if (
        not actor.has_perm("residents.import_archive")
        or not Estate.objects.visible_to(actor).filter(pk=estate.pk).exists()
    ):
        raise PermissionDenied(_("You are not allowed to import into this estate's archive."))
    started = time.monotonic()
    kind = check_import_file(uploaded_file)
    report = ImportReport(estate=estate, file_name=getattr(uploaded_file, "name", ""))
    table = _read_rows(uploaded_file, kind, report)
    if table is None:
        return report
    header_line, columns, header_labels = _match_headers(table, report)
    if report.file_errors:
        return report
    with transaction.atomic():
        # One import per estate at a time: two would both plan to create the same units.
        Estate.objects.select_for_update().filter(pk=estate.pk).first()
        planner = _Planner(estate=estate, header_labels=header_labels)
        for line, cells in table[header_line:]:
            planner.parse_row(
                line, {key: cells[index] for index, key in columns.items() if index < len(cells)}
            )
        report.rows = planner.rows
        planner.plan()
        if not report.has_errors:
            try:
                with transaction.atomic():
                    report.counts = _write(planner, actor=actor)
            except IntegrityError:
                # Someone saved the same unit or ID number at the desk while this file was checked.
                report.file_errors.append(
                    _(
                        "The archive changed while the file was being imported; nothing was written. Please try again."
                    )
                )
        if report.has_errors or not commit:
            transaction.set_rollback(True)
        else:
            report.committed = True
    report.seconds = round(time.monotonic() - started, 2)
    return report


def _read_rows(uploaded_file, kind: str, report: ImportReport) -> list[tuple[int, tuple]] | None:
    """The non-empty rows of the first sheet as (row number, cells), or None with a file error."""
    rows: list[tuple[int, tuple]] = []
    try:
        for line, cells in enumerate(_read_table(uploaded_file, kind), start=1):
            if not any(_text(cell) for cell in cells):
                continue
            if len(rows) > MAX_ROWS:
                report.file_errors.append(
                    _("The file has more than %(limit)s rows; split it into smaller files.")
                    % {"limit": MAX_ROWS}
                )
                return None
            rows.append((line, tuple(cells)))
    except (zipfile.BadZipFile, InvalidFileException, KeyError, OSError, UnicodeDecodeError, csv.Error):
        report.file_errors.append(
            _("The file could not be read. Save it again as .xlsx or as CSV (UTF-8) and retry.")
        )
        return None
    if not rows:
        report.file_errors.append(_("The file is empty: the first row must hold the column headers."))
        return None
    return rows


def _match_headers(
    table: list[tuple[int, tuple]], report: ImportReport
) -> tuple[int, dict[int, str], dict[str, str]]:
    """Find the header row (the developer's sheets often have a title row or two above it) and map
    its cells to columns. Returns the index in `table` of the first data row, column index → key,
    and key → the header text as written in the file (for error messages)."""
    lookup = _header_lookup()
    required = {c.key for c in COLUMNS if c.required}
    header_index = 0
    for index, (_line, cells) in enumerate(table[:10]):
        if required <= {lookup.get(_normalize_header(_text(cell))) for cell in cells}:
            header_index = index
            break
    columns: dict[int, str] = {}
    labels: dict[str, str] = {}
    for position, cell in enumerate(table[header_index][1]):
        text = _text(cell)
        if not text:
            continue
        key = lookup.get(_normalize_header(text))
        if key is None:
            report.ignored_headers.append(text)
        elif key in labels:
            report.file_errors.append(
                _("The columns “%(first)s” and “%(second)s” both mean “%(column)s”.")
                % {"first": labels[key], "second": text, "column": COLUMN_BY_KEY[key].label}
            )
        else:
            columns[position] = key
            labels[key] = text
    missing = [str(c.label) for c in COLUMNS if c.required and c.key not in labels]
    if missing:
        report.file_errors.append(
            _("Required columns are missing: %(columns)s.") % {"columns": ", ".join(missing)}
        )
    return header_index + 1, columns, labels


# --- Export --------------------------------------------------------------------------------------


def _cell_text(value: str) -> str:
    """Text that a spreadsheet will show as text, never run as a formula."""
    return "'" + value if value and value.startswith(_FORMULA_PREFIXES) else value


def write_archive_xlsx(*, user, estate: Estate, out: IO[bytes]) -> int:
    """Write the estate's units with their current occupants (numbers masked) as .xlsx to `out`,
    in the columns the import reads. Returns the number of data rows."""
    units = (
        Unit.objects.visible_to(user)
        .filter(estate=estate)
        .select_related("building")
        .prefetch_related(
            Prefetch(
                "occupancies",
                queryset=Occupancy.objects.current()
                .select_related("person")
                .order_by("role", "start_date", "pk"),
                to_attr="current_occupancies",
            )
        )
        .order_by("building__code", "entrance", "number")
    )
    workbook = openpyxl.Workbook(write_only=True)
    sheet = workbook.create_sheet(title=re.sub(r"[\\/*?:\[\]]", "", estate.code)[:31] or "archive")
    sheet.append([str(column.label) for column in COLUMNS])
    count = 0
    for unit in units.iterator(chunk_size=_BATCH):
        unit_cells = [
            _cell_text(unit.building.code),
            _cell_text(unit.entrance),
            _cell_text(unit.number),
            unit.floor,
            unit.area,
            str(unit.get_use_display()),
            str(unit.get_state_display()),
        ]
        for occupancy in unit.current_occupancies or [None]:
            person = occupancy.person if occupancy else None
            sheet.append(
                unit_cells
                + (
                    [
                        _cell_text(person.name),
                        person.mobile_masked,
                        person.id_number_masked,
                        str(occupancy.get_role_display()),
                        occupancy.start_date,
                    ]
                    if person
                    else [None] * 5
                )
            )
            count += 1
    workbook.save(out)
    return count


def export_file_name(estate: Estate) -> str:
    return f"archive-{estate.code}-{timezone.localdate():%Y%m%d}.xlsx"
