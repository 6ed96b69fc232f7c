import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from servicecenter.crypto import decrypt_text, encrypt_text, keyed_hash
from servicecenter.validators import (
    id_number_checksum,
    mask_id_number,
    mask_mobile,
    normalize_mobile,
    validate_id_number,
    validate_mobile,
)

VALID_ID = "11010519491231002X"  # the published GB 11643 example


def test_a_valid_id_number_passes_with_either_case_of_x():
    validate_id_number(VALID_ID)
    validate_id_number(VALID_ID.lower())


@pytest.mark.parametrize(
    ("value", "code"),
    [
        ("110105194912310021", "id_checksum"),
        ("11010519491231002", "id_format"),
        ("1101051949123100XX", "id_format"),
        ("110105194902300027", "id_birth"),  # 30 February
    ],
)
def test_invalid_id_numbers_are_rejected_with_a_reason(value, code):
    with pytest.raises(ValidationError) as excinfo:
        validate_id_number(value)
    assert excinfo.value.code == code


def test_checksum_matches_the_standard_example():
    assert id_number_checksum(VALID_ID[:17]) == "X"


@pytest.mark.parametrize("value", ["13812345678", "+86 138 1234 5678", "199-1234-5678"])
def test_valid_mobiles(value):
    validate_mobile(value)


@pytest.mark.parametrize("value", ["12812345678", "1381234567", "138123456789", "021-12345678"])
def test_invalid_mobiles(value):
    with pytest.raises(ValidationError):
        validate_mobile(value)


def test_mobile_error_is_in_the_users_language():
    with translation.override("zh-hans"):
        with pytest.raises(ValidationError) as excinfo:
            validate_mobile("123")
        assert "手机" in excinfo.value.messages[0]


def test_masks():
    assert mask_mobile("13812345678") == "138****5678"
    assert mask_id_number("110105194912310021") == "110***********0021"
    assert len(mask_id_number(VALID_ID)) == 18
    assert normalize_mobile("+86 138-1234-5678") == "13812345678"


def test_encryption_round_trip_is_randomised_and_hash_is_stable():
    first, second = encrypt_text(VALID_ID), encrypt_text(VALID_ID)
    assert first != second and VALID_ID not in first
    assert decrypt_text(first) == VALID_ID == decrypt_text(second)
    assert keyed_hash(VALID_ID) == keyed_hash(VALID_ID) != keyed_hash("110105194912310021")
