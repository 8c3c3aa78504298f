"""Fault injection through the platform's real code paths.

Two kinds of injection point, each armed one at a time, `transient` (fails once, then works: retries must
recover) or `permanent` (fails every time: compensations must run):

- a workflow's Task state (`checkout.ReserveStock`): the emulator's Step Functions invokes the task's
  Lambda and the invocation fails with `Lambda.ServiceException`. A transient fault fails *after* the task
  did its work (the reply is lost, so the retry runs it a second time: idempotency is what is tested); a
  permanent one fails before it, on every attempt, until the Retry policy gives up and the Catch (if any)
  takes over;
- a service call made by a workflow task (`dynamodb.TransactWriteItems`, `ses.SendEmail`,
  `stripe.POST /v1/refunds`): the AWS SDK call raises the error AWS answers when it is down
  (InternalServerError, ServiceUnavailable) after botocore's own retries, and the Stripe call raises the
  library's connection error after its own retries. A permanent fault belongs to the task that met it
  first: that step cannot get through, every other step can (a compensation that writes elsewhere runs).

The task states come from the ASL files themselves, so a new Task state is covered without a change here.
"""

import json
import re
import threading
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

WORKFLOWS = Path(__file__).resolve().parents[2] / "infra" / "workflows"
TRANSIENT, PERMANENT = "transient", "permanent"
MODES = (TRANSIENT, PERMANENT)
# What each AWS service answers when it is down, as botocore raises it after its own retries.
AWS_OUTAGE = {"dynamodb": ("InternalServerError", 500), "ses": ("ServiceUnavailable", 503)}
AWS_SERVICES = ("dynamodb", "s3", "ses")


@dataclass(frozen=True)
class TaskState:
    workflow: str
    state: str
    task: str

    @property
    def point(self) -> str:
        return f"{self.workflow}.{self.state}"


def task_states() -> list[TaskState]:
    """Every Task state of every workflow in infra/workflows, in file order (Parallel and Map branches too)."""
    found = []

    def walk(workflow: str, states: dict) -> None:
        for name, state in states.items():
            if state["Type"] == "Task":
                found.append(TaskState(workflow, name, state["Parameters"]["Payload"]["task"]))
            for branch in state.get("Branches", []) + [state.get("ItemProcessor") or state.get("Iterator") or {}]:
                walk(workflow, branch.get("States", {}))

    for path in sorted(WORKFLOWS.glob("*.asl.json")):
        walk(path.name.removesuffix(".asl.json"), json.loads(path.read_text())["States"])
    return found


_STRIPE_ID = re.compile(r"/(?:cs|pi|re|acct|evt|ch)_[A-Za-z0-9_]+")


def stripe_point(method: str, url: str) -> str:
    """`stripe.POST /v1/checkout/sessions/{id}/expire`: one point per kind of Stripe call, whatever the id."""
    return f"stripe.{method.upper()} {_STRIPE_ID.sub('/{id}', url.split('?', 1)[0])}"


@dataclass
class Fault:
    point: str
    mode: str
    injected: int = 0
    owner: str | None = None  # a permanent service fault: the task that met it first


@dataclass
class Injector:
    """Arms one fault at a time; counts what it injected and records every call workflow tasks make."""

    fault: Fault | None = None
    injected: int = 0
    calls: set[tuple[str, str]] = field(default_factory=set)  # (point, task) seen inside workflow tasks
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _task: threading.local = field(default_factory=threading.local)

    @contextmanager
    def armed(self, point: str, mode: str):
        assert mode in MODES
        with self._lock:
            self.fault = Fault(point, mode)
        try:
            yield self.fault
        finally:
            with self._lock:
                self.fault = None

    def _take(self, point: str, owner: str | None) -> bool:
        """Does this call (at `point`, made by `owner`) fail now?"""
        with self._lock:
            fault = self.fault
            if fault is None or fault.point != point:
                return False
            if fault.mode == TRANSIENT and fault.injected:
                return False
            if fault.mode == PERMANENT and fault.owner not in (None, owner):
                return False
            fault.owner = owner
            fault.injected += 1
            self.injected += 1
            return True

    # Service calls: only those made inside a workflow task (the platform working on its own).
    def current_task(self) -> str | None:
        return getattr(self._task, "name", None)

    @contextmanager
    def in_task(self, name: str):
        self._task.name = name
        try:
            yield
        finally:
            self._task.name = None

    def service_call_fails(self, point: str) -> bool:
        task = self.current_task()
        if task is None:
            return False
        with self._lock:
            self.calls.add((point, task))
        return self._take(point, task)

    def state_fails(self, point: str) -> bool:
        return self._take(point, point)

    @property
    def transient_spent(self) -> bool:
        return self.fault is not None and self.fault.mode == TRANSIENT and self.fault.injected > 0


def install(injector: Injector) -> list:
    """Patches the emulator's Lambda task invocation, botocore's API calls, Stripe's requests and the
    workflow_task handler (to know which task a call belongs to). Returns the undo functions."""
    import botocore.client
    import stripe
    from botocore.exceptions import ClientError
    from moto.stepfunctions.parser.asl.component.state.exec.state_task.service import state_task_service_lambda
    from stripe import _api_requestor

    from chalicelib import settings, workflows

    undo = []

    def patch(owner, name, replacement):
        original = getattr(owner, name)
        setattr(owner, name, replacement(original))
        undo.append(lambda: setattr(owner, name, original))

    machine_prefix = settings.STATE_MACHINE_PREFIX.rsplit(":", 1)[1]

    def lambda_down(state: str):
        return ClientError(
            {
                "Error": {"Code": "ServiceException", "Message": f"injected fault in {state}"},
                "ResponseMetadata": {"HTTPStatusCode": 500, "RequestId": "injected"},
            },
            "Invoke",
        )

    def invoke(original):
        def _eval_service_task(self, env, *args, **kwargs):
            machine = env.states.context_object.context_object_data["StateMachine"]["Name"]
            point = f"{machine.removeprefix(machine_prefix)}.{self.name}"
            fault = injector.fault
            if fault is not None and fault.point == point and fault.mode == PERMANENT:
                if injector.state_fails(point):
                    raise lambda_down(point)
            result = original(self, env, *args, **kwargs)
            if fault is not None and fault.point == point and fault.mode == TRANSIENT and injector.state_fails(point):
                raise lambda_down(point)  # the task ran; its reply is lost
            return result

        return _eval_service_task

    patch(state_task_service_lambda.StateTaskServiceLambda, "_eval_service_task", invoke)

    def run_task(original):
        def tracked(event):
            with injector.in_task(event.get("task")):
                return original(event)

        return tracked

    patch(workflows, "run_task", run_task)

    def make_api_call(original):
        def _make_api_call(self, operation_name, api_params):
            service = self.meta.service_model.service_name
            if service in AWS_SERVICES and injector.service_call_fails(f"{service}.{operation_name}"):
                code, status = AWS_OUTAGE.get(service, ("ServiceUnavailable", 503))
                raise ClientError(
                    {
                        "Error": {"Code": code, "Message": "injected fault"},
                        "ResponseMetadata": {"HTTPStatusCode": status, "RequestId": "injected"},
                    },
                    operation_name,
                )
            return original(self, operation_name, api_params)

        return _make_api_call

    patch(botocore.client.BaseClient, "_make_api_call", make_api_call)

    def stripe_request(original):
        def request(self, method, url, *args, **kwargs):
            if injector.service_call_fails(stripe_point(method, url)):
                raise stripe.APIConnectionError("injected fault: Stripe could not be reached")
            return original(self, method, url, *args, **kwargs)

        return request

    patch(_api_requestor._APIRequestor, "request", stripe_request)
    return undo
