"""The generated tenant policies, evaluated offline (tests/iam_policy.py) on the requests IAM would see."""

import pytest

from chalicelib import isolation, keys
from infra import iam
from tests.support.iam_policy import allowed, decide, resolve

REGION, ACCOUNT = "us-east-1", "123456789012"
TABLE = f"arn:aws:dynamodb:{REGION}:{ACCOUNT}:table/shopbuilder-dev-tenants"
PLATFORM = f"arn:aws:dynamodb:{REGION}:{ACCOUNT}:table/shopbuilder-dev-platform"
BUCKET = f"arn:aws:s3:::shopbuilder-dev-media-{ACCOUNT}"
A, B = keys.new_id(), keys.new_id()


def role_policy() -> dict:
    """TenantAccessRole's own policy exactly as the template carries it, intrinsics resolved."""
    resource = iam.tenant_access_role(["APIHandlerRole"])
    return resolve(
        resource["Properties"]["Policies"][0]["PolicyDocument"], {"TenantTable.Arn": TABLE, "MediaBucket.Arn": BUCKET}
    )


def session_of(tenant: str, tag: str | None = None) -> tuple[list[dict], dict]:
    """A session of the role for `tenant`: its two policies and its principal tag."""
    return [role_policy(), isolation.session_policy(tenant, TABLE, BUCKET)], {
        "aws:PrincipalTag/tenant_id": tag if tag is not None else tenant
    }


def can(session, action: str, resource: str, leading_keys: list[str] | None = None) -> bool:
    policies, tags = session
    context = dict(tags)
    if leading_keys is not None:
        context["dynamodb:LeadingKeys"] = leading_keys
    return allowed(policies, (action, resource, context))


def test_a_tenant_session_reads_and_writes_its_own_items():
    a = session_of(A)
    for action in (
        "dynamodb:GetItem",
        "dynamodb:PutItem",
        "dynamodb:UpdateItem",
        "dynamodb:DeleteItem",
        "dynamodb:ConditionCheckItem",
        "dynamodb:BatchGetItem",
        "dynamodb:BatchWriteItem",
    ):
        assert can(a, action, TABLE, [A]), action


def test_a_tenant_session_cannot_touch_another_tenants_item():
    a = session_of(A)
    for action in ("dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem"):
        assert not can(a, action, TABLE, [B]), action


def test_a_batch_naming_one_foreign_key_among_its_own_is_refused_whole():
    assert not can(session_of(A), "dynamodb:BatchGetItem", TABLE, [A, B])


def test_index_queries_are_confined_by_the_index_partition_key():
    a = session_of(A)
    for index_pk in (keys.products_gsi(A), keys.active_products_gsi(A), f"{A}#ORDERS"):
        assert can(a, "dynamodb:Query", f"{TABLE}/index/gsi1", [index_pk])
    assert not can(a, "dynamodb:Query", f"{TABLE}/index/gsi2", [keys.active_products_gsi(B)])
    assert not can(a, "dynamodb:Query", f"{TABLE}/index/gsi2", ["HELD"])  # the platform-wide sweeper partition
    assert not can(a, "dynamodb:Query", f"{TABLE}/index/gsi2", [keys.PENDING_REFUNDS])  # the reconciler's, too


def test_a_scan_or_the_platform_table_is_out_of_reach():
    a = session_of(A)
    assert not can(a, "dynamodb:Scan", TABLE, [])  # no leading keys: ForAllValues would be vacuously true
    assert not can(a, "dynamodb:GetItem", PLATFORM, [A])
    assert not can(a, "dynamodb:DeleteTable", TABLE, [A])


def test_media_is_confined_to_the_tenants_prefix():
    a = session_of(A)
    assert can(a, "s3:PutObject", f"{BUCKET}/{A}/products/x.jpg")
    assert can(a, "s3:GetObject", f"{BUCKET}/{A}/x.jpg")
    assert not can(a, "s3:GetObject", f"{BUCKET}/{B}/x.jpg")
    assert not can(a, "s3:PutObject", f"{BUCKET}/{A}x.jpg")
    assert not can(a, "s3:ListBucket", BUCKET)


def test_the_role_alone_still_confines_a_session_by_its_tag():
    """A session assumed without the session policy is still held to its tenant tag; one without the tag gets
    nothing."""
    role = role_policy()
    tagged = {"aws:PrincipalTag/tenant_id": A}
    assert decide(role, "dynamodb:GetItem", TABLE, {**tagged, "dynamodb:LeadingKeys": [A]}) == "Allow"
    assert decide(role, "dynamodb:GetItem", TABLE, {**tagged, "dynamodb:LeadingKeys": [B]}) == "Deny"
    assert decide(role, "dynamodb:GetItem", TABLE, {"dynamodb:LeadingKeys": [A]}) == "Deny"
    assert decide(role, "s3:GetObject", f"{BUCKET}/{A}/x", {}) == "Deny"


def test_a_session_tagged_for_another_tenant_gets_the_intersection_nothing():
    mismatched = session_of(A, tag=B)
    assert not can(mismatched, "dynamodb:GetItem", TABLE, [A])
    assert not can(mismatched, "dynamodb:GetItem", TABLE, [B])


@pytest.mark.parametrize("bad", ["", "*", "ABC", "01ARZ3NDEKTSV4RRFFQ69G5FA*", None])
def test_no_policy_is_made_for_something_that_is_not_a_tenant_id(bad):
    with pytest.raises(ValueError):
        isolation.session_policy(bad, TABLE, BUCKET)


def test_tenant_ids_are_fixed_length_so_one_never_prefixes_another():
    """`<tenant_id>*` is safe only because no tenant id is a prefix of another."""
    ids = {keys.new_id() for _ in range(200)}
    assert {len(i) for i in ids} == {26}
