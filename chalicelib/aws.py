"""boto3 clients, created on first use and reused for the life of the Lambda container."""

import functools

import boto3

from . import isolation, settings


@functools.cache
def client(service: str):
    made = boto3.client(service, region_name=settings.REGION)
    if service in isolation.SCOPED_SERVICES:
        isolation.scope(made)  # tenant-table and media calls sign as the request's tenant
    return made
