"""Rate limits, as the contract's Conventions say: five failed logins for one email or twenty from one client
in 15 minutes answer 429 until the window ends, even with the right password; signup, password reset and
order lookup allow twenty requests per client in 15 minutes. The client is the source address the gateway saw."""

import os
import random

import pytest

from chalicelib import auth, throttle
from chalicelib.errors import TooManyRequests
from tests.support import clients
from tests.support.api import PASSWORD, unique
from tests.support.clock import later

WINDOW = throttle.WINDOW_SECONDS


def _login(api, email, password):
    return api.post("/api/auth/login", {"email": email, "password": password})


def _email(merchant) -> str:
    return f"{merchant[1]['shop']['subdomain']}@example.com"


def _locked(answer) -> bool:
    if answer.status_code != 429:
        return False
    assert 0 < int(answer.headers["Retry-After"]) <= WINDOW, answer.headers
    assert answer.json["message"]
    return True


def test_five_failed_logins_lock_the_email_even_with_the_right_password_until_the_window_ends(
    api, someone_else, merchant, monkeypatch
):
    email = _email(merchant)
    assert [_login(api, email, "not the password").status_code for _ in range(5)] == [401] * 5
    assert _locked(_login(api, email, PASSWORD))
    assert _locked(_login(someone_else, email, PASSWORD))  # whoever tries: the email is what is guessed
    later(monkeypatch, WINDOW - 60)
    locked = _login(api, email, PASSWORD)
    assert _locked(locked) and int(locked.headers["Retry-After"]) <= 60
    later(monkeypatch, WINDOW + 1)
    assert _login(api, email, PASSWORD).status_code == 200


def test_a_right_password_is_not_counted_as_a_failure(api, merchant):
    email = _email(merchant)
    assert [_login(api, email, "not the password").status_code for _ in range(4)] == [401] * 4
    assert _login(api, email, PASSWORD).status_code == 200
    assert _login(api, email, "not the password").status_code == 401  # the fifth failure
    assert _locked(_login(api, email, PASSWORD))


def test_twenty_failed_logins_from_one_client_lock_that_client_only(api, someone_else, merchant):
    for _ in range(20):
        assert _login(api, f"{unique()}@example.com", "not the password").status_code == 401
    assert _locked(_login(api, _email(merchant), PASSWORD))
    assert _login(someone_else, _email(merchant), PASSWORD).status_code == 200


def test_a_locked_login_spends_no_scrypt(api, merchant, monkeypatch):
    email = _email(merchant)
    for _ in range(5):
        _login(api, email, "not the password")
    hashed = []
    verify = auth.verify_password
    monkeypatch.setattr(auth, "verify_password", lambda *a: hashed.append(1) or verify(*a))
    for _ in range(10):
        assert _locked(_login(api, email, "another guess"))
    assert hashed == []


def test_the_operator_login_is_locked_the_same_way(api, operator):
    email = os.environ["OPERATOR_EMAIL"]
    _unlock(throttle.login_by_email(email))  # failures other tests of this worker made count in this window too
    try:
        assert [_login(api, email, "not the password").status_code for _ in range(5)] == [401] * 5
        assert _locked(_login(api, email, os.environ["OPERATOR_PASSWORD"]))
    finally:
        _unlock(throttle.login_by_email(email))


def _unlock(counter):
    """Other tests of this run sign the operator in: its lock ends here rather than in 15 minutes."""
    counter.model(counter.pk, counter.sk).delete()


def _signup_body(valid: bool):
    sub = unique()
    body = {"email": f"{sub}@example.com", "password": PASSWORD, "shop_name": "S", "subdomain": sub}
    return body if valid else {**body, "subdomain": "-"}


def test_twenty_signups_from_one_client_then_429_until_the_window_ends(api, someone_else, monkeypatch):
    # Refused bodies count too (no scrypt spent on them here): twenty requests, whatever they were.
    for i in range(20):
        assert api.post("/api/merchants/signup", _signup_body(i == 0)).status_code == (201 if i == 0 else 400)
    assert _locked(api.post("/api/merchants/signup", _signup_body(True)))
    assert someone_else.post("/api/merchants/signup", _signup_body(True)).status_code == 201
    later(monkeypatch, WINDOW + 1)
    assert api.post("/api/merchants/signup", _signup_body(True)).status_code == 201


def test_x_forwarded_for_does_not_make_another_client(api):
    for i in range(20):
        api.post("/api/merchants/signup", _signup_body(False), headers={"X-Forwarded-For": f"198.51.100.{i}"})
    spoofed = api.post("/api/merchants/signup", _signup_body(True), headers={"X-Forwarded-For": "203.0.113.7"})
    assert _locked(spoofed)


def test_twenty_password_reset_requests_from_one_client_then_429(api, someone_else):
    for _ in range(20):
        assert api.post("/api/auth/password-reset", {"email": f"{unique()}@example.com"}).status_code == 202
    assert _locked(api.post("/api/auth/password-reset", {"email": f"{unique()}@example.com"}))
    assert someone_else.post("/api/auth/password-reset", {"email": f"{unique()}@example.com"}).status_code == 202


def test_twenty_order_lookups_from_one_client_then_429(api, someone_else, merchant):
    host = f"{merchant[1]['shop']['subdomain']}.localhost:8000"
    guess = {"number": 1, "email": "someone@example.com"}
    store, other = api.as_(host=host), someone_else.as_(host=host)
    assert [store.post("/api/store/orders/lookup", guess).status_code for _ in range(20)] == [404] * 20
    assert _locked(store.post("/api/store/orders/lookup", guess))
    assert other.post("/api/store/orders/lookup", guess).status_code == 404


def test_the_local_server_counts_each_source_address_as_its_own_client(live_server):
    spammer, bystander = clients.from_address(), clients.from_address()
    path = "/api/merchants/signup"
    for _ in range(20):
        assert spammer.post(f"{live_server}{path}", json={"subdomain": "-"}, timeout=30).status_code == 400
    locked = spammer.post(f"{live_server}{path}", json={}, timeout=30)
    assert locked.status_code == 429 and int(locked.headers["Retry-After"]) > 0
    assert bystander.post(f"{live_server}{path}", json={}, timeout=30).status_code == 400


def test_a_counter_whose_window_ended_counts_as_zero_before_ttl_deletes_it(monkeypatch):
    counter = throttle.signups(f"192.0.2.{random.randrange(256)}-{unique()}")
    for _ in range(20):
        throttle.charge(counter)
    with pytest.raises(TooManyRequests):
        throttle.charge(counter)
    item = counter.model.get(counter.pk, counter.sk)
    assert item.expires_at == item.window_ends  # DynamoDB's TTL deletes it some time after
    later(monkeypatch, WINDOW)
    throttle.charge(counter)  # the item is still there, its window over: a new window starts
    assert counter.model.get(counter.pk, counter.sk).hits == 1
