"""Just enough of IAM's policy evaluation to check our own policies offline, failing closed.

moto enforces actions but ignores `dynamodb:LeadingKeys`, and no maintained Python library
evaluates IAM conditions offline, so the tests evaluate the generated documents with this:
Allow/Deny statements, Action/Resource wildcards, the condition operators our policies use
(StringEquals, StringLike, Bool, with ForAllValues:/ForAnyValue:), and policy variables such
as ${aws:PrincipalTag/tenant_id}. Anything else raises instead of guessing. Documented
semantics followed: https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html
and .../reference_policies_condition-single-vs-multi-valued-context-keys.html.

`calls_to_requests` turns DynamoDB and S3 calls, as botocore sends them, into the
(action, resource, condition keys) IAM authorizes: a transaction item by item, a query by the
partition key of the table or index it reads.
"""

import fnmatch
import json
import re
from urllib.parse import unquote, urlsplit

ALLOW, DENY = "Allow", "Deny"
_VARIABLE = re.compile(r"\$\{([^}]+)\}")


def _listify(value) -> list:
    return value if isinstance(value, list) else [value]


def _substitute(pattern: str, context: dict) -> str | None:
    """Policy variables; None when one has no value (the element then matches nothing)."""
    missing = False

    def value(m):
        nonlocal missing
        got = context.get(m.group(1))
        if got is None:
            missing = True
            return ""
        return got[0] if isinstance(got, list) else got

    out = _VARIABLE.sub(value, pattern)
    return None if missing else out


def _like(value: str, pattern: str) -> bool:
    return fnmatch.fnmatchcase(value, pattern.replace("[", "[[]"))


def _condition_matches(operator: str, key: str, wanted, context: dict) -> bool:
    qualifier, _, op = operator.rpartition(":")
    patterns = [p for p in (_substitute(str(w), context) for w in _listify(wanted)) if p is not None]
    present = key in context
    values = _listify(context.get(key, []))
    if op == "StringEquals":
        test = lambda v: any(v == p for p in patterns)  # noqa: E731
    elif op == "StringLike":
        test = lambda v: any(_like(v, p) for p in patterns)  # noqa: E731
    elif op == "Bool":
        test = lambda v: any(str(v).lower() == p.lower() for p in patterns)  # noqa: E731
    else:
        raise NotImplementedError(f"condition operator {operator}")
    if qualifier == "ForAllValues":
        return all(test(v) for v in values)  # true for no values at all: IAM's documented pitfall
    if qualifier == "ForAnyValue":
        return any(test(v) for v in values)
    if qualifier:
        raise NotImplementedError(f"condition qualifier {qualifier}")
    return present and len(values) == 1 and test(values[0])


def _statement_applies(statement: dict, action: str, resource: str, context: dict) -> bool:
    if {"NotAction", "NotResource", "NotPrincipal"} & set(statement):
        raise NotImplementedError("Not* elements")
    if not any(fnmatch.fnmatchcase(action.lower(), a.lower()) for a in _listify(statement["Action"])):
        return False
    resources = [_substitute(r, context) for r in _listify(statement["Resource"])]
    if not any(r is not None and _like(resource, r) for r in resources):
        return False
    return all(
        _condition_matches(op, key, wanted, context)
        for op, block in statement.get("Condition", {}).items()
        for key, wanted in block.items()
    )


def decide(policy: dict, action: str, resource: str, context: dict) -> str:
    """One policy: an explicit Deny wins, then any Allow; nothing that applies is an implicit deny."""
    applying = [s for s in _listify(policy["Statement"]) if _statement_applies(s, action, resource, context)]
    if any(s["Effect"] == DENY for s in applying):
        return DENY
    return ALLOW if applying else DENY


def allowed(policies: list[dict], request: tuple) -> bool:
    """A role's session: allowed only when the role's policy AND the session policy allow."""
    action, resource, context = request
    return all(decide(p, action, resource, context) == ALLOW for p in policies)


# What IAM authorizes for a DynamoDB or S3 call ------------------------------


def _pk(item_or_key: dict) -> str:
    return item_or_key["pk"]["S"] if "pk" in item_or_key else item_or_key["id"]["S"]


def _query_partition(params: dict) -> str:
    names = params.get("ExpressionAttributeNames", {})
    values = params.get("ExpressionAttributeValues", {})
    for name, value in re.findall(r"(#?\w+)\s*=\s*(:\w+)", params["KeyConditionExpression"]):
        attribute = names.get(name, name)
        if attribute.endswith("pk"):
            return values[value]["S"]
    raise ValueError(f"no partition key in {params['KeyConditionExpression']}")


def table_arn(name: str, region: str, account: str) -> str:
    return f"arn:aws:dynamodb:{region}:{account}:table/{name}"


def dynamodb_requests(operation: str, params: dict, region: str, account: str) -> list[tuple]:
    def req(action, table, keys, index=None):
        resource = table_arn(table, region, account) + (f"/index/{index}" if index else "")
        return (f"dynamodb:{action}", resource, {"dynamodb:LeadingKeys": sorted(set(keys))})

    if operation in ("GetItem", "UpdateItem", "DeleteItem"):
        return [req(operation, params["TableName"], [_pk(params["Key"])])]
    if operation == "PutItem":
        return [req(operation, params["TableName"], [_pk(params["Item"])])]
    if operation == "Query":
        return [req("Query", params["TableName"], [_query_partition(params)], params.get("IndexName"))]
    if operation == "BatchGetItem":
        return [req("BatchGetItem", t, [_pk(k) for k in spec["Keys"]]) for t, spec in params["RequestItems"].items()]
    if operation == "BatchWriteItem":
        return [
            req(
                "BatchWriteItem",
                t,
                [_pk(w.get("PutRequest", {}).get("Item") or w["DeleteRequest"]["Key"]) for w in writes],
            )
            for t, writes in params["RequestItems"].items()
        ]
    if operation in ("TransactWriteItems", "TransactGetItems"):
        actions = {
            "Put": "PutItem",
            "Update": "UpdateItem",
            "Delete": "DeleteItem",
            "ConditionCheck": "ConditionCheckItem",
            "Get": "GetItem",
        }
        out = []
        for item in params["TransactItems"]:
            ((kind, op),) = item.items()
            out.append(req(actions[kind], op["TableName"], [_pk(op.get("Item") or op["Key"])]))
        return out
    return [(f"dynamodb:{operation}", table_arn(params.get("TableName", "*"), region, account), {})]


def call_requests(service: str, operation: str, request, region: str, account: str) -> list[tuple]:
    """IAM requests for a call as sent on the wire (a botocore AWSPreparedRequest)."""
    if service == "dynamodb":
        return dynamodb_requests(operation, json.loads(request.body or b"{}"), region, account)
    if service == "s3":
        parts = urlsplit(request.url)
        host_bucket = parts.hostname.split(".s3")[0] if ".s3" in parts.hostname else None
        path = unquote(parts.path).lstrip("/")
        bucket, key = (host_bucket, path) if host_bucket else (path.split("/", 1) + [""])[:2]
        action = {
            "PutObject": "s3:PutObject",
            "GetObject": "s3:GetObject",
            "DeleteObject": "s3:DeleteObject",
            "HeadObject": "s3:GetObject",
        }.get(operation, f"s3:{operation}")
        return [(action, f"arn:aws:s3:::{bucket}/{key}" if key else f"arn:aws:s3:::{bucket}", {})]
    raise NotImplementedError(service)


# CloudFormation intrinsics in our templates' policies ----------------------


def resolve(value, names: dict):
    """Ref / Fn::GetAtt / Fn::Sub / Fn::Join with `names` ({"AWS::Region": ..., "TenantTable.Arn": ...})."""
    if isinstance(value, list):
        return [resolve(v, names) for v in value]
    if not isinstance(value, dict):
        return value
    if set(value) == {"Ref"}:
        return names[value["Ref"]]
    if set(value) == {"Fn::GetAtt"}:
        return names[".".join(value["Fn::GetAtt"])]
    if set(value) == {"Fn::Join"}:
        sep, parts = value["Fn::Join"]
        return sep.join(resolve(p, names) for p in parts)
    if set(value) == {"Fn::Sub"}:
        arg = value["Fn::Sub"]
        text, local = (arg, {}) if isinstance(arg, str) else (arg[0], resolve(arg[1], names))
        scope = {**names, **local}
        return re.sub(
            r"\$\{([^!}][^}]*)\}", lambda m: str(scope[m.group(1)]) if m.group(1) in scope else m.group(0), text
        )
    return {k: resolve(v, names) for k, v in value.items()}
