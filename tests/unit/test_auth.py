"""Passwords are stored as scrypt hashes; bearer tokens are signed, expire, and are checked on every call."""

import base64
import json
import time

import jwt
import pytest

from chalicelib import auth, settings
from chalicelib.errors import Forbidden, Unauthorized


def test_a_stored_password_is_a_salted_scrypt_hash_not_the_password():
    stored = auth.hash_password("correct horse battery")
    assert stored.startswith("scrypt$")
    assert "correct horse battery" not in stored
    assert auth.hash_password("correct horse battery") != stored  # fresh salt each time


def test_a_password_is_hashed_at_the_interactive_login_cost(password_hash_cost, monkeypatch):
    monkeypatch.setattr(auth, "_N", password_hash_cost)  # the run hashes cheaper (tests/conftest.py)
    stored = auth.hash_password("correct horse battery")
    assert stored.startswith("scrypt$16384$8$1$")
    assert auth.verify_password("correct horse battery", stored)
    assert not auth.verify_password("correct horse batterY", stored)


def test_the_right_password_verifies_and_a_wrong_one_does_not():
    stored = auth.hash_password("correct horse battery")
    assert auth.verify_password("correct horse battery", stored)
    assert not auth.verify_password("correct horse batterY", stored)
    assert not auth.verify_password("", stored)


def test_an_unknown_account_never_verifies():
    assert not auth.verify_password("anything at all", None)


def _bearer(token: str) -> str:
    return f"Bearer {token}"


def test_a_fresh_token_carries_who_and_which_shop():
    token = auth.issue_token(user_id="U1", role="merchant", tenant_id="T1", email="u1@example.com")
    claims = auth.verify_token(_bearer(token))
    assert (claims["sub"], claims["role"], claims["tid"]) == ("U1", "merchant", "T1")
    assert claims["exp"] - claims["iat"] == settings.TOKEN_TTL_SECONDS


@pytest.mark.parametrize("header", [None, "", "Bearer", "Bearer ", "Basic dXNlcjpwYXNz", "bearer abc", "Bearer abc"])
def test_a_missing_or_malformed_authorization_is_refused(header):
    with pytest.raises(Unauthorized):
        auth.verify_token(header)


def test_a_token_with_an_edited_payload_is_refused():
    token = auth.issue_token(user_id="U1", role="merchant", tenant_id="T1", email="u1@example.com")
    head, payload, sig = token.split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=="))
    claims["role"] = "operator"
    forged = base64.urlsafe_b64encode(json.dumps(claims).encode()).decode().rstrip("=")
    with pytest.raises(Unauthorized):
        auth.verify_token(_bearer(f"{head}.{forged}.{sig}"))


def test_a_token_with_a_changed_signature_is_refused():
    token = auth.issue_token(user_id="U1", role="merchant", tenant_id="T1", email="u1@example.com")
    flipped = token[:-2] + ("AA" if token[-2:] != "AA" else "BB")
    with pytest.raises(Unauthorized):
        auth.verify_token(_bearer(flipped))


def test_a_token_signed_with_another_secret_is_refused():
    now = int(time.time())
    token = jwt.encode(
        {"sub": "U1", "role": "operator", "tid": None, "iss": "shopbuilder", "iat": now, "exp": now + 60},
        "x" * 48,
        algorithm="HS256",
    )
    with pytest.raises(Unauthorized):
        auth.verify_token(_bearer(token))


def test_an_unsigned_token_is_refused():
    now = int(time.time())
    token = jwt.encode({"sub": "U1", "role": "operator", "iss": "shopbuilder", "exp": now + 60}, None, algorithm="none")
    with pytest.raises(Unauthorized):
        auth.verify_token(_bearer(token))


def test_a_token_without_an_expiry_is_refused():
    token = jwt.encode({"sub": "U1", "role": "merchant", "iss": "shopbuilder"}, auth._secret(), algorithm="HS256")
    with pytest.raises(Unauthorized):
        auth.verify_token(_bearer(token))


def test_an_expired_token_asks_to_sign_in_again(monkeypatch):
    monkeypatch.setattr(settings, "TOKEN_TTL_SECONDS", -60)
    token = auth.issue_token(user_id="U1", role="merchant", tenant_id="T1", email="u1@example.com")
    with pytest.raises(Unauthorized) as err:
        auth.verify_token(_bearer(token))
    assert "expired" in err.value.message


def test_a_merchant_token_is_not_an_operator_token():
    claims = auth.verify_token(
        _bearer(auth.issue_token(user_id="U1", role="merchant", tenant_id="T1", email="u1@example.com"))
    )
    with pytest.raises(Forbidden):
        auth.require_role(claims, "operator")
    auth.require_role(claims, "merchant")


def test_each_token_names_its_account_generation_and_its_own_id():
    first = auth.verify_token(_bearer(auth.issue_token(user_id="U1", role="merchant", tenant_id="T1", email="u@x.co")))
    second = auth.verify_token(
        _bearer(auth.issue_token(user_id="U1", role="merchant", tenant_id="T1", email="u@x.co", generation=3))
    )
    assert (first["email"], first["gen"], second["gen"]) == ("u@x.co", 0, 3)
    assert first["jti"] != second["jti"]  # what logging out revokes: one token, not the account's others


def test_a_token_without_an_id_cannot_be_revoked_so_is_refused():
    now = int(time.time())
    claims = {"sub": "U1", "role": "merchant", "email": "u@x.co", "iss": "shopbuilder", "iat": now, "exp": now + 60}
    with pytest.raises(Unauthorized):
        auth.verify_token(_bearer(jwt.encode(claims, auth._secret(), algorithm="HS256")))
