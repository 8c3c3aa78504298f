"""Password rules in the spirit of NIST SP 800-63B: length, not common, not trivially guessable; no
composition rules."""

import gzip

import pytest

from chalicelib import passwords
from chalicelib.errors import Invalid


def _reason(password: str) -> str | None:
    try:
        passwords.check(password)
    except Invalid as err:
        return err.fields["password"]
    return None


def test_the_shipped_list_holds_the_100000_most_common_passwords():
    with gzip.open(passwords.COMMON, "rt", encoding="utf-8") as lines:
        listed = [line.rstrip("\n") for line in lines]
    assert len(listed) == 100_000
    assert listed[:3] == ["123456", "password", "12345678"]


@pytest.mark.parametrize("password", ["1234567890", "qwertyuiop", "Password123", "PASSWORD12", "1q2w3e4r5t"])
def test_common_passwords_are_refused_whatever_their_case(password):
    assert _reason(password) in ("a common password", "a plain sequence")


@pytest.mark.parametrize("password", ["password1234", "iloveyou12", "1qaz2wsx3edc"])
def test_listed_passwords_are_refused(password):
    assert _reason(password) == "a common password"


@pytest.mark.parametrize("password", [" " * 10, "a" * 10, "AAAAAaaaaa", "!" * 64])
def test_one_repeated_character_is_refused(password):
    assert _reason(password) == "one repeated character"


@pytest.mark.parametrize(
    "password",
    ["abcdefghij", "ABCDEFGHIJKL", "0123456789", "7890123456", "jihgfedcba", "0987654321", "asdfghjklasd"],
)
def test_a_plain_sequence_either_way_is_refused(password):
    assert _reason(password) == "a plain sequence"


@pytest.mark.parametrize("password", ["poiuytrewq", "mnbvcxzmnb", "qwertyuiopqwerty"])
def test_keyboard_rows_either_way_are_refused(password):
    assert _reason(password) == "a plain sequence"


def test_length_is_10_to_256_characters():
    long = "plum orbit lantern " * 14  # 266 characters
    assert (_reason("plum orbi"), _reason(long)) == ("too short", "too long")
    assert _reason("plum orbit") is None
    assert _reason(long[:256]) is None


@pytest.mark.parametrize(
    "password", ["plum orbit lantern 42", "correct horse battery", "ünïcödé pässwörd", "zaq12wsxcde", "abcdefghik"]
)
def test_no_composition_rules_any_long_uncommon_password_is_accepted(password):
    assert _reason(password) is None
