"""Each ASL file in infra/workflows/ names only tasks the app registers and errors that can really happen.

A typo in a task name or an `ErrorEquals` passes every JSON check and only shows when an execution takes
that path (often a failure path no test walks); this test reads the definitions against the code.
"""

import ast
import inspect
import json
import pkgutil
from importlib import import_module
from pathlib import Path

import pytest

import app  # noqa: F401  (registers every workflow task, as the Lambda does at cold start)
import chalicelib
from chalicelib import workflows
from infra import stack

# Errors Step Functions itself raises, and the Lambda service errors a `lambda:invoke` Task can surface.
STATES_ERRORS = {
    "States.ALL",
    "States.Timeout",
    "States.HeartbeatTimeout",
    "States.TaskFailed",
    "States.Permissions",
    "States.DataLimitExceeded",
    "States.Runtime",
    "States.ResultPathMatchFailure",
    "States.ParameterPathFailure",
    "States.BranchFailed",
    "States.NoChoiceMatched",
    "States.IntrinsicFailure",
    "States.ExceedToleratedFailureThreshold",
    "States.ItemReaderFailed",
    "States.ResultWriterFailed",
    "States.QueryEvaluationError",
}
LAMBDA_ERRORS = {
    "Lambda.ServiceException",
    "Lambda.AWSLambdaException",
    "Lambda.SdkClientException",
    "Lambda.TooManyRequestsException",
}
LAMBDA_TASKS = {"arn:aws:states:::lambda:invoke", "arn:aws:states:::lambda:invoke.waitForTaskToken"}


def _states(states: dict):
    for name, state in states.items():
        yield name, state
        for branch in state.get("Branches", []):
            yield from _states(branch["States"])
        for key in ("Iterator", "ItemProcessor"):
            if key in state:
                yield from _states(state[key]["States"])


def _definitions():
    for workflow, path in stack.workflow_files().items():
        for name, state in _states(json.loads(path.read_text())["States"]):
            yield pytest.param(name, state, id=f"{workflow}.{name}")


def _modules():
    for info in pkgutil.iter_modules(chalicelib.__path__):
        yield import_module(f"chalicelib.{info.name}")


def _raised_names() -> set[str]:
    """Exception classes of chalicelib (a Lambda task that raises one fails with its class name), and the
    error names chalicelib hands to `workflows.fail_task` (a waiting task failed from outside)."""
    names = set()
    for module in _modules():
        names |= {n for n, c in vars(module).items() if inspect.isclass(c) and issubclass(c, Exception)}
        for node in ast.walk(ast.parse(Path(module.__file__).read_text())):
            if isinstance(node, ast.Call) and getattr(node.func, "attr", None) == "fail_task":
                error = node.args[1]
                assert isinstance(error, ast.Constant), f"{module.__name__}: fail_task with a computed error name"
                names.add(error.value)
    return names


KNOWN_ERRORS = STATES_ERRORS | LAMBDA_ERRORS | _raised_names()


@pytest.mark.parametrize("name, state", [p for p in _definitions() if p.values[1]["Type"] == "Task"])
def test_every_task_state_runs_a_registered_task(name, state):
    assert state["Resource"] in LAMBDA_TASKS
    payload = state["Parameters"]["Payload"]
    assert state["Parameters"]["FunctionName"] == "${WorkflowTaskArn}"
    assert payload["task"] in workflows.registered(), f"{name} runs {payload['task']!r}, which no module registers"


@pytest.mark.parametrize("name, state", [p for p in _definitions() if "Retry" in p.values[1] or "Catch" in p.values[1]])
def test_every_retry_and_catch_names_an_error_that_exists(name, state):
    named = {error for rule in state.get("Retry", []) + state.get("Catch", []) for error in rule["ErrorEquals"]}
    assert named <= KNOWN_ERRORS, f"{name} waits for errors nothing raises: {sorted(named - KNOWN_ERRORS)}"


def test_the_check_knows_the_errors_the_code_raises():
    assert {"TransientError", "OutOfStock", "PaymentsUnavailable", "ReturnRejected"} <= KNOWN_ERRORS
    assert "OutOfStok" not in KNOWN_ERRORS


def test_every_registered_task_is_used_by_some_workflow():
    used = {s["Parameters"]["Payload"]["task"] for p in _definitions() if (s := p.values[1])["Type"] == "Task"}
    assert workflows.registered() - used == set()
