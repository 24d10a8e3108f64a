"""Password policy (ASVS 5 §6.2) and argon2id hashing with upgrade of old parameters."""

import pytest
from pwdlib.hashers.argon2 import Argon2Hasher

from app.services.accounts import passwords

pytestmark = pytest.mark.production_password_cost

EMAIL = "ann@example.com"
OWASP_MIN_MEMORY_KIB = 19 * 1024
OWASP_MIN_TIME_COST = 2


@pytest.mark.parametrize(
    "password",
    [
        "abcdefgh" + "x",  # no digits, no capitals: composition rules are not imposed
        "correct horse battery staple",
        "x" * 64,
        "ü" * 8,
        "émoji 🙂 passphrase",
        " leading and trailing spaces kept ",
        "z" * passwords.MAX_LENGTH,
    ],
)
def test_acceptable_passwords(password: str) -> None:
    assert passwords.password_problem(password, email=EMAIL) is None


@pytest.mark.parametrize(
    ("password", "problem"),
    [
        ("", "at least 8"),
        ("sevench", "at least 8"),
        ("z" * (passwords.MAX_LENGTH + 1), "at most 128"),
        ("password123", "most common"),
        ("PassWord123", "most common"),
        ("iloveyou", "most common"),
        ("qwertyuiop", "most common"),
        ("ann@example.com", "email"),
        ("ANN@Example.COM", "email"),
    ],
)
def test_refused_passwords(password: str, problem: str) -> None:
    assert problem in (passwords.password_problem(password, email=EMAIL) or "")


def test_exactly_eight_characters_is_enough() -> None:
    assert passwords.password_problem("k7#Lm2qZ", email=EMAIL) is None
    assert passwords.password_problem("k7#Lm2q", email=EMAIL) is not None


def test_the_common_list_is_real_and_skips_its_header() -> None:
    common = passwords.common_passwords()

    assert len(common) == 19_640
    assert {"123456", "password", "qwerty", "#1pimp"} <= common
    assert not any(entry.startswith(passwords.COMMENT_PREFIX) for entry in common)


def test_hashes_are_argon2id_at_or_above_owasp_minimum() -> None:
    stored = passwords.hash_password("correct horse battery staple")
    _, variant, version, params, _salt, _digest = stored.split("$")
    costs = dict(pair.split("=") for pair in params.split(","))

    assert variant == "argon2id"
    assert version == "v=19"
    assert int(costs["m"]) >= OWASP_MIN_MEMORY_KIB
    assert int(costs["t"]) >= OWASP_MIN_TIME_COST
    assert int(costs["m"]) == passwords.ARGON2_MEMORY_KIB
    assert int(costs["t"]) == passwords.ARGON2_TIME_COST
    assert int(costs["p"]) == passwords.ARGON2_PARALLELISM


def test_same_password_hashes_differently_each_time() -> None:
    assert passwords.hash_password("same password here") != passwords.hash_password(
        "same password here"
    )


def test_verify_accepts_the_right_password_only() -> None:
    stored = passwords.hash_password("correct horse battery staple")

    assert passwords.verify_password("correct horse battery staple", stored) == (True, None)
    assert passwords.verify_password("correct horse battery stapler", stored) == (False, None)


def test_a_hash_with_old_parameters_is_replaced_on_verification() -> None:
    weak = Argon2Hasher(time_cost=1, memory_cost=8 * 1024, parallelism=1)
    old_hash = weak.hash("correct horse battery staple")

    matches, upgraded = passwords.verify_password("correct horse battery staple", old_hash)

    assert matches
    assert upgraded is not None
    assert "m=65536,t=3,p=4" in upgraded
    assert passwords.verify_password("correct horse battery staple", upgraded) == (True, None)


def test_a_wrong_password_against_an_old_hash_is_not_upgraded() -> None:
    weak = Argon2Hasher(time_cost=1, memory_cost=8 * 1024, parallelism=1)

    assert passwords.verify_password("wrong guess", weak.hash("right one!")) == (False, None)


@pytest.mark.parametrize("damaged", ["", "not a hash", "$2b$12$abcdefghijklmnopqrstuv"])
def test_a_damaged_stored_hash_is_a_mismatch_not_an_error(damaged: str) -> None:
    assert passwords.verify_password("anything at all", damaged) == (False, None)
