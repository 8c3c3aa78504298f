"""Powertools logger, metrics and tracer shared by every module."""
import os

from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.metrics import MetricUnit, single_metric

SERVICE = "shopbuilder"
NAMESPACE = "ShopBuilder"

os.environ.setdefault("POWERTOOLS_SERVICE_NAME", SERVICE)
logger = Logger(service=SERVICE)
tracer = Tracer(service=SERVICE)
metrics = Metrics(namespace=NAMESPACE, service=SERVICE)


def count(name: str, tenant_id: str | None, value: int = 1) -> None:
    """A per-tenant count, flushed at once (EMF on stdout; CloudWatch turns it into a metric)."""
    if os.environ.get("POWERTOOLS_METRICS_DISABLED", "").lower() == "true":
        return
    with single_metric(name=name, unit=MetricUnit.Count, value=value, namespace=NAMESPACE) as metric:
        metric.add_dimension(name="tenant_id", value=tenant_id or "platform")
