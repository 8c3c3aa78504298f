"""Waiting for asynchronous work (workflows, webhooks) without fixed sleeps."""

import time


def wait_for(condition, timeout: float = 60.0, interval: float = 0.05):
    """Polls until `condition()` is truthy and returns it (the bound only stops a hung run)."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        assert time.monotonic() < deadline, "the condition never held"
        time.sleep(interval)
