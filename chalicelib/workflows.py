"""Starting Step Functions executions, and the registry of their Lambda tasks.

The state machines themselves are ASL files in infra/workflows/; every Task
state there invokes the `workflow_task` Lambda with `{"task": <name>, "input": ...}`.
"""

import json
from collections.abc import Callable

from . import aws, isolation, settings
from .observability import log_context

_TASKS: dict[str, Callable[[dict], dict]] = {}


class TransientError(Exception):
    """A task failed for a reason that may pass (a conflict, a throttle): the ASL's Retry matches this name."""


# What AWS answers when it is busy or briefly down (after the SDK's own retries): worth the workflow's Retry.
_PASSING_AWS_ERRORS = {
    "InternalServerError",
    "InternalFailure",
    "ServiceUnavailable",
    "ServiceUnavailableException",
    "Throttling",
    "ThrottlingException",
    "ProvisionedThroughputExceededException",
    "RequestLimitExceeded",
    "TransactionInProgressException",
    "SlowDown",
}


def _passing(error: Exception) -> bool:
    """Is this an AWS error that may pass: a busy or briefly unavailable service (PynamoDB wraps botocore's)?"""
    from botocore.exceptions import ClientError, ConnectionError, HTTPClientError

    seen: BaseException | None = error
    while seen is not None:
        if isinstance(seen, (ConnectionError, HTTPClientError)):
            return True
        if isinstance(seen, ClientError):
            code = seen.response.get("Error", {}).get("Code", "")
            status = seen.response.get("ResponseMetadata", {}).get("HTTPStatusCode") or 0
            return code in _PASSING_AWS_ERRORS or status >= 500
        seen = getattr(seen, "cause", None) or seen.__cause__
    return False


def _client():
    return aws.client("stepfunctions")


def task(name: str):
    def register(fn):
        _TASKS[name] = fn
        return fn

    return register


def registered() -> set[str]:
    """The task names a Task state may invoke."""
    return set(_TASKS)


def run_task(event: dict) -> dict:
    name = event.get("task")
    if name not in _TASKS:
        raise LookupError(f"Unknown workflow task {name!r}")
    payload = event.get("input") or {}
    tenant_id = payload.get("tenant_id")
    # A task acts for the tenant its input names; its log lines say which task, and for whom.
    with log_context(workflow_task=name, tenant_id=tenant_id), isolation.tenant(tenant_id):
        try:
            return _TASKS[name](payload)
        except Exception as e:
            # Without this an AWS outage of a second surfaces as PutError or ClientError, which no Retry
            # names: the step would fail for good (and compensate) for what one more try would have done.
            if _passing(e):
                raise TransientError(f"{type(e).__name__}: {e}") from e
            raise


def execution_arn(workflow: str, name: str) -> str:
    """The ARN of `workflow`'s execution called `name` (started or not)."""
    return settings.state_machine_arn(workflow).replace(":stateMachine:", ":execution:") + f":{name}"


def start(workflow: str, *, name: str, payload: dict) -> str:
    """Starts an execution once: the execution name makes a repeat a no-op."""
    sfn = _client()
    try:
        return sfn.start_execution(
            stateMachineArn=settings.state_machine_arn(workflow), name=name, input=json.dumps(payload)
        )["executionArn"]
    except sfn.exceptions.ExecutionAlreadyExists:
        return execution_arn(workflow, name)


def describe(execution_arn: str) -> dict:
    return _client().describe_execution(executionArn=execution_arn)


def state_names(execution_arn: str) -> list[str]:
    """Names of the states entered, in order (tests read the history through this)."""
    events = _client().get_execution_history(executionArn=execution_arn, maxResults=1000)["events"]
    return [e["stateEnteredEventDetails"]["name"] for e in events if "stateEnteredEventDetails" in e]


def status(execution_arn: str) -> str | None:
    """RUNNING | SUCCEEDED | FAILED | TIMED_OUT | ABORTED, or None when no such execution exists."""
    sfn = _client()
    try:
        return sfn.describe_execution(executionArn=execution_arn)["status"]
    except sfn.exceptions.ExecutionDoesNotExist:
        return None


# A task token that is no longer waiting (completed, timed out, execution gone) is not an error for the
# caller: Stripe delivers at least once and our own steps may race the webhook to the same token.
_STALE_TOKEN = ("InvalidToken", "TaskDoesNotExist", "TaskTimedOut")


def succeed_task(token: str, output: dict) -> bool:
    """Completes a waiting `.waitForTaskToken` state; False if it was no longer waiting."""
    sfn = _client()
    try:
        sfn.send_task_success(taskToken=token, output=json.dumps(output))
        return True
    except sfn.exceptions.ClientError as e:
        if e.response["Error"]["Code"] in _STALE_TOKEN:
            return False
        raise


def fail_task(token: str, error: str, cause: str = "") -> bool:
    """Fails a waiting `.waitForTaskToken` state with `error` (its Catch matches the name)."""
    sfn = _client()
    try:
        sfn.send_task_failure(taskToken=token, error=error, cause=cause[:32768])
        return True
    except sfn.exceptions.ClientError as e:
        if e.response["Error"]["Code"] in _STALE_TOKEN:
            return False
        raise
