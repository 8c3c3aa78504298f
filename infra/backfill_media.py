"""`python infra/backfill_media.py --stage dev [--profile NAME]`: once, after the first deploy with media processing.

Images uploaded before processing existed have no sizes, and storefront pages show only sizes. This sends every
upload in the stage's media bucket to the media function, as S3's event would have (asynchronously: the
function's own retries apply). Processing an image twice changes nothing, so running it again is harmless.
"""

import argparse
import json
import sys
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from chalicelib import media  # noqa: E402
from infra import stack  # noqa: E402


def uploads(s3, bucket: str) -> Iterator[str]:
    """Every merchant upload in the bucket (sizes and anything else left out), in key order."""
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket):
        yield from (o["Key"] for o in page.get("Contents", []) if media.is_upload(o["Key"]))


def backfill(session, stage: str, bucket: str) -> int:
    """How many uploads were sent to the stage's media function."""
    functions = session.client("lambda")
    name = stack.function_name(stage, "process_media")
    sent = 0
    for key in uploads(session.client("s3"), bucket):
        payload = json.dumps(media.upload_event(key)).encode()
        functions.invoke(FunctionName=name, InvocationType="Event", Payload=payload)
        sent += 1
    return sent


def main() -> None:
    import boto3

    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--stage", default="dev")
    parser.add_argument("--profile")
    args = parser.parse_args()
    session = boto3.Session(profile_name=args.profile)
    account = session.client("sts").get_caller_identity()["Account"]
    bucket = stack.environment(args.stage, session.region_name, account)["MEDIA_BUCKET"]
    sent = backfill(session, args.stage, bucket)
    print(f"{sent} uploads of {bucket} sent to {stack.function_name(args.stage, 'process_media')}")


if __name__ == "__main__":
    main()
