"""Powertools logger, metrics and tracer shared by every module."""

import contextlib
import os

from aws_lambda_powertools import Logger, Tracer
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
    """The tracer where X-Ray is off: importing aws_xray_sdk and patching botocore would cost ~100 ms
    of every cold start and a wrapper around every AWS call, for segments nothing sends."""

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


# X-Ray has one switch: a stage's `xray` in .chalice/config.json. Chalice turns it into the functions'
# and the API's active tracing; infra/stack.environment() turns the same value into
# POWERTOOLS_TRACE_DISABLED, read here, so the Tracer records exactly where X-Ray is on.
# Unset (a script importing the app on its own), the Tracer stays off.
TRACED = os.environ.get("POWERTOOLS_TRACE_DISABLED", "true").lower() == "false"

os.environ.setdefault("POWERTOOLS_SERVICE_NAME", SERVICE)
logger = Logger(service=SERVICE)
tracer = (
    Tracer(service=SERVICE)
    if TRACED
    else Tracer(service=SERVICE, provider=_Untraced(), auto_patch=False, disabled=True)
)


@contextlib.contextmanager
def log_context(**keys):
    """`keys` on every log line written inside, and on no other: around one request (web.around_request)
    or one workflow task. Powertools' thread-safe keys live in a context variable, so the threads of
    the local server and of the emulated workflows each see only their own; plain `append_keys` would
    share them across threads. Lambda keeps its thread between invocations: the keys that were there
    before (none, outside a nested call) are back afterwards."""
    outer = dict(logger.thread_safe_get_current_keys())
    logger.thread_safe_clear_keys()
    logger.thread_safe_append_keys(**keys)
    try:
        yield
    finally:
        logger.thread_safe_clear_keys()
        logger.thread_safe_append_keys(**outer)


def count(name: str, tenant_id: str | None, value: int = 1) -> None:
    """A count, flushed at once (EMF on stdout; CloudWatch turns it into a metric). The tenant is
    metadata, searchable in the log line, not a dimension: a dimension per tenant would be a custom
    metric, paid for monthly, per tenant."""
    if os.environ.get("POWERTOOLS_METRICS_DISABLED", "").lower() == "true":
        return
    with single_metric(name=name, unit=MetricUnit.Count, value=value, namespace=NAMESPACE) as metric:
        metric.add_metadata(key="tenant_id", value=tenant_id or "platform")
