"""Metrics that cost one custom metric whatever the number of shops, and one X-Ray switch."""

import json

from chalicelib import observability
from infra import stack


def test_a_count_names_its_tenant_in_the_line_not_as_a_dimension(monkeypatch, capsys):
    monkeypatch.delenv("POWERTOOLS_METRICS_DISABLED", raising=False)
    observability.count("StorefrontRequest", "01TENANT")
    emf = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    (directive,) = emf["_aws"]["CloudWatchMetrics"]
    assert directive["Metrics"] == [{"Name": "StorefrontRequest", "Unit": "Count"}]
    assert all("tenant_id" not in dimensions for dimensions in directive["Dimensions"])
    assert emf["tenant_id"] == "01TENANT" and emf["StorefrontRequest"] == [1.0]


def test_the_tracer_follows_each_stages_xray_setting():
    config = json.loads(stack.CHALICE_CONFIG.read_text())
    for stage in config["stages"]:
        disabled = stack.environment(stage, "us-east-1", "123456789012")["POWERTOOLS_TRACE_DISABLED"]
        assert disabled == ("false" if stack.xray(stage) else "true"), stage
    assert stack.xray("local") is False  # the local emulator has no X-Ray daemon
    assert observability.TRACED is False and observability.tracer.disabled  # tests run as stage local
