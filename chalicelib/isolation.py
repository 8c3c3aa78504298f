"""Tenant isolation below the application: tenant data is read and written with credentials
that IAM itself confines to one tenant.

One role, `TenantAccessRole`, is assumed per tenant (not a role per tenant: accounts cap
roles) with two independent fences, both generated here:
- a session policy naming the tenant: DynamoDB item actions only where every partition key
  of the request (`dynamodb:LeadingKeys`, which for a GSI query is the index's partition key)
  matches `<tenant_id>*`, and S3 objects only under `<tenant_id>/`;
- the role's own policy, the same statements with `${aws:PrincipalTag/tenant_id}` in place of
  the id, and the assumed session carries that tag: a session assumed without the tag, or
  without the session policy, still reaches one tenant at most.
Tenant ids are fixed-length ULIDs (keys.new_id), so `<tenant_id>*` cannot match another
tenant's id; every tenant partition key is `<tenant_id>` or `<tenant_id>#...` (keys.py).

How requests pick their credentials: a request binds its tenant once it is known
(`bind`), and the DynamoDB and S3 clients that reach tenant data are `scope`d: a call whose
every table is the tenant table (or whose bucket is the media bucket) is signed with that
tenant's credentials. Everything else (tenant resolution, the platform table, transactions
that also touch the platform table, idempotency records, Step Functions, SES) stays on the
function's own role. Credentials are cached per tenant until shortly before they expire, so a
warm request adds no AWS call. The binding is a context variable: per thread on the threaded
local server, reset after every request (Lambda reuses its thread across invocations).

Without TENANT_ACCESS_ROLE_ARN (plain unit tests) the binding is kept but nothing is assumed.
"""

import contextlib
import contextvars
import inspect
import json
import os
import threading
import time

from botocore.credentials import Credentials
from botocore.signers import RequestSigner

from . import keys, settings

TAG = "tenant_id"
PRINCIPAL_TAG = "${aws:PrincipalTag/" + TAG + "}"
SESSION_SECONDS = 3600  # the most a chained role session may last
REFRESH_MARGIN_SECONDS = 300  # fetch new credentials this long before the old ones expire
MAX_CACHED_TENANTS = 2000

# DynamoDB item actions (TransactWriteItems/TransactGetItems are authorized as these per item).
# No Scan, no PartiQL: they carry no leading key, and ForAllValues over no keys is vacuously true.
ITEM_ACTIONS = [
    "dynamodb:GetItem",
    "dynamodb:BatchGetItem",
    "dynamodb:Query",
    "dynamodb:PutItem",
    "dynamodb:UpdateItem",
    "dynamodb:DeleteItem",
    "dynamodb:BatchWriteItem",
    "dynamodb:ConditionCheckItem",
]
OBJECT_ACTIONS = ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"]

_current: contextvars.ContextVar[str | None] = contextvars.ContextVar("tenant", default=None)


# The policies -------------------------------------------------------------


def _join(arn, suffix: str):
    """`arn + suffix` for a plain ARN or a CloudFormation intrinsic (Fn::Join never reads `${...}`)."""
    return arn + suffix if isinstance(arn, str) else {"Fn::Join": ["", [arn, suffix]]}


def statements(tenant: str, table_arn, bucket_arn) -> list[dict]:
    """The fence for one tenant (`tenant` is an id, or PRINCIPAL_TAG in the role's own policy)."""
    return [
        {
            "Sid": "TenantItems",
            "Effect": "Allow",
            "Action": ITEM_ACTIONS,
            "Resource": [table_arn, _join(table_arn, "/index/*")],
            "Condition": {"ForAllValues:StringLike": {"dynamodb:LeadingKeys": [f"{tenant}*"]}},
        },
        {
            "Sid": "TenantMedia",
            "Effect": "Allow",
            "Action": OBJECT_ACTIONS,
            "Resource": [_join(bucket_arn, f"/{tenant}/*")],
        },
    ]


def session_policy(tenant_id: str, table_arn: str, bucket_arn: str) -> dict:
    if not keys.is_id(tenant_id):  # an empty or odd id would widen `<id>*` to other tenants
        raise ValueError(f"not a tenant id: {tenant_id!r}")
    return {"Version": "2012-10-17", "Statement": statements(tenant_id, table_arn, bucket_arn)}


def role_policy(table_arn, bucket_arn) -> dict:
    """TenantAccessRole's own policy (CloudFormation intrinsics allowed for the ARNs)."""
    return {"Version": "2012-10-17", "Statement": statements(PRINCIPAL_TAG, table_arn, bucket_arn)}


def role_arn() -> str:
    """Set by the stack (infra/stack.py environment); read per call so tests can turn it off."""
    return os.environ.get("TENANT_ACCESS_ROLE_ARN", "")


def _arn_parts() -> tuple[str, str]:
    """(partition, account) of the tenant access role: the tables and bucket live there too."""
    parts = role_arn().split(":")
    return parts[1], parts[4]


def tenant_table_arn() -> str:
    partition, account = _arn_parts()
    return f"arn:{partition}:dynamodb:{settings.REGION}:{account}:table/{settings.TENANT_TABLE}"


def media_bucket_arn() -> str:
    return f"arn:{_arn_parts()[0]}:s3:::{settings.MEDIA_BUCKET}"


# Binding a request to its tenant -------------------------------------------


def bind(tenant_id: str) -> None:
    """From here to the end of the request, tenant data is reached as this tenant."""
    _current.set(tenant_id)


def current() -> str | None:
    return _current.get()


@contextlib.contextmanager
def request_scope():
    """Around one request or task: whatever it binds is gone afterwards."""
    token = _current.set(None)
    try:
        yield
    finally:
        _current.reset(token)


@contextlib.contextmanager
def tenant(tenant_id: str | None):
    token = _current.set(tenant_id)
    try:
        yield
    finally:
        _current.reset(token)


# Credentials ----------------------------------------------------------------

_cache: dict[str, tuple[float, Credentials]] = {}  # tenant id -> (expiry, credentials), oldest first
_fetching: dict[str, threading.Lock] = {}
_cache_lock = threading.Lock()
_sts = None


def _sts_client():
    global _sts
    if _sts is None:
        import boto3

        _sts = boto3.client("sts", region_name=settings.REGION)
    return _sts


def credentials_for(tenant_id: str) -> Credentials | None:
    """This tenant's scoped credentials (cached); None when isolation is not configured."""
    arn = role_arn()
    if not arn:
        return None
    creds = _cached(tenant_id)
    if creds is not None:
        return creds
    with _cache_lock:
        fetching = _fetching.setdefault(tenant_id, threading.Lock())
    with fetching:  # one AssumeRole per tenant even when its requests arrive together (threaded server)
        return _cached(tenant_id) or _assume(arn, tenant_id)


def _cached(tenant_id: str) -> Credentials | None:
    with _cache_lock:
        hit = _cache.get(tenant_id)
    return hit[1] if hit and hit[0] - REFRESH_MARGIN_SECONDS > time.time() else None


def _assume(arn: str, tenant_id: str) -> Credentials:
    answer = _sts_client().assume_role(
        RoleArn=arn,
        RoleSessionName=f"tenant-{tenant_id}",
        DurationSeconds=SESSION_SECONDS,
        Policy=json.dumps(session_policy(tenant_id, tenant_table_arn(), media_bucket_arn()), separators=(",", ":")),
        Tags=[{"Key": TAG, "Value": tenant_id}],
    )["Credentials"]
    creds = Credentials(
        answer["AccessKeyId"], answer["SecretAccessKey"], answer["SessionToken"], method="tenant-assume-role"
    )
    with _cache_lock:
        if len(_cache) >= MAX_CACHED_TENANTS:  # the oldest goes: dicts keep insertion order
            oldest = next(iter(_cache))
            del _cache[oldest]
            _fetching.pop(oldest, None)
        _cache[tenant_id] = (answer["Expiration"].timestamp(), creds)
    return creds


def forget_credentials() -> None:
    with _cache_lock:
        _cache.clear()
        _fetching.clear()


# Making clients sign as the bound tenant ----------------------------------

# botocore reads per-request credentials from the request context's signing data; refuse to
# run on a botocore without it rather than silently sign tenant requests as the function.
if "request_credentials" not in inspect.signature(RequestSigner.get_auth_instance).parameters:
    raise ImportError("tenant isolation needs botocore >= 1.33 (per-request signing credentials)")


def _tables(params: dict) -> set[str]:
    if "TableName" in params:
        return {params["TableName"]}
    if "RequestItems" in params:
        return set(params["RequestItems"])
    if "TransactItems" in params:
        return {op["TableName"] for item in params["TransactItems"] for op in item.values()}
    return set()


def tenant_request(service: str, params: dict) -> bool:
    """Whether a call reaches only tenant data (then it is signed as the bound tenant)."""
    if service == "dynamodb":
        tables = _tables(params)
        return bool(tables) and tables == {settings.TENANT_TABLE}
    return params.get("Bucket") == settings.MEDIA_BUCKET


def _sign_as_tenant(params, context, model, **_):
    tenant_id = _current.get()
    if tenant_id is None or not tenant_request(model.service_model.service_name, params):
        return
    creds = credentials_for(tenant_id)
    if creds is not None:
        context.setdefault("signing", {})["request_credentials"] = creds
        context["tenant_id"] = tenant_id


SCOPED_SERVICES = ("dynamodb", "s3")


def scope(client):
    """Makes a DynamoDB or S3 client sign tenant-data calls with the bound tenant's credentials."""
    if not getattr(client, "_tenant_scoped", False):
        service = client.meta.service_model.service_name
        client.meta.events.register(f"before-parameter-build.{service}", _sign_as_tenant, unique_id="tenant-isolation")
        client._tenant_scoped = True
    return client
