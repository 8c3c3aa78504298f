"""Starting Step Functions executions, and the registry of their Lambda tasks.

The state machines themselves are ASL files in infra/workflows/; every Task
state there invokes the `workflow_task` Lambda with `{"task": <name>, "input": ...}`.
"""
import json

from . import aws, settings
from .observability import logger

_TASKS: dict[str, callable] = {}


def _client():
    return aws.client("stepfunctions")


def task(name: str):
    def register(fn):
        _TASKS[name] = fn
        return fn
    return register


def run_task(event: dict) -> dict:
    name = event.get("task")
    if name not in _TASKS:
        raise LookupError(f"Unknown workflow task {name!r}")
    logger.append_keys(workflow_task=name, tenant_id=(event.get("input") or {}).get("tenant_id"))
    return _TASKS[name](event.get("input") or {})


def start(workflow: str, *, name: str, payload: dict) -> str:
    """Starts an execution once: the execution name makes a repeat a no-op."""
    sfn = _client()
    arn = settings.state_machine_arn(workflow)
    try:
        return sfn.start_execution(stateMachineArn=arn, name=name, input=json.dumps(payload))["executionArn"]
    except sfn.exceptions.ExecutionAlreadyExists:
        return arn.replace(":stateMachine:", ":execution:") + f":{name}"


def describe(execution_arn: str) -> dict:
    return _client().describe_execution(executionArn=execution_arn)


def state_names(execution_arn: str) -> list[str]:
    """Names of the states entered, in order (tests read the history through this)."""
    events = _client().get_execution_history(executionArn=execution_arn, maxResults=1000)["events"]
    return [e["stateEnteredEventDetails"]["name"] for e in events if "stateEnteredEventDetails" in e]
