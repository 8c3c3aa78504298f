"""Log lines carry their own request's (or workflow task's) keys and no one else's.

The local server answers each request in a thread of one process, and the emulated Step Functions
run their Lambda tasks in threads of the same process: a key set for one must never show on
another's lines, nor outlive it (Lambda reuses its thread across invocations)."""

import json
import logging
import threading
import urllib.request

import pytest

from chalicelib import catalog, workflows
from chalicelib.observability import SERVICE, logger
from infra import stack
from infra.local import runtime


class _Lines(logging.Handler):
    """Each record as the Powertools formatter writes it, formatted in the thread that logged it."""

    def __init__(self):
        super().__init__()
        self.lines: list[dict] = []

    def emit(self, record):
        self.lines.append(json.loads(logger.registered_formatter.format(record)))


@pytest.fixture
def log_lines():
    handler = _Lines()
    std_logger = logging.getLogger(SERVICE)
    level = std_logger.level
    std_logger.addHandler(handler)
    logger.setLevel("INFO")
    yield handler.lines
    std_logger.removeHandler(handler)
    std_logger.setLevel(level)


def _task(name: str, tenant_id: str) -> None:
    """Runs the workflow_task Lambda as the emulated Step Functions does."""
    payload = json.dumps({"task": name, "input": {"tenant_id": tenant_id}})
    _, error = runtime.invoke_lambda(stack.function_name("local", "workflow_task"), payload)
    assert error is None


def test_concurrent_requests_and_a_workflow_task_each_log_only_their_own_keys(
    live_server, new_shop, log_lines, monkeypatch
):
    shopper_side, storefront_shop = new_shop()
    merchant_api, merchant_shop = new_shop()
    task_tenant = new_shop()[1]["shop"]["id"]
    sub, shop_tenant = storefront_shop["shop"]["subdomain"], storefront_shop["shop"]["id"]
    merchant_tenant = merchant_shop["shop"]["id"]
    all_inside = threading.Barrier(3, timeout=20)  # both requests and the task are running at once
    real_list = catalog.list_products

    def listing(tenant_id, **kwargs):
        logger.info("probe", for_tenant=tenant_id)
        all_inside.wait()
        logger.info("probe", for_tenant=tenant_id)
        return real_list(tenant_id, **kwargs)

    def probe_task(payload):
        logger.info("probe", for_tenant=payload["tenant_id"])
        all_inside.wait()
        logger.info("probe", for_tenant=payload["tenant_id"])
        return {}

    monkeypatch.setattr(catalog, "list_products", listing)
    monkeypatch.setitem(workflows._TASKS, "test.log_probe", probe_task)
    statuses = {}

    def get(path, token=None):
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        with urllib.request.urlopen(urllib.request.Request(live_server + path, headers=headers)) as r:
            statuses[path] = r.status

    threads = [
        threading.Thread(target=get, args=(f"/s/{sub}/api/store/products",)),
        threading.Thread(target=get, args=("/api/admin/products", merchant_api.token)),
        threading.Thread(target=_task, args=("test.log_probe", task_tenant)),
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert statuses == {f"/s/{sub}/api/store/products": 200, "/api/admin/products": 200}

    probes = [line for line in log_lines if line["message"] == "probe"]
    assert sorted(p["for_tenant"] for p in probes) == sorted([shop_tenant, merchant_tenant, task_tenant] * 2)
    for line in probes:
        assert line["tenant_id"] == line["for_tenant"]
        if line["for_tenant"] == task_tenant:
            assert line["workflow_task"] == "test.log_probe" and "correlation_id" not in line
        else:
            assert line["correlation_id"] and "workflow_task" not in line

    requests = {line["path"]: line for line in log_lines if line["message"] == "request"}  # paths as routed
    storefront_line, merchant_line = requests["/s/{subdomain}/api/store/products"], requests["/api/admin/products"]
    assert storefront_line["tenant_id"] == shop_tenant and merchant_line["tenant_id"] == merchant_tenant
    assert storefront_line["correlation_id"] != merchant_line["correlation_id"]
    assert "workflow_task" not in storefront_line and "workflow_task" not in merchant_line
    for line in probes:
        if line["for_tenant"] == shop_tenant:
            assert line["correlation_id"] == storefront_line["correlation_id"]
        elif line["for_tenant"] == merchant_tenant:
            assert line["correlation_id"] == merchant_line["correlation_id"]


def test_a_request_or_a_task_leaves_no_keys_behind_in_its_thread(api, merchant, log_lines, monkeypatch):
    shop = merchant[1]["shop"]
    monkeypatch.setitem(workflows._TASKS, "test.log_probe", lambda payload: {})
    # chalice.test's client and invoke_lambda run in this thread, as Lambda runs invocation after invocation in one.
    assert api.get(f"/s/{shop['subdomain']}/api/store/products").status_code == 200
    assert logger.thread_safe_get_current_keys() == {}
    _task("test.log_probe", shop["id"])
    assert logger.thread_safe_get_current_keys() == {}
    logger.info("after")
    after = log_lines[-1]
    assert after["message"] == "after" and not {"tenant_id", "correlation_id", "workflow_task"} & set(after)
