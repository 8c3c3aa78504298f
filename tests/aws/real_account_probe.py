"""Tenant isolation against real IAM (run by test_isolation_real_account.py, in its own process
so no emulator is in the way). Creates a throwaway table, bucket and role in the account, checks
what a tenant session may and may not do, and deletes them again. Prints a JSON report."""

import json
import os
import sys
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

import boto3  # noqa: E402
from botocore.exceptions import ClientError  # noqa: E402

REGION = os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")
RUN = f"sb-iso-{uuid.uuid4().hex[:8]}"


def denied(fn) -> bool:
    try:
        fn()
        return False
    except ClientError as e:
        if e.response["Error"]["Code"] in ("AccessDeniedException", "AccessDenied"):
            return True
        raise


def main() -> dict:
    account = boto3.client("sts").get_caller_identity()["Account"]
    ddb, s3, iam = boto3.client("dynamodb"), boto3.client("s3"), boto3.client("iam")
    table, bucket, role = f"{RUN}-tenants", f"{RUN}-media-{account}", f"{RUN}-tenant-access"
    os.environ.update(
        {"TENANT_TABLE": table, "MEDIA_BUCKET": bucket, "TENANT_ACCESS_ROLE_ARN": f"arn:aws:iam::{account}:role/{role}"}
    )
    from chalicelib import isolation, keys  # settings read the names above

    a, b = keys.new_id(), keys.new_id()
    report = {}
    try:
        ddb.create_table(
            TableName=table,
            BillingMode="PAY_PER_REQUEST",
            AttributeDefinitions=[{"AttributeName": n, "AttributeType": "S"} for n in ("pk", "sk", "gsi1pk", "gsi1sk")],
            KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
            GlobalSecondaryIndexes=[
                {
                    "IndexName": "gsi1",
                    "Projection": {"ProjectionType": "ALL"},
                    "KeySchema": [
                        {"AttributeName": "gsi1pk", "KeyType": "HASH"},
                        {"AttributeName": "gsi1sk", "KeyType": "RANGE"},
                    ],
                }
            ],
        )
        s3.create_bucket(
            Bucket=bucket,
            **({} if REGION == "us-east-1" else {"CreateBucketConfiguration": {"LocationConstraint": REGION}}),
        )
        iam.create_role(
            RoleName=role,
            MaxSessionDuration=3600,
            AssumeRolePolicyDocument=json.dumps(
                {
                    "Version": "2012-10-17",
                    "Statement": [
                        {
                            "Effect": "Allow",
                            "Action": ["sts:AssumeRole", "sts:TagSession"],
                            "Principal": {"AWS": f"arn:aws:iam::{account}:root"},
                        }
                    ],
                }
            ),
        )
        iam.put_role_policy(
            RoleName=role,
            PolicyName="one-tenant",
            PolicyDocument=json.dumps(
                isolation.role_policy(isolation.tenant_table_arn(), isolation.media_bucket_arn())
            ),
        )
        ddb.get_waiter("table_exists").wait(TableName=table)
        deadline = time.monotonic() + 120
        while True:  # a new role takes a while to be assumable
            try:
                creds = isolation.credentials_for(a)
                break
            except ClientError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(3)
        time.sleep(10)  # and its policy a while longer to apply everywhere
        session = boto3.Session(
            aws_access_key_id=creds.access_key,
            aws_secret_access_key=creds.secret_key,
            aws_session_token=creds.token,
            region_name=REGION,
        )
        t, m = session.client("dynamodb"), session.client("s3")

        def item(tid):
            return {
                "pk": {"S": tid},
                "sk": {"S": "PRODUCT#1"},
                "gsi1pk": {"S": keys.products_gsi(tid)},
                "gsi1sk": {"S": "1"},
            }

        report["own_put"] = not denied(lambda: t.put_item(TableName=table, Item=item(a)))
        report["own_index_query"] = not denied(
            lambda: t.query(
                TableName=table,
                IndexName="gsi1",
                KeyConditionExpression="gsi1pk = :p",
                ExpressionAttributeValues={":p": {"S": keys.products_gsi(a)}},
            )
        )
        report["other_put_denied"] = denied(lambda: t.put_item(TableName=table, Item=item(b)))
        report["other_get_denied"] = denied(lambda: t.get_item(TableName=table, Key={"pk": {"S": b}, "sk": {"S": "X"}}))
        report["other_index_query_denied"] = denied(
            lambda: t.query(
                TableName=table,
                IndexName="gsi1",
                KeyConditionExpression="gsi1pk = :p",
                ExpressionAttributeValues={":p": {"S": keys.products_gsi(b)}},
            )
        )
        report["mixed_batch_denied"] = denied(
            lambda: t.batch_get_item(
                RequestItems={table: {"Keys": [{"pk": {"S": a}, "sk": {"S": "X"}}, {"pk": {"S": b}, "sk": {"S": "X"}}]}}
            )
        )
        report["scan_denied"] = denied(lambda: t.scan(TableName=table))
        report["own_media_put"] = not denied(lambda: m.put_object(Bucket=bucket, Key=f"{a}/x.txt", Body=b"x"))
        report["other_media_denied"] = denied(lambda: m.put_object(Bucket=bucket, Key=f"{b}/x.txt", Body=b"x"))
    finally:
        for step in (
            lambda: iam.delete_role_policy(RoleName=role, PolicyName="one-tenant"),
            lambda: iam.delete_role(RoleName=role),
            lambda: ddb.delete_table(TableName=table),
            lambda: [
                s3.delete_object(Bucket=bucket, Key=o["Key"])
                for o in s3.list_objects_v2(Bucket=bucket).get("Contents", [])
            ],
            lambda: s3.delete_bucket(Bucket=bucket),
        ):
            try:
                step()
            except ClientError as e:
                report.setdefault("cleanup_errors", []).append(str(e))
    return report


if __name__ == "__main__":
    print(json.dumps(main()))
