"""Getting in and out of the web admin: the contract's "Merchant web admin" (an HttpOnly session cookie, a
CSRF token on every form, 403 without it) and the same accounts, rules and limits as the API."""

import re

import pytest

from chalicelib import hosts
from tests.support.admin import Admin, header, signed_in
from tests.support.after_sale import emails_to
from tests.support.api import PASSWORD, unique


@pytest.fixture
def browser(app):
    from chalice.test import Client

    with Client(app) as client:
        yield Admin(client)


@pytest.fixture
def client(app):
    from chalice.test import Client

    with Client(app) as c:
        yield c


def _email(merchant) -> str:
    return f"{merchant[1]['shop']['subdomain']}@example.com"


def _cookie_line(answer, name: str) -> str:
    lines = header(answer, "set-cookie")
    lines = lines if isinstance(lines, list) else [lines]
    return next(line for line in lines if line.startswith(f"{name}="))


def test_signed_out_the_admin_sends_you_to_sign_in_and_back(browser, merchant):
    answer = browser.get("/admin/account/password?from=menu")
    assert answer.status_code == 303
    assert header(answer, "location") == "/admin/login?next=/admin/account/password%3Ffrom%3Dmenu"
    page = browser.get(header(answer, "location"))
    assert page.status_code == 200 and 'name="csrf_token"' in page.text
    assert header(page, "cache-control") == "private, no-store"
    assert "frame-ancestors 'none'" in header(page, "content-security-policy")
    signed = browser.post(
        "/admin/login", {"email": _email(merchant), "password": PASSWORD, "next": "/admin/account/password?from=menu"}
    )
    assert (signed.status_code, header(signed, "location")) == (303, "/admin/account/password?from=menu")


def test_the_session_cookie_is_httponly_lax_expiring_and_secure_over_https(browser, merchant, monkeypatch):
    signed = browser.sign_in(_email(merchant))
    line = _cookie_line(signed, "shop_session")
    assert "HttpOnly" in line and "SameSite=Lax" in line and re.search(r"Max-Age=\d+", line)
    assert "Secure" not in line  # the local server is plain HTTP
    monkeypatch.setattr(hosts, "scheme", lambda: "https")
    assert "Secure" in _cookie_line(Admin(browser._client).sign_in(_email(merchant)), "shop_session")


def test_a_form_post_without_its_csrf_token_answers_403_and_changes_nothing(browser, merchant):
    browser.sign_in(_email(merchant))
    assert browser.post("/admin/logout", csrf=False).status_code == 403
    assert browser.post("/admin/logout", {"csrf_token": "0" * 64}, csrf=False).status_code == 403
    assert browser.get("/admin").status_code == 200  # still signed in: the forged sign-out did nothing


def test_a_csrf_token_works_only_with_the_browser_it_was_given_to(client, merchant):
    mine, theirs = Admin(client), Admin(client)
    mine.get("/admin/login")
    theirs.get("/admin/login")
    theirs.csrf = mine.csrf  # a page of this admin read by another site cannot be, but say it was
    answer = theirs.post("/admin/login", {"email": _email(merchant), "password": PASSWORD})
    assert answer.status_code == 403


def test_wrong_password_shows_the_error_and_keeps_the_email(browser, merchant):
    browser.get("/admin/login")
    answer = browser.post("/admin/login", {"email": _email(merchant), "password": "not the password"})
    assert answer.status_code == 401
    assert "There is a problem" in answer.text and _email(merchant) in answer.text
    assert "shop_session" not in browser.cookies


def test_next_never_leaves_the_admin(browser, merchant):
    browser.get("/admin/login")
    for target in ("https://evil.example/admin", "//evil.example/admin", "/\\evil.example", "/s/other"):
        answer = browser.post("/admin/login", {"email": _email(merchant), "password": PASSWORD, "next": target})
        assert header(answer, "location") == "/admin", target


def test_opening_a_shop_in_the_browser_signs_you_in(browser):
    sub = unique()
    browser.get("/admin/signup")
    answer = browser.post(
        "/admin/signup",
        {
            "shop_name": "Plum Press",
            "subdomain": sub,
            "email": f"{sub}@example.com",
            "password": PASSWORD,
            "currency": "EUR",
        },
        follow=True,
    )
    assert answer.status_code == 200 and "Plum Press" in answer.text


def test_signup_errors_sit_next_to_their_field_and_in_the_summary(browser):
    browser.get("/admin/signup")
    answer = browser.post(
        "/admin/signup",
        {"shop_name": "Plum", "subdomain": "-", "email": "x@example.com", "password": PASSWORD, "currency": "USD"},
    )
    assert answer.status_code == 400
    assert 'href="#f-subdomain"' in answer.text and 'id="f-subdomain-error"' in answer.text
    assert 'aria-invalid="true"' in answer.text and 'value="Plum"' in answer.text


def test_signing_out_ends_the_session_even_for_a_copied_cookie(browser, client, merchant):
    browser.sign_in(_email(merchant))
    copy = Admin(client)
    copy.cookies = dict(browser.cookies)
    assert copy.get("/admin").status_code == 200
    out = browser.post("/admin/logout")
    assert out.status_code == 303 and "Max-Age=0" in _cookie_line(out, "shop_session")
    assert copy.get("/admin").status_code == 303


def test_changing_the_password_signs_out_every_other_session(client, merchant):
    here, there = signed_in(client, merchant), signed_in(client, merchant)
    here.get("/admin/account/password")
    wrong = here.post("/admin/account/password", {"current_password": "nope", "password": "a brand new phrase 7"})
    assert wrong.status_code == 400 and 'id="f-current_password-error"' in wrong.text
    changed = here.post("/admin/account/password", {"current_password": PASSWORD, "password": "a brand new phrase 7"})
    assert changed.status_code == 303
    assert here.get("/admin").status_code == 200
    assert there.get("/admin").status_code == 303


def test_a_forgotten_password_is_reset_by_the_emailed_link(browser, merchant):
    browser.get("/admin/password-reset")
    answer = browser.post("/admin/password-reset", {"email": _email(merchant)})
    assert answer.status_code == 200 and "on its way" in answer.text
    mail = emails_to(_email(merchant))[-1]
    assert "/password-reset?token=" in mail["body"]


def test_an_operator_session_does_not_open_the_merchant_admin(browser, operator):
    import os

    browser.sign_in(os.environ["OPERATOR_EMAIL"], os.environ["OPERATOR_PASSWORD"])
    assert browser.get("/admin").status_code == 403
