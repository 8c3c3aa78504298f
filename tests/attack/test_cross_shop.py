"""Shop A attacks shop B through every operation `/openapi.json` serves: zero reads, zero changes.

Two shops with real data (products, a draft, carts, a checkout awaiting payment, paid orders, fulfilments,
a return, a discount, rates, a pickup location). Every operation of the served document is then called with
B's ids under A's token and on A's storefront, with A's token on B's host, with B's cursors, without a token
and with a forged or expired token of B's merchant. No answer may carry anything of B's that the call did
not itself send, and B's items (DynamoDB), media (S3) and platform claims are the same before and after.

The operations come from the document, so a new route is attacked without a line here; a path parameter
this suite cannot fill with one of B's things fails the test, so no route slips through unplanned.
"""

import json
import time
from urllib.parse import urlencode

import jwt
import pytest

from chalicelib import admin_session, settings
from tests.support.api import Api
from tests.support.contract import ContractError
from tests.support.full_shop import FullShop

pytestmark = pytest.mark.xdist_group("attack")

PLATFORM_HOST = "localhost:8000"
ENDS_SESSION = ("POST /api/auth/logout", "POST /api/auth/password", "POST /admin/logout")
# The web admin's pages are called as a browser calls them: the token in the session cookie, forms urlencoded
# with a valid CSRF token of the attacker's own browser (so a refusal is the page's, not the CSRF check's).
CSRF_SEED = "attackers-own-browser"
# The rest is the storefront's, per host.
PLATFORM_PATHS = ("/api/", "/s/", "/openapi.json", "/healthz", "/docs", "/assets/")
# A path parameter is filled with one of the victim's things (FullShop.path_ids: the shop's own subdomain
# aside, which names the attacker's storefront) or with a value that is nobody's (SHARED). A parameter in
# neither fails the suite: decide how to attack it, then add it.
SHARED = {
    "asset": "reference.js",
    "folder": "_common",
    "name": "product.js",
    "kind": "privacy",
    "language": "zh-CN",
    "proxy": "api/admin/orders/{order_id}/anything",
    "template": "product.html",  # a theme's template: every shop edits its own copy of it
}
# Request body fields filled with the victim's things (by property name); the rest get a minimal valid value.
BODY_FIELDS = {
    "variant_id": "variant_id",
    "exchange_for": "variant_id",
    "id": "variant_id",
    "final_sale_product_ids": "product_ids",
    "pickup_location_id": "location_id",
    "email": "order_email",
    "number": "order_number",
    "code": "discount_code",
    "discount_code": "discount_code",
    "tracking_number": "tracking_number",
    "subdomain": "subdomain",
}


def _markers(victim: FullShop) -> list[str]:
    """Strings that only B's data contains: finding one in an answer is a read of B."""
    return [
        victim.tenant_id,
        victim.subdomain,
        victim.cart_id,
        victim.checkout_id,
        victim.return_id,
        victim.bulk_edit_id,
        victim.fulfilment_id,
        victim.location_id,
        victim.discount_code,
        victim.tracking_number,
        victim.payment_session,
        victim.payment_account,
        *victim.order_ids,
        *victim.product_ids,
        *victim.variant_ids,
        *victim.skus,
        *victim.titles,
        *victim.emails,
    ]


@pytest.fixture(scope="module")
def shops(app, stripe):
    from chalice.test import Client

    with Client(app) as client:
        api = Api(client)
        yield api, FullShop(api, stripe, "Alpha"), FullShop(api, stripe, "Beta")


def _snapshot(victim: FullShop) -> dict:
    """Everything of B's: its items in the tenant table, its media objects, the platform items naming it."""
    import boto3

    dynamodb = boto3.client("dynamodb")

    def items(table):
        pages = dynamodb.get_paginator("scan").paginate(TableName=table)
        return sorted(
            (json.dumps(item, sort_keys=True) for page in pages for item in page["Items"]),
        )

    names = (victim.tenant_id, victim.subdomain, *victim.emails)
    tenant = [i for i in items(settings.TENANT_TABLE) if json.loads(i)["pk"]["S"].startswith(victim.tenant_id)]
    platform = [i for i in items(settings.PLATFORM_TABLE) if any(n in i for n in names)]
    listed = boto3.client("s3").list_objects_v2(Bucket=settings.MEDIA_BUCKET, Prefix=victim.tenant_id)
    media = sorted((o["Key"], o["ETag"]) for o in listed.get("Contents", []))
    return {"tenant": tenant, "platform": platform, "media": media}


def _cursors(api: Api, victim: FullShop, document: dict) -> list[str]:
    """B's own cursors: page one (limit=1) of every list operation, as B's merchant and on B's storefront."""
    found = []
    for path, operations in document["paths"].items():
        if "get" not in operations or "{" in path.replace("{subdomain}", ""):
            continue
        path = path.replace("{subdomain}", victim.subdomain)
        answer = api.as_(token=victim.token, host=victim.host).get(f"{path}?limit=1")
        if isinstance(answer.json, dict) and answer.json.get("next"):
            found.append(answer.json["next"])
    assert found, "B has no second page anywhere: the cursor attacks would attack nothing"
    return found


def _forged_tokens(victim: FullShop) -> dict[str, str]:
    claims = jwt.decode(victim.token, options={"verify_signature": False})
    now = int(time.time())
    secret = settings.TOKEN_SECRET
    return {
        "forged": jwt.encode({**claims, "exp": now + 3600}, "not-the-platform-secret-" * 2, algorithm="HS256"),
        "unsigned": jwt.encode({**claims, "exp": now + 3600}, None, algorithm="none"),
        "expired": jwt.encode({**claims, "iat": now - 7200, "exp": now - 3600}, secret, algorithm="HS256"),
    }


def _fill_path(path: str, victim: FullShop, subdomain: str) -> str:
    filled = path
    for name in _parameters(path):
        if name == "subdomain":
            value = subdomain
        elif name in victim.path_ids():
            value = victim.path_ids()[name]
        elif name in SHARED:
            value = SHARED[name].format(order_id=victim.order_id)
        else:
            pytest.fail(
                f"{path}: no attack plan for the path parameter {{{name}}}; add it to FullShop.path_ids or SHARED"
            )
        filled = filled.replace(f"{{{name}}}", value)
    return filled


def _parameters(path: str) -> list[str]:
    return [segment[1:-1] for segment in path.split("/") if segment.startswith("{") and segment.endswith("}")]


def _body(schema, document: dict, victim: FullShop, name: str | None = None):
    """A small body the schema accepts, with B's things in every field named for one."""
    while isinstance(schema, dict) and "$ref" in schema:
        schema = document["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
    if not isinstance(schema, dict):
        return None
    if name in BODY_FIELDS:
        value = getattr(victim, BODY_FIELDS[name])
        wants_list = schema.get("type") == "array"
        return value if isinstance(value, list) or not wants_list else [value]
    for key in ("anyOf", "oneOf"):
        if key in schema:
            return _body(schema[key][0], document, victim, name)
    if "enum" in schema:
        return schema["enum"][0]
    if "const" in schema:
        return schema["const"]
    kind = schema.get("type")
    if isinstance(kind, list):
        kind = next(k for k in kind if k != "null")
    if kind == "object" or "properties" in schema:
        required = schema.get("required", [])
        return {k: _body(v, document, victim, k) for k, v in schema.get("properties", {}).items() if k in required}
    if kind == "array":
        return [
            _body(schema.get("items", {}), document, victim, name) for _ in range(max(1, schema.get("minItems", 0)))
        ]
    if kind == "integer" or kind == "number":
        return max(1, schema.get("minimum", 1))
    if kind == "boolean":
        return False
    if schema.get("format") == "email":
        return victim.order_email
    return "x" * max(1, schema.get("minLength", 1))


class Attack:
    """The calls of the attack, and what each got that it must not: every problem is kept, so one run
    shows them all."""

    def __init__(self, api: Api, markers: list[str]):
        self.api, self.markers = api, markers
        self.calls = 0
        self.problems: list[str] = []

    def __call__(self, method: str, path: str, body, *, token: str | None, host: str, must_refuse: bool, why: str):
        page = path.startswith("/admin")
        client = self.api.as_(token="" if page else token or "", host=host)
        sent = json.dumps(body) if body is not None else None
        headers = None
        if page:
            cookies = f"{admin_session.CSRF_COOKIE}={CSRF_SEED}" + (
                f"; {admin_session.SESSION_COOKIE}={token}" if token else ""
            )
            headers = {"cookie": cookies, "content-type": "application/x-www-form-urlencoded"}
            sent = urlencode({"csrf_token": admin_session.csrf_token(CSRF_SEED)}) if method == "POST" else None
        where = f"{why}: {method} {path} on {host}"
        self.calls += 1
        try:
            answer = client.request(method, path, raw=sent if sent is not None else "", headers=headers)
        except ContractError as off_schema:
            self.problems.append(f"{where}: {off_schema}")
            return
        status, text = answer.status_code, answer.text
        refused = 400 <= status < 500 or (
            page and status == 303 and answer.headers.get("Location", "").startswith("/admin/login")
        )
        if status >= 500 or (must_refuse and not refused):
            self.problems.append(f"{where} answered {status}: {text[:300]}")
        # What the call sent may come back (an id in a message); the host may not: an answer to A on B's host
        # speaks of A's own hosts only.
        carried = " ".join((path, sent or "", token or ""))
        leaked = [m for m in self.markers if m in text and m not in carried]
        if leaked:
            self.problems.append(f"{where} answered {status} with B's {leaked}: {text[:300]}")


def test_shop_a_reads_and_changes_nothing_of_shop_b_through_any_operation(shops, record_property):
    api, attacker, victim = shops
    document = api.get("/openapi.json").json
    cursors = _cursors(api, victim, document)
    tokens = _forged_tokens(victim)
    before = _snapshot(victim)
    markers = _markers(victim)
    stored = json.dumps(before)
    assert [m for m in markers if m not in stored] == [], "a marker that is not B's data would prove nothing"
    attack = Attack(api, markers)
    operations = 0

    listed = [
        (template, method, op) for template, methods in document["paths"].items() for method, op in methods.items()
    ]
    # Attacks that end A's session (A's own token sent to log out) go last; any other that does is a finding.
    for template, method, operation in sorted(listed, key=lambda t: f"{t[1].upper()} {t[0]}" in ENDS_SESSION):
        operations += 1
        signed_in = bool(operation.get("security"))
        storefront_host = template.startswith("/api/store/") or not template.startswith(PLATFORM_PATHS)
        a_host = attacker.host if storefront_host else PLATFORM_HOST
        owned = any(p in victim.path_ids() and p != "subdomain" for p in _parameters(template))
        schema = operation.get("requestBody", {}).get("content", {}).get("application/json", {}).get("schema")
        body = _body(schema, document, victim) if schema else None
        on_a = _fill_path(template, victim, attacker.subdomain)
        m = method.upper()

        attack(m, on_a, body, token=attacker.token, host=a_host, must_refuse=owned, why="B's ids, A's token")
        if signed_in:
            attack(m, on_a, body, token=attacker.token, host=victim.host, must_refuse=owned, why="on B's host")
        if m == "GET":
            for cursor in cursors:
                sep = "&" if "?" in on_a else "?"
                query = f"{on_a}{sep}cursor={cursor}&limit=1"
                attack(m, query, None, token=attacker.token, host=a_host, must_refuse=owned, why="B's cursor")
        for name, token in {"no token": None, **tokens}.items():
            refuse = owned or signed_in
            attack(m, on_a, body, token=token, host=a_host, must_refuse=refuse, why=name)
        if f"{m} {template}" not in ENDS_SESSION:
            still = api.as_(token=attacker.token).get("/api/admin/shop").status_code
            assert still == 200, (
                f"A's token stopped working after {m} {template}; if it should, list it in ENDS_SESSION"
            )

    after = _snapshot(victim)
    assert not attack.problems, f"{len(attack.problems)} of {attack.calls} calls got what they must not:\n" + "\n".join(
        attack.problems[:40]
    )
    assert after == before, _difference(before, after)
    assert operations == sum(len(methods) for methods in document["paths"].values())
    record_property("tally", ("attack suite: operations attacked", operations))
    record_property("tally", ("attack suite: calls made", attack.calls))


def _difference(before: dict, after: dict) -> str:
    lines = []
    for part in before:
        gone, new = set(before[part]) - set(after[part]), set(after[part]) - set(before[part])
        lines += [f"{part} before: {g}" for g in sorted(map(str, gone))]
        lines += [f"{part} after:  {n}" for n in sorted(map(str, new))]
    return "B's data changed:\n" + "\n".join(lines)
