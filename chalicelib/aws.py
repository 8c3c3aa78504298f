"""boto3 clients, created on first use and reused for the life of the Lambda container."""
import functools

import boto3

from . import settings


@functools.lru_cache(maxsize=None)
def client(service: str):
    return boto3.client(service, region_name=settings.REGION)
