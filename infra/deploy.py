"""`make deploy STAGE=dev`: package the stage and create or update its CloudFormation stack.

Uses the default AWS credentials and region (AWS_PROFILE / AWS_REGION). Optional settings come
from the environment and are kept across updates when not given again:

    SENDER_EMAIL            the address shops' email comes from (SES must verify it)
    STOREFRONT_DOMAIN       shops at <subdomain>.<STOREFRONT_DOMAIN> (with HOSTED_ZONE_ID)
    HOSTED_ZONE_ID          the Route 53 zone of that domain
    STRIPE_SECRET_KEY, STRIPE_WEBHOOK_SECRET

`python infra/deploy.py --stage dev --delete` tears the stage down (its media bucket is emptied
first; CloudFormation cannot delete a bucket that holds objects).
"""

import argparse
import hashlib
import json
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from infra import package  # noqa: E402

SETTINGS = {
    "SenderEmail": "SENDER_EMAIL",
    "StorefrontDomain": "STOREFRONT_DOMAIN",
    "HostedZoneId": "HOSTED_ZONE_ID",
    "StripeSecretKey": "STRIPE_SECRET_KEY",
    "StripeWebhookSecret": "STRIPE_WEBHOOK_SECRET",
}
CAPABILITIES = ["CAPABILITY_IAM", "CAPABILITY_NAMED_IAM", "CAPABILITY_AUTO_EXPAND"]


def stack_name(stage: str) -> str:
    return f"shopbuilder-{stage}"


def _artifact_bucket(session) -> str:
    """One private bucket per account and region for packages and templates."""
    account = session.client("sts").get_caller_identity()["Account"]
    region = session.region_name
    name = f"shopbuilder-artifacts-{account}-{region}"
    s3 = session.client("s3")
    try:
        s3.head_bucket(Bucket=name)
    except s3.exceptions.ClientError:
        s3.create_bucket(
            Bucket=name,
            **({} if region == "us-east-1" else {"CreateBucketConfiguration": {"LocationConstraint": region}}),
        )
        s3.put_public_access_block(
            Bucket=name,
            PublicAccessBlockConfiguration={
                "BlockPublicAcls": True,
                "IgnorePublicAcls": True,
                "BlockPublicPolicy": True,
                "RestrictPublicBuckets": True,
            },
        )
        s3.put_bucket_lifecycle_configuration(
            Bucket=name,
            LifecycleConfiguration={
                "Rules": [
                    {"ID": "old-packages", "Status": "Enabled", "Filter": {"Prefix": ""}, "Expiration": {"Days": 90}}
                ]
            },
        )
    return name


def _upload(session, bucket: str, stage: str, path: Path) -> str:
    body = path.read_bytes()
    key = f"{stage}/{hashlib.sha256(body).hexdigest()[:20]}{path.suffix}"
    session.client("s3").put_object(Bucket=bucket, Key=key, Body=body)
    return key


def _existing(cfn, name: str) -> dict | None:
    try:
        stack = cfn.describe_stacks(StackName=name)["Stacks"][0]
    except cfn.exceptions.ClientError:
        return None
    return None if stack["StackStatus"] == "REVIEW_IN_PROGRESS" else stack


def deploy(stage: str, session) -> dict:
    built = package.build(stage, ROOT / "out")
    if built["lint_errors"]:
        raise SystemExit("cfn-lint errors:\n  " + "\n  ".join(built["lint_errors"]))
    bucket = _artifact_bucket(session)
    code_key = _upload(session, bucket, stage, built["zip"])
    layer_key = _upload(session, bucket, stage, built["layer"])
    template_key = _upload(session, bucket, stage, built["template"])
    cfn = session.client("cloudformation")
    name = stack_name(stage)
    existing = _existing(cfn, name)
    previous = {p["ParameterKey"] for p in (existing or {}).get("Parameters", [])}
    parameters = [
        {"ParameterKey": "ArtifactBucket", "ParameterValue": bucket},
        {"ParameterKey": "ArtifactKey", "ParameterValue": code_key},
        {"ParameterKey": "ImagingLayerKey", "ParameterValue": layer_key},
    ]
    for key, env in SETTINGS.items():
        if os.environ.get(env) is not None:
            parameters.append({"ParameterKey": key, "ParameterValue": os.environ[env]})
        elif key in previous:
            parameters.append({"ParameterKey": key, "UsePreviousValue": True})
    change_set = f"deploy-{code_key.split('/')[1].split('.')[0]}-{template_key.split('/')[1].split('.')[0]}"[:128]
    cfn.create_change_set(
        StackName=name,
        ChangeSetName=change_set,
        ChangeSetType="UPDATE" if existing else "CREATE",
        TemplateURL=f"https://{bucket}.s3.amazonaws.com/{template_key}",
        Parameters=parameters,
        Capabilities=CAPABILITIES,
    )
    try:
        cfn.get_waiter("change_set_create_complete").wait(
            StackName=name, ChangeSetName=change_set, WaiterConfig={"Delay": 5, "MaxAttempts": 120}
        )
    except Exception:  # noqa: BLE001 - an empty change set "fails"; say why and stop
        reason = cfn.describe_change_set(StackName=name, ChangeSetName=change_set).get("StatusReason", "")
        cfn.delete_change_set(StackName=name, ChangeSetName=change_set)
        if "didn't contain changes" in reason or "No updates" in reason:
            print("Nothing to change.")
            return _outputs(cfn, name)
        raise SystemExit(f"change set failed: {reason}") from None
    cfn.execute_change_set(StackName=name, ChangeSetName=change_set)
    waiter = "stack_update_complete" if existing else "stack_create_complete"
    cfn.get_waiter(waiter).wait(StackName=name, WaiterConfig={"Delay": 10, "MaxAttempts": 360})
    return _outputs(cfn, name)


def _outputs(cfn, name: str) -> dict:
    stack = cfn.describe_stacks(StackName=name)["Stacks"][0]
    return {o["OutputKey"]: o["OutputValue"] for o in stack.get("Outputs", [])}


def delete(stage: str, session) -> None:
    cfn = session.client("cloudformation")
    name = stack_name(stage)
    resources = cfn.describe_stack_resources(StackName=name)["StackResources"]
    media = next((r["PhysicalResourceId"] for r in resources if r["LogicalResourceId"] == "MediaBucket"), None)
    if media:
        bucket = session.resource("s3").Bucket(media)
        bucket.objects.all().delete()
        bucket.object_versions.all().delete()
    cfn.delete_stack(StackName=name)
    cfn.get_waiter("stack_delete_complete").wait(StackName=name, WaiterConfig={"Delay": 10, "MaxAttempts": 360})


def main() -> None:
    import boto3

    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--stage", default="dev")
    parser.add_argument("--delete", action="store_true", help="tear the stage's stack down")
    args = parser.parse_args()
    session = boto3.Session()
    if not session.region_name:
        raise SystemExit("Set AWS_REGION (or a profile with a region) to deploy.")
    if args.delete:
        delete(args.stage, session)
        print(f"Deleted {stack_name(args.stage)}.")
        return
    outputs = deploy(args.stage, session)
    print(json.dumps(outputs, indent=1))


if __name__ == "__main__":
    main()
