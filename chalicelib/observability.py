"""Powertools logger, metrics and tracer shared by every module."""

import contextlib
import os

from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.metrics import MetricUnit, single_metric
from aws_lambda_powertools.tracing.base import BaseProvider, BaseSegment

SERVICE = "shopbuilder"
NAMESPACE = "ShopBuilder"


class _NoSegment(BaseSegment):
    def close(self, end_time=None):
        pass

    def add_subsegment(self, subsegment):
        pass

    def remove_subsegment(self, subsegment):
        pass

    def put_annotation(self, key, value):
        pass

    def put_metadata(self, key, value, namespace="default"):
        pass

    def add_exception(self, exception, stack, remote=False):
        pass


class _Untraced(BaseProvider):
    """The tracer without X-Ray. The functions deploy with pass-through tracing (nothing is
    sampled), and importing aws_xray_sdk and patching botocore costs ~100 ms of every cold start
    and a wrapper around every AWS call. TRACING=active (with Lambda active tracing) brings X-Ray back."""

    @contextlib.contextmanager
    def in_subsegment(self, name=None, **kwargs):
        yield _NoSegment()

    @contextlib.asynccontextmanager
    async def in_subsegment_async(self, name=None, **kwargs):
        yield _NoSegment()

    def put_annotation(self, key, value):
        pass

    def put_metadata(self, key, value, namespace="default"):
        pass

    def patch(self, modules):
        pass

    def patch_all(self):
        pass


os.environ.setdefault("POWERTOOLS_SERVICE_NAME", SERVICE)
logger = Logger(service=SERVICE)
tracer = (
    Tracer(service=SERVICE)
    if os.environ.get("TRACING") == "active"
    else Tracer(service=SERVICE, provider=_Untraced(), auto_patch=False, disabled=True)
)
metrics = Metrics(namespace=NAMESPACE, service=SERVICE)


def count(name: str, tenant_id: str | None, value: int = 1) -> None:
    """A per-tenant count, flushed at once (EMF on stdout; CloudWatch turns it into a metric)."""
    if os.environ.get("POWERTOOLS_METRICS_DISABLED", "").lower() == "true":
        return
    with single_metric(name=name, unit=MetricUnit.Count, value=value, namespace=NAMESPACE) as metric:
        metric.add_dimension(name="tenant_id", value=tenant_id or "platform")
