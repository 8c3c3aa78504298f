"""IAM for the deployed stack: one role per Lambda function holding only the grants it needs,
and the tenant access role whose policy comes from chalicelib/isolation.py.

A function's own role covers the platform's paths: tenant resolution and the shop profile
item (signup, suspension, domains write it in one transaction with platform claims), the
platform and idempotency tables, workflows, email, events. Catalogue, carts, orders and media
are reached through TenantAccessRole, confined to one tenant (see chalicelib/isolation.py).
tests/api/test_isolation.py replays the app's real calls against these grants.
"""

from chalicelib import isolation, keys

ACCOUNT_ARN = "arn:${AWS::Partition}:%s:${AWS::Region}:${AWS::AccountId}:%s"


def _sub(text: str) -> dict:
    return {"Fn::Sub": text}


def _arn(service: str, resource: str) -> dict:
    return _sub(ACCOUNT_ARN % (service, resource))


def _table(logical_id: str) -> dict:
    return {"Fn::GetAtt": [logical_id, "Arn"]}


def tenant_role_arn() -> dict:
    return _sub("arn:${AWS::Partition}:iam::${AWS::AccountId}:role/shopbuilder-${Stage}-${AWS::Region}-tenant-access")


def _item_actions_but(*left_out: str) -> list[str]:
    """The DynamoDB item actions a tenant's session may use (isolation.ITEM_ACTIONS), less `left_out`."""
    return [action for action in isolation.ITEM_ACTIONS if action not in left_out]


# What each grant allows, as policy statements (CloudFormation intrinsics inside).
def _grants(function_name: dict) -> dict[str, list[dict]]:
    prefix = "shopbuilder-${Stage}-"
    return {
        "logs": [
            {
                "Effect": "Allow",
                "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
                "Resource": {
                    "Fn::Sub": [ACCOUNT_ARN % ("logs", "log-group:/aws/lambda/${Name}:*"), {"Name": function_name}]
                },
            }
        ],
        "platform_table": [
            {
                "Effect": "Allow",
                "Action": _item_actions_but("dynamodb:BatchWriteItem"),
                "Resource": _table("PlatformTable"),
            }
        ],
        # Item-level only, no Query or delete: the shop profile at resolution and in platform transactions.
        "tenant_profiles": [
            {
                "Effect": "Allow",
                "Action": _item_actions_but("dynamodb:Query", "dynamodb:DeleteItem", "dynamodb:BatchWriteItem"),
                "Resource": _table("TenantTable"),
            }
        ],
        # The sweepers read platform-wide partitions of the tenant table's gsi2 (held reservations, shops
        # not onboarded yet, orders with a refund pending).
        "held_reservations": [
            {
                "Effect": "Allow",
                "Action": "dynamodb:Query",
                "Resource": {"Fn::Sub": "${TenantTable.Arn}/index/gsi2"},
                "Condition": {
                    "ForAllValues:StringEquals": {
                        "dynamodb:LeadingKeys": [keys.HELD_RESERVATIONS, keys.ONBOARDING_SHOPS, keys.PENDING_REFUNDS]
                    }
                },
            }
        ],
        "idempotency": [
            {
                "Effect": "Allow",
                "Action": ["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem"],
                "Resource": _table("IdempotencyTable"),
            }
        ],
        "workflows": [
            {
                "Effect": "Allow",
                "Action": "states:StartExecution",
                "Resource": _arn("states", f"stateMachine:{prefix}*"),
            },
            {
                "Effect": "Allow",
                "Action": ["states:DescribeExecution", "states:GetExecutionHistory", "states:StopExecution"],
                "Resource": _arn("states", f"execution:{prefix}*:*"),
            },
            # Task tokens name no resource: these actions take none.
            {
                "Effect": "Allow",
                "Action": ["states:SendTaskSuccess", "states:SendTaskFailure", "states:SendTaskHeartbeat"],
                "Resource": "*",
            },
        ],
        "email": [
            {
                "Effect": "Allow",
                "Action": ["ses:SendEmail", "ses:SendRawEmail"],
                "Resource": _arn("ses", "identity/*"),
                "Condition": {"StringEquals": {"ses:FromAddress": {"Ref": "SenderEmail"}}},
            }
        ],
        "events": [{"Effect": "Allow", "Action": "events:PutEvents", "Resource": {"Fn::GetAtt": ["EventBus", "Arn"]}}],
        "assume_tenant": [
            {"Effect": "Allow", "Action": ["sts:AssumeRole", "sts:TagSession"], "Resource": tenant_role_arn()}
        ],
    }


# Chalice function name -> grants. A function not listed (a new @app.lambda_function,
# @app.schedule, ...) gets DEFAULT_GRANTS until it has its own line.
FUNCTION_GRANTS = {
    "api_handler": ["logs", "platform_table", "tenant_profiles", "idempotency", "workflows", "events", "assume_tenant"],
    "workflow_task": [
        "logs",
        "platform_table",
        "tenant_profiles",
        "held_reservations",
        "idempotency",
        "workflows",
        "email",
        "events",
        "assume_tenant",
    ],
    # Reads an upload, writes its sizes and its media item: all of it as the upload's tenant.
    "process_media": ["logs", "assume_tenant"],
}
DEFAULT_GRANTS = FUNCTION_GRANTS["workflow_task"]


def function_role(name: str, function_name: dict) -> dict:
    grants = _grants(function_name)
    statements = [s for g in FUNCTION_GRANTS.get(name, DEFAULT_GRANTS) for s in grants[g]]
    return {
        "Type": "AWS::IAM::Role",
        "Properties": {
            "AssumeRolePolicyDocument": {
                "Version": "2012-10-17",
                "Statement": [
                    {"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}
                ],
            },
            "Policies": [{"PolicyName": name, "PolicyDocument": {"Version": "2012-10-17", "Statement": statements}}],
        },
    }


def tenant_access_role(function_role_ids: list[str]) -> dict:
    """Assumed per tenant by the functions; its own policy needs the `tenant_id` session tag."""
    return {
        "Type": "AWS::IAM::Role",
        "Properties": {
            "RoleName": {"Fn::Sub": "shopbuilder-${Stage}-${AWS::Region}-tenant-access"},
            "MaxSessionDuration": 3600,
            "AssumeRolePolicyDocument": {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Effect": "Allow",
                        "Action": ["sts:AssumeRole", "sts:TagSession"],
                        "Principal": {"AWS": [{"Fn::GetAtt": [r, "Arn"]} for r in function_role_ids]},
                    }
                ],
            },
            "Policies": [
                {
                    "PolicyName": "one-tenant",
                    "PolicyDocument": isolation.role_policy(
                        _table("TenantTable"), {"Fn::GetAtt": ["MediaBucket", "Arn"]}
                    ),
                }
            ],
        },
    }
