import pytest

from residents.selectors import parse_archive_query


@pytest.mark.parametrize(
    ("typed", "kind", "digits"),
    [
        ("3-2-1101", "unit", "321101"),
        ("3-2-", "unit", "32"),
        ("A-0801", "unit", "A0801"),
        ("139-1234-5678", "phone", "13912345678"),  # a mobile typed with dashes is a phone
        ("+86 139 1234 5678", "phone", "13912345678"),
        ("5678", "phone", "5678"),  # the last four digits of a phone
        ("0001234", "number", "0001234"),  # a fragment of a phone matches unit codes only
        ("567", "number", "567"),
        ("张三", "name", "张三"),
        ("  王  ", "name", "王"),
    ],
)
def test_the_desk_query_parser_recognises_units_phones_and_names(typed, kind, digits):
    parsed = parse_archive_query(typed)
    assert (parsed.kind, parsed.digits) == (kind, digits)
    assert parsed.text == typed.strip()


@pytest.mark.django_db
@pytest.mark.parametrize("typed", ["13900001234", "139-0000-1234", "1234"])
def test_every_type_ahead_finds_the_same_resident_by_phone_digits(users, unit_a, typed):
    from billing.selectors import search_units_for_cashier
    from residents.selectors import search_archive
    from tests.factories import OccupancyFactory, PersonFactory
    from tickets.selectors import lookup_reporters

    OccupancyFactory(unit=unit_a, person=PersonFactory(estate=unit_a.estate, mobile="13900001234"))
    clerk, frontdesk = users["clerk"], users["frontdesk"]
    assert [u.code for u in search_archive(user=frontdesk, query=typed).units] == [unit_a.code]
    assert [row["unit"]["code"] for row in lookup_reporters(user=frontdesk, query=typed)] == [unit_a.code]
    assert [row["code"] for row in search_units_for_cashier(user=clerk, query=typed)] == [unit_a.code]
