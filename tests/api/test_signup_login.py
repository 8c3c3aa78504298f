"""Merchants open a shop and sign in, as the contract's Platform section says."""

import json
from concurrent.futures import ThreadPoolExecutor

import boto3
import pytest

from chalicelib import keys, settings
from tests.support import clients
from tests.support.api import PASSWORD, product_body, unique


def _signup(api, sub=None, email=None, **over):
    sub = unique() if sub is None else sub
    body = {
        "email": email or f"{sub}@example.com",
        "password": PASSWORD,
        "shop_name": f"Shop {sub}",
        "subdomain": sub,
        **over,
    }
    return api.post("/api/merchants/signup", {k: v for k, v in body.items() if v is not None})


# Signing up -----------------------------------------------------------------------


def test_signup_answers_201_with_a_token_and_the_shop(api):
    sub = unique()
    r = _signup(api, sub, currency="EUR")
    assert r.status_code == 201, r.body
    assert set(r.json) == {"token", "shop"}
    shop = r.json["shop"]
    assert keys.is_id(shop["id"])
    assert (shop["subdomain"], shop["currency"]) == (sub, "EUR")
    assert shop["storefront_url"] == f"http://localhost:8000/s/{sub}/"


def test_signup_on_a_shop_host_gives_the_subdomain_form_of_the_storefront_url(api):
    sub = unique()
    r = _signup(api.as_(host="www2.localhost:8000"), sub)
    assert r.status_code == 201, r.body
    assert r.json["shop"]["storefront_url"] == f"http://{sub}.localhost:8000/"


def test_currency_defaults_to_usd(api):
    r = _signup(api)
    assert r.status_code == 201 and r.json["shop"]["currency"] == "USD"


def test_a_new_shop_is_usable_as_soon_as_signup_answers(api):
    r = _signup(api)
    assert r.status_code == 201
    sub, token = r.json["shop"]["subdomain"], r.json["token"]
    assert api.get(f"/s/{sub}/").status_code == 200
    assert api.as_(token=token).post("/api/admin/products", product_body()).status_code == 201


@pytest.mark.parametrize(
    "make",
    [
        lambda u: "q" + u[-2:],  # 3 characters, the shortest label
        lambda u: (u + "x" * 63)[:63],  # 63 characters, the longest
        lambda u: f"my-{u}",
        lambda u: f"9{u}",
        lambda u: f"a-b-{u}",
    ],
)
def test_dns_labels_of_3_to_63_characters_are_accepted(api, make):
    sub = make(unique("")[:10])
    r = _signup(api, sub)
    assert r.status_code == 201, r.body
    assert r.json["shop"]["subdomain"] == sub


@pytest.mark.parametrize("sub", ["ab", "x" * 64, "-abc", "abc-", "a_bc", "a.bc", "ab c", "shöp", "xn--abc", ""])
def test_subdomains_that_are_not_dns_labels_are_refused(api, sub):
    r = _signup(api, sub, email=f"{unique()}@example.com")
    assert r.status_code == 400, r.body
    assert "subdomain" in r.json["fields"]


@pytest.mark.parametrize("sub", ["www", "api", "admin"])
def test_reserved_subdomains_are_refused(api, sub):
    r = _signup(api, sub, email=f"{unique()}@example.com")
    assert r.status_code == 400
    assert r.json["fields"] == {"subdomain": "reserved"}


def test_a_password_under_10_characters_is_refused(api):
    r = _signup(api, password="123456789")
    assert r.status_code == 400
    assert "password" in r.json["fields"]


@pytest.mark.parametrize(
    ("password", "reason"),
    [
        (" " * 10, "one repeated character"),
        ("aaaaaaaaaa", "one repeated character"),
        ("abcdefghij", "a plain sequence"),
        ("0987654321", "a plain sequence"),
        ("password1234", "a common password"),
    ],
)
def test_a_guessable_password_is_refused_naming_why(api, password, reason):
    r = _signup(api, password=password)
    assert r.status_code == 400, r.body
    assert r.json["fields"] == {"password": reason}


@pytest.mark.parametrize("currency", ["usd", "US", "USDX", "ABC", 840, ""])
def test_a_currency_that_is_not_iso_4217_is_refused(api, currency):
    r = _signup(api, currency=currency)
    assert r.status_code == 400, r.body
    assert "currency" in r.json["fields"]


@pytest.mark.parametrize("email", ["no-at-sign", "a@b", "a b@example.com", "@example.com", "a@", "a@@b.co"])
def test_an_email_of_the_wrong_shape_is_refused(api, email):
    r = _signup(api, email=email)
    assert r.status_code == 400, r.body
    assert "email" in r.json["fields"]


@pytest.mark.parametrize("missing", ["email", "password", "shop_name", "subdomain"])
def test_each_missing_signup_field_is_named(api, missing):
    sub = unique()
    body = {"email": f"{sub}@example.com", "password": PASSWORD, "shop_name": "S", "subdomain": sub}
    del body[missing]
    r = api.post("/api/merchants/signup", body)
    assert r.status_code == 400
    assert missing in r.json["fields"]


@pytest.mark.parametrize("raw", ["not json", "[]", "", '{"email": '])
def test_a_signup_body_that_is_not_a_json_object_is_refused(api, raw):
    r = api.post("/api/merchants/signup", raw=raw)
    assert r.status_code == 400 and r.json["message"]


def test_a_blank_shop_name_is_refused(api):
    r = _signup(api, shop_name="   ")
    assert r.status_code == 400 and "shop_name" in r.json["fields"]


def test_a_taken_subdomain_answers_409(api):
    sub = unique()
    assert _signup(api, sub).status_code == 201
    r = _signup(api, sub, email=f"other-{sub}@example.com")
    assert r.status_code == 409
    assert r.json["fields"] == {"subdomain": "taken"}


def test_a_taken_email_answers_409_whatever_its_case(api):
    sub = unique()
    assert _signup(api, sub, email=f"{sub}@example.com").status_code == 201
    r = _signup(api, email=f"{sub.upper()}@EXAMPLE.com")
    assert r.status_code == 409
    assert r.json["fields"] == {"email": "taken"}


def test_a_refused_signup_claims_nothing(api):
    taken = unique()
    assert _signup(api, taken).status_code == 201
    loser = unique()
    assert _signup(api, taken, email=f"{loser}@example.com").status_code == 409
    # Neither the email nor anything else of the refused signup was kept.
    assert _signup(api, loser, email=f"{loser}@example.com").status_code == 201
    r = api.post("/api/auth/login", {"email": f"{loser}@example.com", "password": PASSWORD})
    assert r.status_code == 200


def test_only_one_of_20_simultaneous_signups_for_one_subdomain_wins(live_server):
    sub = unique("race")
    client = clients.from_address()

    def attempt(i):
        return client.post(
            f"{live_server}/api/merchants/signup",
            timeout=60,
            json={"email": f"{sub}-{i}@example.com", "password": PASSWORD, "shop_name": "Race", "subdomain": sub},
        )

    with ThreadPoolExecutor(max_workers=20) as pool:
        answers = list(pool.map(attempt, range(20)))
    codes = sorted(a.status_code for a in answers)
    assert codes == [201] + [409] * 19, codes
    assert all(a.json()["fields"] == {"subdomain": "taken"} for a in answers if a.status_code == 409)


def test_only_one_of_10_simultaneous_signups_with_one_email_wins(live_server):
    email = f"{unique('race')}@example.com"
    client = clients.from_address()

    def attempt(i):
        return client.post(
            f"{live_server}/api/merchants/signup",
            timeout=60,
            json={"email": email, "password": PASSWORD, "shop_name": "Race", "subdomain": unique("race")},
        )

    with ThreadPoolExecutor(max_workers=10) as pool:
        codes = sorted(a.status_code for a in pool.map(attempt, range(10)))
    assert codes == [201] + [409] * 9, codes


# Passwords at rest ----------------------------------------------------------------


def test_the_password_is_stored_only_as_a_hash(api):
    sub = unique()
    assert _signup(api, sub).status_code == 201
    item = boto3.client("dynamodb", region_name=settings.REGION).get_item(
        TableName=settings.PLATFORM_TABLE,
        Key={"pk": {"S": keys.email_claim(f"{sub}@example.com")}, "sk": {"S": keys.CLAIM_SK}},
        ConsistentRead=True,
    )["Item"]
    assert item["password_hash"]["S"].startswith("scrypt$")
    assert PASSWORD not in json.dumps(item)
    shop = boto3.client("dynamodb", region_name=settings.REGION).query(
        TableName=settings.TENANT_TABLE,
        KeyConditionExpression="pk = :t",
        ExpressionAttributeValues={":t": {"S": item["tenant_id"]["S"]}},
    )["Items"]
    assert shop and PASSWORD not in json.dumps(shop)


# Logging in -----------------------------------------------------------------------


def test_login_answers_a_token_that_opens_the_merchants_shop(api, merchant):
    _, signup = merchant
    email = f"{signup['shop']['subdomain']}@example.com"
    r = api.post("/api/auth/login", {"email": email, "password": PASSWORD})
    assert r.status_code == 200 and set(r.json) == {"token"}
    shop = api.as_(token=r.json["token"]).get("/api/admin/shop")
    assert shop.status_code == 200 and shop.json["id"] == signup["shop"]["id"]


def test_login_ignores_the_case_of_the_email(api, merchant):
    _, signup = merchant
    email = f"{signup['shop']['subdomain']}@example.com".upper()
    assert api.post("/api/auth/login", {"email": email, "password": PASSWORD}).status_code == 200


def test_wrong_password_and_unknown_email_get_the_same_401(api, merchant):
    _, signup = merchant
    wrong_password = api.post(
        "/api/auth/login", {"email": f"{signup['shop']['subdomain']}@example.com", "password": "not the password"}
    )
    unknown_email = api.post("/api/auth/login", {"email": f"{unique()}@example.com", "password": PASSWORD})
    assert wrong_password.status_code == unknown_email.status_code == 401
    assert wrong_password.json == unknown_email.json


@pytest.mark.parametrize("body", [{}, {"email": "a@b.co"}, {"password": "x"}, {"email": 1, "password": 2}])
def test_login_with_missing_or_wrong_type_fields_is_a_400(api, body):
    r = api.post("/api/auth/login", body)
    assert r.status_code == 400 and r.json["fields"]


# Tokens on every request ------------------------------------------------------------


def test_admin_calls_without_a_token_answer_401(api):
    r = api.get("/api/admin/products")
    assert r.status_code == 401 and r.json["message"]


def test_a_tampered_token_answers_401(merchant):
    shop_api, _ = merchant
    head, payload, sig = shop_api.token.split(".")
    tampered = shop_api.as_(token=f"{head}.{payload}.{sig[::-1]}")
    assert tampered.get("/api/admin/products").status_code == 401
    assert shop_api.as_(token="garbage").get("/api/admin/products").status_code == 401


def test_an_expired_token_answers_401(api, monkeypatch):
    monkeypatch.setattr(settings, "TOKEN_TTL_SECONDS", -60)
    r = _signup(api)
    assert r.status_code == 201
    expired = api.as_(token=r.json["token"])
    answer = expired.get("/api/admin/products")
    assert answer.status_code == 401 and "expired" in answer.json["message"]
