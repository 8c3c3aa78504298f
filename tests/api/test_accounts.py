"""Sessions that end and passwords that change, as the contract's Platform section says: log out, change the
password (older tokens stop working), reset it by an emailed single-use link valid for an hour."""

import re

import pytest

from chalicelib import accounts, hosts, tenants
from infra.local import runtime
from tests.support.api import PASSWORD, unique
from tests.support.clock import later

NEW_PASSWORD = "violet canyon ferry 7"


def _email(merchant) -> str:
    return f"{merchant[1]['shop']['subdomain']}@example.com"


def _login(api, email, password=PASSWORD):
    return api.post("/api/auth/login", {"email": email, "password": password})


def _opens_the_shop(api, token) -> bool:
    answer = api.as_(token=token).get("/api/admin/shop")
    assert answer.status_code in (200, 401), answer.body
    return answer.status_code == 200


# Logging out ------------------------------------------------------------------------


def test_logging_out_ends_that_token_only(api, merchant):
    shop_api, _ = merchant
    other = _login(api, _email(merchant)).json["token"]
    assert shop_api.post("/api/auth/logout").status_code == 204
    assert not _opens_the_shop(api, shop_api.token)
    assert shop_api.post("/api/auth/logout").status_code == 401
    assert _opens_the_shop(api, other)


def test_logging_out_needs_a_token(api):
    assert api.post("/api/auth/logout").status_code == 401


def test_the_operator_logs_out_the_same_way(api, operator):
    assert operator.get("/api/operator/tenants").status_code == 200
    assert operator.post("/api/auth/logout").status_code == 204
    assert operator.get("/api/operator/tenants").status_code == 401


# Changing the password --------------------------------------------------------------


def _change(api, current, new):
    return api.post("/api/auth/password", {"current_password": current, "password": new})


def test_changing_the_password_ends_every_older_token(api, merchant):
    shop_api, _ = merchant
    older = _login(api, _email(merchant)).json["token"]
    changed = _change(shop_api, PASSWORD, NEW_PASSWORD)
    assert changed.status_code == 200 and set(changed.json) == {"token"}
    assert not _opens_the_shop(api, shop_api.token) and not _opens_the_shop(api, older)
    assert _opens_the_shop(api, changed.json["token"])
    assert _login(api, _email(merchant)).status_code == 401
    assert _login(api, _email(merchant), NEW_PASSWORD).status_code == 200


def test_a_wrong_current_password_changes_nothing(api, merchant):
    shop_api, _ = merchant
    wrong = _change(shop_api, "not the password", NEW_PASSWORD)
    assert wrong.status_code == 400 and wrong.json["fields"] == {"current_password": "wrong password"}
    assert _opens_the_shop(api, shop_api.token)
    assert _login(api, _email(merchant)).status_code == 200


def test_a_guessable_new_password_is_refused(merchant):
    shop_api, _ = merchant
    weak = _change(shop_api, PASSWORD, "aaaaaaaaaa")
    assert weak.status_code == 400 and weak.json["fields"] == {"password": "one repeated character"}


def test_changing_the_password_needs_a_token(api):
    assert _change(api, PASSWORD, NEW_PASSWORD).status_code == 401


# Resetting a forgotten password -------------------------------------------------------


def _reset_link(email: str) -> str:
    mails = [m for m in runtime.sent_emails() if email in m["to"] and "reset your password" in m["subject"]]
    assert len(mails) == 1, mails
    return re.search(r'href="([^"]*password-reset\?token=[^"]+)"', mails[0]["body"]).group(1)


def _token_of(link: str) -> str:
    return link.split("token=", 1)[1]


def _ask_reset(api, email):
    answer = api.post("/api/auth/password-reset", {"email": email})
    assert answer.status_code == 202, answer.body
    return answer


def _confirm(api, token, password=NEW_PASSWORD):
    return api.post("/api/auth/password-reset/confirm", {"token": token, "password": password})


def test_a_reset_link_sets_a_new_password_once_and_ends_older_tokens(api, merchant):
    shop_api, signup = merchant
    email = _email(merchant)
    _ask_reset(api.as_(host="evil.example"), email.upper())
    link = _reset_link(email)
    # On the shop's own primary host, whatever Host the request came with.
    assert link.startswith(hosts.primary_url(tenants.get_shop(signup["shop"]["id"]), "/password-reset?token="))
    done = _confirm(api, _token_of(link))
    assert done.status_code == 200 and _opens_the_shop(api, done.json["token"])
    assert not _opens_the_shop(api, shop_api.token)
    assert _login(api, email, NEW_PASSWORD).status_code == 200
    again = _confirm(api, _token_of(link), "another fine password 9")
    assert again.status_code == 400 and again.json["fields"] == {"token": "used, expired or unknown"}


def test_an_unknown_email_gets_the_same_202_and_no_mail(api):
    email = f"{unique()}@example.com"
    assert _ask_reset(api, email).json == _ask_reset(api, "x" + email).json
    assert [m for m in runtime.sent_emails() if email in m["to"]] == []


def test_a_reset_link_expires_after_an_hour(api, merchant, monkeypatch):
    email = _email(merchant)
    _ask_reset(api, email)
    later(monkeypatch, accounts.RESET_SECONDS + 1)
    late = _confirm(api, _token_of(_reset_link(email)))
    assert late.status_code == 400 and late.json["fields"] == {"token": "used, expired or unknown"}
    assert _login(api, email).status_code == 200


@pytest.mark.parametrize("token", ["not-a-token", "x" * 43])
def test_an_unknown_reset_token_is_a_400(api, token):
    answer = _confirm(api, token)
    assert answer.status_code == 400 and answer.json["fields"] == {"token": "used, expired or unknown"}


def test_a_guessable_password_does_not_use_up_the_link(api, merchant):
    email = _email(merchant)
    _ask_reset(api, email)
    token = _token_of(_reset_link(email))
    weak = _confirm(api, token, "0987654321")
    assert weak.status_code == 400 and weak.json["fields"] == {"password": "a plain sequence"}
    assert _confirm(api, token).status_code == 200


def test_a_password_changed_since_voids_the_link(api, merchant):
    shop_api, _ = merchant
    email = _email(merchant)
    _ask_reset(api, email)
    assert _change(shop_api, PASSWORD, NEW_PASSWORD).status_code == 200
    assert _confirm(api, _token_of(_reset_link(email)), "another fine password 9").status_code == 400


def test_the_reset_links_page_sets_the_password_with_a_plain_form(api, merchant):
    email = _email(merchant)
    _ask_reset(api, email)
    token = _token_of(_reset_link(email))
    page = api.get(f"/password-reset?token={token}")
    assert page.status_code == 200 and f'name="token" value="{token}"' in page.text
    assert (
        page.headers["Cache-Control"] == "private, no-store"
        and "frame-ancestors 'none'" in page.headers["Content-Security-Policy"]
    )
    assert '<meta name="referrer" content="no-referrer">' in page.text and "<script" not in page.text
    form = {"content-type": "application/x-www-form-urlencoded"}
    weak = api.post("/password-reset", raw=f"token={token}&password=aaaaaaaaaa", headers=form)
    assert weak.status_code == 400 and "easy to guess" in weak.text
    done = api.post("/password-reset", raw=f"token={token}&password={NEW_PASSWORD.replace(' ', '+')}", headers=form)
    assert done.status_code == 200 and "Password changed" in done.text
    assert _login(api, email, NEW_PASSWORD).status_code == 200
    used = api.post("/password-reset", raw=f"token={token}&password=another+fine+password+9", headers=form)
    assert used.status_code == 400 and "used, expired or unknown" in used.text


def test_an_email_gets_at_most_five_reset_mails_in_a_window_however_many_clients_ask(
    api, someone_else, merchant, monkeypatch
):
    email = _email(merchant)
    for asker in (api, someone_else, api, someone_else, api, someone_else, api):
        _ask_reset(asker, email)  # 202 each time: the answer says nothing

    def mails():
        return [m for m in runtime.sent_emails() if email in m["to"] and "reset your password" in m["subject"]]

    assert len(mails()) == 5
    later(monkeypatch, 15 * 60 + 1)
    _ask_reset(api, email)
    assert len(mails()) == 6


def test_the_reset_links_page_speaks_the_shops_language(api, merchant):
    shop_api, _ = merchant
    assert shop_api.patch("/api/admin/shop", {"languages": ["zh-CN", "en"]}).status_code == 200
    email = _email(merchant)
    _ask_reset(api, email)
    token = _token_of(_reset_link(email))
    page = api.get(f"/password-reset?token={token}")
    assert '<html lang="zh-CN">' in page.text and "设置新密码" in page.text
    form = {"content-type": "application/x-www-form-urlencoded"}
    done = api.post("/password-reset", raw=f"token={token}&password={NEW_PASSWORD.replace(' ', '+')}", headers=form)
    assert done.status_code == 200 and "密码已更改" in done.text
    assert '<html lang="en">' in api.get("/password-reset?token=not-one-we-sent").text
