"""boto3 clients, created on first use and reused for the life of the Lambda container."""

import functools
from typing import TYPE_CHECKING, Literal, overload

import boto3

from . import isolation, settings

if TYPE_CHECKING:  # the boto3-stubs service packages are development dependencies
    from mypy_boto3_events import EventBridgeClient
    from mypy_boto3_s3 import S3Client
    from mypy_boto3_ses import SESClient
    from mypy_boto3_stepfunctions import SFNClient

Service = Literal["events", "s3", "ses", "stepfunctions"]


@overload
def client(service: Literal["events"]) -> "EventBridgeClient": ...
@overload
def client(service: Literal["s3"]) -> "S3Client": ...
@overload
def client(service: Literal["ses"]) -> "SESClient": ...
@overload
def client(service: Literal["stepfunctions"]) -> "SFNClient": ...
@functools.cache
def client(service: Service):
    made = boto3.client(service, region_name=settings.REGION)
    if service in isolation.SCOPED_SERVICES:
        isolation.scope(made)  # tenant-table and media calls sign as the request's tenant
    return made
