"""Tenant isolation below the app, checked on the calls the app really sends.

moto ignores `dynamodb:LeadingKeys`, so these tests record every AWS call as it leaves botocore
(which credentials signed it, what it names) during real flows, then evaluate IAM's decision
offline (tests/iam_policy.py) with the policies the stack deploys:
- tenant data is reached with the shop's own session credentials, and each such call is one
  IAM would allow for that shop and refuse for any other shop;
- every call left on a function's own role is one that function's role (infra/iam.py) allows,
  so nothing works here that AWS would refuse.
tests/aws/test_isolation_real_account.py repeats the decisive cases against real IAM.
"""

import json
import os
import threading
from contextlib import contextmanager
from urllib.parse import parse_qs

import pytest

from chalicelib import isolation, settings
from infra import iam
from infra.local import runtime
from tests.support.api import PASSWORD
from tests.support.iam_policy import allowed, call_requests, resolve
from tests.support.shopping import Shop


class Call:
    def __init__(self, service, operation, request, function):
        self.service, self.operation, self.request, self.function = service, operation, request, function
        auth = request.headers.get("Authorization", b"")
        auth = auth.decode() if isinstance(auth, bytes) else auth
        self.access_key = auth.split("Credential=")[1].split("/")[0] if "Credential=" in auth else None
        body = request.body or b""
        self.body = body.decode() if isinstance(body, bytes) else body

    def requests(self) -> list[tuple]:
        if self.service in ("dynamodb", "s3"):
            return call_requests(self.service, self.operation, self.request, runtime.REGION, runtime.ACCOUNT)
        if self.service == "sts":
            role = parse_qs(self.body).get("RoleArn", ["*"])[0]
            return [(f"sts:{self.operation}", role, {})]
        params = json.loads(self.body or "{}")
        if self.service == "states":
            arn = params.get("stateMachineArn") or params.get("executionArn") or "*"
            return [(f"states:{self.operation}", arn, {})]
        if self.service == "events":
            return [
                (
                    f"events:{self.operation}",
                    f"arn:aws:events:{runtime.REGION}:{runtime.ACCOUNT}:event-bus/{e.get('EventBusName', 'default')}",
                    {},
                )
                for e in params.get("Entries", [])
            ]
        return []


@pytest.fixture
def wire(app, monkeypatch):
    """Records every AWS call the app sends, with the function it ran in."""
    from moto.core.botocore_stubber import BotocoreStubber

    calls, local = [], threading.local()
    original = BotocoreStubber.__call__

    def record(self, event_name, request, **kwargs):
        _, service_id, operation = event_name.split(".", 2)
        service = {"sfn": "states", "eventbridge": "events"}.get(service_id, service_id)  # IAM's prefixes
        calls.append(Call(service, operation, request, getattr(local, "function", "api_handler")))
        return original(self, event_name, request, **kwargs)

    monkeypatch.setattr(BotocoreStubber, "__call__", record)

    def tagged(name, fn):
        def handler(event, context):
            local.function = name
            try:
                return fn(event, context)
            finally:
                local.function = None

        return handler

    for full_name, fn in list(runtime._lambda_handlers.items()):
        monkeypatch.setitem(runtime._lambda_handlers, full_name, tagged(full_name.rsplit("-", 1)[1], fn))

    @contextmanager
    def recording():
        calls.clear()
        yield calls

    return recording


def _names() -> dict:
    def table(name):
        return f"arn:aws:dynamodb:{runtime.REGION}:{runtime.ACCOUNT}:table/{name}"

    return {
        "AWS::Partition": "aws",
        "AWS::Region": runtime.REGION,
        "AWS::AccountId": runtime.ACCOUNT,
        "Stage": settings.STAGE,
        "SenderEmail": settings.SENDER_EMAIL,
        "TenantTable.Arn": table(settings.TENANT_TABLE),
        "PlatformTable.Arn": table(settings.PLATFORM_TABLE),
        "IdempotencyTable.Arn": table(settings.IDEMPOTENCY_TABLE),
        "EventBus.Arn": f"arn:aws:events:{runtime.REGION}:{runtime.ACCOUNT}:event-bus/{settings.PREFIX}",
        "MediaBucket.Arn": f"arn:aws:s3:::{settings.MEDIA_BUCKET}",
    }


def function_policy(function: str) -> dict:
    role = iam.function_role(function, f"shopbuilder-{settings.STAGE}-{function}")
    return resolve(role["Properties"]["Policies"][0]["PolicyDocument"], _names())


def tenant_session(tenant_id: str) -> tuple[list[dict], dict]:
    names = _names()
    role = resolve(iam.tenant_access_role(["R"])["Properties"]["Policies"][0]["PolicyDocument"], names)
    session = isolation.session_policy(tenant_id, names["TenantTable.Arn"], names["MediaBucket.Arn"])
    return [role, session], {"aws:PrincipalTag/tenant_id": tenant_id}


def as_tenant(tenant_id: str, request: tuple) -> bool:
    policies, tags = tenant_session(tenant_id)
    action, resource, context = request
    return allowed(policies, (action, resource, {**context, **tags}))


@pytest.fixture
def two_shops(api, paying_shop):
    return Shop(api, paying_shop), Shop(api, paying_shop)


def test_a_shops_data_is_reached_only_with_credentials_iam_confines_to_that_shop(two_shops, stripe, wire):
    shop, other = two_shops
    with wire() as calls:
        variant = shop.product(qty=5)
        handle = shop.admin.get(f"/api/admin/products/{variant.split('_')[0]}").json["handle"]
        assert shop.store.get("/").status_code == 200
        assert shop.store.get(f"/products/{handle}").status_code == 200
        assert shop.store.get("/api/store/products").status_code == 200
        paid = shop.buy(stripe, (variant, 1))
        assert paid["status"] == "paid", paid
        assert shop.admin.get("/api/admin/orders").status_code == 200
        assert shop.admin.get("/api/admin/home").status_code == 200  # the stock index, a day's sales, counts
    key = isolation.credentials_for(shop.tenant_id).access_key
    scoped = [c for c in calls if c.access_key == key]
    assert {c.service for c in scoped} >= {"dynamodb"}
    assert {c.function for c in scoped} == {"api_handler", "workflow_task"}  # requests and workflow tasks
    for call in scoped:
        for request in call.requests():
            assert as_tenant(shop.tenant_id, request), (call.operation, request)
            assert not as_tenant(other.tenant_id, request), (call.operation, request)


def test_what_stays_on_a_functions_own_role_is_what_its_role_allows(two_shops, stripe, wire):
    shop, _ = two_shops
    with wire() as calls:
        variant = shop.product(qty=3)
        assert shop.store.get("/").status_code == 200
        assert shop.buy(stripe, (variant, 1))["status"] == "paid"
        signup = shop.admin.as_(token="").post(
            "/api/merchants/signup",
            {
                "email": f"iso{variant[-6:].lower()}@example.com",
                "password": PASSWORD,
                "shop_name": "Isolation",
                "subdomain": f"iso{variant[-8:].lower()}",
            },
        )
        assert signup.status_code == 201, signup.body
    own_key = os.environ["AWS_ACCESS_KEY_ID"]  # what the emulated functions' own role signs with
    own = [c for c in calls if c.access_key == own_key and c.service in ("dynamodb", "s3", "states", "events", "sts")]
    assert {c.operation for c in own} >= {"GetItem", "TransactWriteItems", "StartExecution"}
    for call in own:
        policy = function_policy(call.function)
        for action, resource, context in call.requests():
            assert allowed([policy], (action, resource, context)), (call.function, call.operation, resource, context)


def test_tenant_credentials_are_assumed_once_and_reused_while_warm(new_shop, api, wire):
    merchant, signup = new_shop()
    store = api.as_(token="", host=f"{signup['shop']['subdomain']}.localhost:8000")
    isolation.forget_credentials()
    with wire() as calls:
        for _ in range(3):
            assert store.get("/").status_code == 200
            assert merchant.get("/api/admin/products").status_code == 200
    tenant_id = signup["shop"]["id"]
    assumed = [c for c in calls if c.service == "sts" and f"tenant-{tenant_id}" in c.body]
    assert len(assumed) == 1  # the shop's onboarding, running meanwhile, shares it too


def test_processing_an_upload_reaches_that_shops_media_and_items_only(two_shops, wire):
    from chalicelib import media
    from infra import stack
    from tests.support import media as uploads

    shop, other = two_shops
    photo = uploads.photo(500, 400)
    key = uploads.start(shop.admin, photo).json["key"]
    media.store(key, photo, "image/jpeg")  # the browser's post, as S3 stores it
    event = {"source": "aws.s3", "detail-type": "Object Created", "detail": {"object": {"key": key}}}
    with wire() as calls:
        answer, error = runtime.invoke_lambda(stack.function_name(settings.STAGE, "process_media"), json.dumps(event))
    assert error is None and json.loads(answer) == {"status": "ready"}, answer
    key_id = isolation.credentials_for(shop.tenant_id).access_key
    scoped = [c for c in calls if c.access_key == key_id]
    assert {c.service for c in scoped} == {"dynamodb", "s3"} and {c.function for c in scoped} == {"process_media"}
    for call in scoped:
        for request in call.requests():
            assert as_tenant(shop.tenant_id, request), (call.operation, request)
            assert not as_tenant(other.tenant_id, request), (call.operation, request)
    own_key = os.environ["AWS_ACCESS_KEY_ID"]
    for call in [c for c in calls if c.access_key == own_key and c.service != "logs"]:
        for request in call.requests():
            assert allowed([function_policy("process_media")], request), (call.operation, request)
