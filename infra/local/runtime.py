"""The platform's AWS, emulated in this process by moto, built from infra/resources.json.

Used by `make run` (infra/local/server.py) and by the tests. Three things make
the emulator behave like AWS where the app relies on it:
- DynamoDB requests are serialized (one lock around moto's DynamoDB handler only):
  moto's in-process backend is not atomic under threads, DynamoDB is.
- Step Functions executes the ASL definitions (moto's interpreter), and their
  Lambda tasks run the app's own `@app.lambda_function` handlers in-process.
- Resources come from the same template the AWS deploy uses (`infra/stack.py`).
"""

import json
import os
import secrets
import threading
import uuid
from datetime import UTC, datetime

ACCOUNT = "123456789012"
REGION = "us-east-1"

_lambda_handlers: dict[str, callable] = {}
_mock = None


def configure_environment(stage: str = "local") -> dict:
    """Environment for the app, set before it is imported (settings are read at import)."""
    from infra import stack

    env = {
        "AWS_DEFAULT_REGION": REGION,
        "AWS_REGION": REGION,
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_SESSION_TOKEN": "testing",
        "MOTO_ALLOW_NONEXISTENT_REGION": "true",
        "STOREFRONT_DOMAIN": os.environ.get("STOREFRONT_DOMAIN", "localhost"),
        **stack.environment(stage, REGION, ACCOUNT),
    }
    os.environ.update(env)
    os.environ.setdefault("TOKEN_SECRET", secrets.token_urlsafe(48))
    os.environ.setdefault("POWERTOOLS_METRICS_DISABLED", "true")
    os.environ.setdefault("POWERTOOLS_LOG_LEVEL", "WARNING")
    return env


def start(stage: str = "local") -> None:
    """Starts the emulator and creates every resource of the stack."""
    global _mock
    configure_environment(stage)
    from moto import mock_aws

    _mock = mock_aws(config={"stepfunctions": {"execute_state_machine": True}, "lambda": {"use_docker": False}})
    _mock.start()
    _serialize_dynamodb()
    _lean_transactions()
    _plain_item_answers()
    _partition_queries()
    _run_lambdas_in_process()
    _reuse_workflow_clients()
    _parse_each_workflow_once()
    _keep_every_email()
    _skip_executions_not_yet_started()
    _scale_workflow_retry_waits(float(os.environ.get("WORKFLOW_RETRY_WAIT_SCALE", "1")))
    deploy(stage)


def stop() -> None:
    global _mock
    if _mock is not None:
        _mock.stop()
        _mock = None


_dynamodb_lock = threading.RLock()


def _serialize_dynamodb() -> None:
    from moto.dynamodb.responses import DynamoHandler

    if getattr(DynamoHandler.call_action, "_serialized", False):
        return
    original = DynamoHandler.call_action

    def call_action(self):
        with _dynamodb_lock:
            return original(self)

    call_action._serialized = True
    DynamoHandler.call_action = call_action


def _scale_workflow_retry_waits(scale: float) -> None:
    """Tests shrink the real-time waits of ASL `Retry` (IntervalSeconds is at least 1 s, doubling):
    the same attempts, in the same order, only sooner. `make run` keeps them as written."""
    import time as real_time

    from moto.stepfunctions.parser.asl.component.common.retry import retrier_decl

    class _ScaledTime:
        def __getattr__(self, name):
            return getattr(real_time, name)

        @staticmethod
        def sleep(seconds: float) -> None:
            real_time.sleep(seconds * scale)

    retrier_decl.time = _ScaledTime() if scale != 1 else real_time


def _lean_transactions() -> None:
    """Roll failed transactions back item by item, not table by table.

    moto snapshots a transaction by deep-copying every table it touches, once per item: each
    TransactWriteItems cost O(all data), so a long-lived emulator (a test session, a day of
    `make run`) got slower with every shop. Same semantics here: the touched items are saved
    before the write and put back if it fails. Runs under the DynamoDB lock.
    """
    import copy

    from moto.dynamodb import models
    from moto.dynamodb.models.dynamo_type import DynamoType
    from moto.dynamodb.models.table import Table

    if getattr(models.DynamoDBBackend.transact_write_items, "_lean", False):
        return

    class _CopyButNotTables:  # stands in for the `copy` module inside moto's DynamoDB backend
        def __getattr__(self, name):
            return getattr(copy, name)

        @staticmethod
        def deepcopy(value, memo=None):
            return value if isinstance(value, Table) else copy.deepcopy(value, memo)

    original = models.DynamoDBBackend.transact_write_items

    def transact_write_items(self, transact_items):
        saved = []
        for entry in transact_items:
            for op in entry.values():
                table = self.tables.get(op.get("TableName")) if isinstance(op, dict) else None
                source = (op.get("Key") or op.get("Item")) if table is not None else None
                if not source or table.hash_key_attr not in source:
                    continue  # moto refuses it before writing anything of it
                hash_key = DynamoType(source[table.hash_key_attr])
                range_key = (
                    DynamoType(source[table.range_key_attr])
                    if table.range_key_attr and table.range_key_attr in source
                    else None
                )
                item = table.items.get(hash_key, {}).get(range_key) if range_key else table.items.get(hash_key)
                saved.append((table, hash_key, range_key, copy.deepcopy(item)))
        try:
            return original(self, transact_items)
        except Exception:
            for table, hash_key, range_key, item in reversed(saved):  # the first snapshot of an item wins
                where, key = (table.items, hash_key) if range_key is None else (table.items[hash_key], range_key)
                if item is None:
                    where.pop(key, None)
                else:
                    where[key] = item
            raise

    models.copy = _CopyButNotTables()
    transact_write_items._lean = True
    models.DynamoDBBackend.transact_write_items = transact_write_items


# The item operations: their answers hold only items (attribute values), counts, keys and consumed capacity.
_ITEM_OPERATIONS = frozenset(
    {
        "GetItem",
        "PutItem",
        "UpdateItem",
        "DeleteItem",
        "Query",
        "Scan",
        "BatchGetItem",
        "BatchWriteItem",
        "TransactGetItems",
        "TransactWriteItems",
    }
)


def _plain_item_answers() -> None:
    """Write an item operation's answer as JSON directly instead of walking it against the botocore model.

    moto's generic serializer looks every member of every attribute value up through its model (several
    alias lookups each): answering a GetItem of a shop's record cost more than the rest of the request, and
    it was a quarter of the test suite's time. An item answer is already in the wire shape (attribute values
    are {type: value}); only binary values need base64, as the serializer does. Anything else (a date in a
    table description, an error) still goes through moto's serializer. Runs under the DynamoDB lock.
    """
    import base64

    from moto.dynamodb.responses import DynamoResult

    if getattr(DynamoResult.execute_result, "_plain", False):
        return
    original = DynamoResult.execute_result

    def wire(value):
        if isinstance(value, bytes):
            return base64.b64encode(value).decode()
        raise TypeError(type(value).__name__)  # not an item answer after all: moto's serializer writes it

    def execute_result(self, context):
        if context.operation_model.name in _ITEM_OPERATIONS and isinstance(self.result, dict):
            try:
                body = json.dumps(_without_nulls(self.result), default=wire)
            except TypeError:
                pass
            else:
                return 200, {"Content-Type": "application/x-amz-json-1.0"}, body
        return original(self, context)

    execute_result._plain = True
    DynamoResult.execute_result = execute_result


def _without_nulls(value):
    """The serializer leaves out members that are None; so does the plain answer."""
    if isinstance(value, dict):
        return {k: _without_nulls(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_without_nulls(v) for v in value]
    return value


def _skip_executions_not_yet_started() -> None:
    """SendTaskSuccess/Failure look for the token in every execution; moto reads each one's evaluation
    environment, which an execution that is only starting (another thread) does not have yet: the call
    then fails with an AttributeError instead of finding the token elsewhere. Such an execution cannot
    hold the token, so it is skipped, as AWS would."""
    from moto.stepfunctions.parser.models import StepFunctionsParserBackend

    if getattr(StepFunctionsParserBackend._get_executions, "_started_only", False):
        return
    original = StepFunctionsParserBackend._get_executions

    def _get_executions(self, execution_status=None):
        return [
            e
            for e in original(self, execution_status)
            if getattr(getattr(e, "exec_worker", None), "env", None) is not None
        ]

    _get_executions._started_only = True
    StepFunctionsParserBackend._get_executions = _get_executions


def _partition_queries() -> None:
    """Answer a Query from its partition, not from a sort of the whole table.

    moto's Query sorts every item of the table (O(n log n) comparisons of its DynamoType values)
    and then keeps the queried partition: each one cost more as the emulator filled. The same
    query runs here over only the items whose partition key matches; moto then sorts, pages
    and filters them exactly as before. Runs under the DynamoDB lock.
    """
    from moto.dynamodb.models.table import Table

    if getattr(Table.query, "_partitioned", False):
        return
    original = Table.query

    def matches(item, conditions) -> bool:
        for name, wanted in conditions:
            value = item.attrs.get(name)
            if value is None or value.type != wanted.type or value.value != wanted.value:
                return False
        return True

    def query(self, hash_key, *args, hash_key_conditions=None, **kwargs):
        index_name = args[6] if len(args) > 6 else kwargs.get("index_name")
        everything = self.items
        if not self.range_key_attr:
            view = None  # items are not grouped by partition: leave such tables to moto
        elif index_name is None and hash_key is not None:
            view = {hash_key: everything[hash_key]} if hash_key in everything else {}
        elif index_name is not None and hash_key_conditions:
            view = {h: {r: i for r, i in rs.items() if matches(i, hash_key_conditions)} for h, rs in everything.items()}
        else:
            view = None
        if view is None:
            return original(self, hash_key, *args, hash_key_conditions=hash_key_conditions, **kwargs)
        self.items = view
        try:
            return original(self, hash_key, *args, hash_key_conditions=hash_key_conditions, **kwargs)
        finally:
            self.items = everything

    query._partitioned = True
    Table.query = query


def scheduled_event(time: str) -> dict:
    """What EventBridge hands an `@app.schedule` function at `time` (ISO 8601): the sweepers run with it."""
    return {
        "version": "0",
        "id": "local",
        "detail-type": "Scheduled Event",
        "source": "aws.events",
        "account": ACCOUNT,
        "time": time,
        "region": REGION,
        "resources": [],
        "detail": {},
    }


def register_app(app) -> None:
    """Every `@app.lambda_function` of the app, by the name it has in AWS."""
    from infra import stack

    stage = os.environ.get("STAGE", "local")
    for fn in app.pure_lambda_functions:
        _lambda_handlers[stack.function_name(stage, fn.name)] = fn


class LambdaContext:
    """The context a Lambda handler is given, for handlers run in-process (here and in infra/rehearsal.py)."""

    def __init__(self, name: str):
        self.function_name = name
        self.aws_request_id = str(uuid.uuid4())
        self.memory_limit_in_mb = 512
        self.invoked_function_arn = f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:{name}"

    def get_remaining_time_in_millis(self) -> int:
        return 60_000


def invoke_lambda(function_name: str, payload: bytes | str | None) -> tuple[bytes, str | None]:
    """Runs the handler as Lambda would: a raised exception is an Unhandled function error."""
    name = function_name.split(":")[6] if function_name.startswith("arn:") else function_name
    handler = _lambda_handlers.get(name)
    if handler is None:
        return json.dumps(
            {"errorType": "ResourceNotFoundException", "errorMessage": f"Function not found: {name}"}
        ).encode(), "Unhandled"
    try:
        result = handler(json.loads(payload or "{}"), LambdaContext(name))
        return json.dumps(result).encode(), None
    except Exception as e:  # noqa: BLE001 - Lambda reports any exception to its caller
        return json.dumps({"errorType": type(e).__name__, "errorMessage": str(e)}).encode(), "Unhandled"


def _run_lambdas_in_process() -> None:
    from moto.awslambda.models import LambdaBackend
    from moto.awslambda_simple.models import LambdaSimpleBackend

    def invoke(self, function_name, qualifier, body, headers, response_headers):
        payload, error = invoke_lambda(function_name, body)
        if error:
            response_headers["x-amz-function-error"] = error
        return payload

    LambdaBackend.invoke = invoke
    LambdaSimpleBackend.invoke = invoke


def _reuse_workflow_clients() -> None:
    """One Lambda client for every workflow task, not a new one per task.

    moto's Step Functions builds a boto3 client (loading the service model, registering its handlers) for each
    Lambda task it runs: that was more work than many of the tasks themselves. Its clients differ only by region
    and service (the credentials argument is not used), and boto3 clients are safe to share between threads.
    """
    from moto.stepfunctions.parser.asl.component.state.exec.state_task import lambda_eval_utils

    build = lambda_eval_utils.boto_client_for
    if getattr(build, "_reused", False):
        return
    clients: dict[tuple[str, str], object] = {}
    lock = threading.Lock()

    def boto_client_for(region: str, service: str, state_credentials=None):
        with lock:
            if (region, service) not in clients:
                clients[region, service] = build(region=region, service=service, state_credentials=state_credentials)
            return clients[region, service]

    boto_client_for._reused = True
    lambda_eval_utils.boto_client_for = boto_client_for


def _parse_each_workflow_once() -> None:
    """Each state machine's ASL parsed once, not once per execution.

    moto's Step Functions runs the ANTLR parser over the definition at the start of every execution. The parsed
    program holds no execution state (that lives in each execution's environment), so executions of one
    definition share it. The one lazy field, a component's key into the environment's heap (retry counters),
    is assigned under a lock so that two executions starting together agree on it.
    """
    from moto.stepfunctions.parser.asl.component.eval_component import EvalComponent
    from moto.stepfunctions.parser.asl.parse.asl_parser import AmazonStateLanguageParser
    from moto.stepfunctions.parser.backend.execution_worker import ExecutionWorker

    if getattr(ExecutionWorker._get_evaluation_entrypoint, "_once", False):
        return
    programs: dict[str, object] = {}
    parsing, keying = threading.Lock(), threading.Lock()
    lazy_key = EvalComponent.heap_key.fget

    def heap_key(self) -> str:
        with keying:
            return lazy_key(self)

    def entrypoint(self):
        definition = self._evaluation_details.state_machine_details.definition
        with parsing:
            if definition not in programs:
                programs[definition] = AmazonStateLanguageParser.parse(definition)[0]
            return programs[definition]

    entrypoint._once = True
    EvalComponent.heap_key = property(heap_key)
    ExecutionWorker._get_evaluation_entrypoint = entrypoint


# Deploying the template into the emulator --------------------------------


def _resolve(value, refs: dict, attrs: dict):
    """Just enough of CloudFormation's intrinsic functions for our template."""
    if isinstance(value, list):
        return [_resolve(v, refs, attrs) for v in value]
    if not isinstance(value, dict):
        return value
    if set(value) == {"Ref"}:
        return refs[value["Ref"]]
    if set(value) == {"Fn::GetAtt"}:
        return attrs[tuple(value["Fn::GetAtt"])]
    if set(value) == {"Fn::Sub"}:
        arg = value["Fn::Sub"]
        text, local_vars = (arg, {}) if isinstance(arg, str) else (arg[0], arg[1])
        names = {**refs, **{k: _resolve(v, refs, attrs) for k, v in local_vars.items()}}
        for name, resolved in names.items():
            text = text.replace("${" + name + "}", str(resolved))
        return text
    return {k: _resolve(v, refs, attrs) for k, v in value.items()}


# Only AWS has these (the deploy rehearsal and cfn-lint check them); the app never calls them.
_AWS_ONLY = (
    "AWS::CloudFront::",
    "AWS::CertificateManager::",
    "AWS::ApiGateway::",
    "AWS::Route53::",
    "AWS::SecretsManager::",
    "AWS::Logs::",
    "AWS::IAM::",
    "AWS::S3::BucketPolicy",
)


def deploy(stage: str) -> None:
    import boto3

    from infra import stack

    tpl = stack.template()
    refs = {name: p.get("Default") for name, p in tpl.get("Parameters", {}).items()}
    refs.update(
        {
            "Stage": stage,
            "AWS::AccountId": ACCOUNT,
            "AWS::Region": REGION,
            "SenderEmail": os.environ.get("SENDER_EMAIL", refs.get("SenderEmail")),
        }
    )
    attrs = {
        (
            "WorkflowTask",
            "Arn",
        ): f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:{stack.function_name(stage, 'workflow_task')}",
        ("WorkflowRole", "Arn"): f"arn:aws:iam::{ACCOUNT}:role/shopbuilder-{stage}-workflows",
        # Uploads are processed in-process by the local server (infra/local/media_uploads.py), not by this rule.
        (
            "ProcessMedia",
            "Arn",
        ): f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:{stack.function_name(stage, 'process_media')}",
        ("MediaUploadedRule", "Arn"): f"arn:aws:events:{REGION}:{ACCOUNT}:rule/shopbuilder-{stage}-media-uploaded",
    }
    ddb = boto3.client("dynamodb", region_name=REGION)
    s3 = boto3.client("s3", region_name=REGION)
    sfn = boto3.client("stepfunctions", region_name=REGION)
    for _logical_id, resource in tpl["Resources"].items():
        kind = resource["Type"]
        if kind.startswith(_AWS_ONLY) or "Condition" in resource:
            continue  # CDN, certificates, DNS, IAM...: AWS only (checked by the deploy rehearsal)
        props = _resolve(resource.get("Properties", {}), refs, attrs)
        if kind == "AWS::DynamoDB::Table":
            ttl = props.pop("TimeToLiveSpecification", None)
            for unsupported in ("PointInTimeRecoverySpecification", "SSESpecification"):
                props.pop(unsupported, None)
            ddb.create_table(**props)
            if ttl:
                ddb.update_time_to_live(TableName=props["TableName"], TimeToLiveSpecification=ttl)
        elif kind == "AWS::S3::Bucket":
            s3.create_bucket(Bucket=props["BucketName"])
        elif kind == "AWS::StepFunctions::StateMachine":
            sfn.create_state_machine(
                name=props["StateMachineName"],
                definition=props["DefinitionString"],
                roleArn=props["RoleArn"],
                type=props.get("StateMachineType", "STANDARD"),
            )
        elif kind == "AWS::SES::EmailIdentity":
            boto3.client("ses", region_name=REGION).verify_email_identity(EmailAddress=props["EmailIdentity"])
            os.environ["SENDER_EMAIL"] = props["EmailIdentity"]
        elif kind == "AWS::Events::EventBus":
            boto3.client("events", region_name=REGION).create_event_bus(Name=props["Name"])
        # IAM roles and policies: moto does not enforce them; their proof is in the deploy tests.


_outbox: list[dict] = []
_outbox_lock = threading.Lock()


def _keep_every_email() -> None:
    """moto keeps one part of a sent email (the HTML when there is one) and no time: the outbox keeps each
    email whole, as its recipient would get it (`GET /_outbox` on the local server shows them)."""
    from email.utils import format_datetime

    from moto.ses.responses import EmailResponse

    if getattr(EmailResponse.send_email, "_kept", False):
        return
    original = EmailResponse.send_email

    def send_email(self):
        result = original(self)  # refused sends (an unverified sender) raise here and are not kept
        sent_at = datetime.now(UTC)
        source, subject = self._get_param("Source"), self._get_param("Message.Subject.Data")
        to = [a for addresses in (self._get_param("Destination") or {}).values() for a in addresses]
        with _outbox_lock:
            _outbox.append(
                {
                    "to": to,
                    "subject": subject,
                    "headers": {
                        "From": source,
                        "To": ", ".join(to),
                        "Subject": subject,
                        "Date": format_datetime(sent_at),
                        "Message-ID": f"<{result.result['MessageId']}@email.amazonses.com>",
                        "MIME-Version": "1.0",
                        "Content-Type": "multipart/alternative",
                    },
                    "text": self._get_param("Message.Body.Text.Data") or "",
                    "html": self._get_param("Message.Body.Html.Data") or "",
                    "sent_at": sent_at.strftime("%Y-%m-%dT%H:%M:%SZ"),
                }
            )
        return result

    send_email._kept = True
    EmailResponse.send_email = send_email


def outbox() -> list[dict]:
    """Every email the platform sent, newest first: {to (its addresses), subject, headers, text, html, sent_at}."""
    with _outbox_lock:
        return [dict(m) for m in reversed(_outbox)]


def sent_emails() -> list[dict]:
    """The outbox in the order sent, as tests read it: {to, subject, body} (`body`: the HTML part)."""
    return [{"to": m["to"], "subject": m["subject"], "body": m["html"]} for m in reversed(outbox())]


def time_out_wait(execution_arn: str) -> None:
    """Ends the task-token wait the execution is in now, as its TimeoutSeconds would (the task fails with
    States.Timeout and the ASL's Catch takes over). Tests move the emulator's clock past a reservation or a
    return's parcel deadline this way instead of racing a real timer of a few seconds."""
    from moto.stepfunctions.parser.asl.eval.callback.callback import CallbackOutcomeTimedOut
    from moto.stepfunctions.parser.models import stepfunctions_parser_backends

    backend = stepfunctions_parser_backends[ACCOUNT][REGION]
    execution = next(e for e in backend._get_executions("RUNNING") if e.execution_arn == execution_arn)
    waiting = [e for e in execution.exec_worker.env.callback_pool_manager._pool.values() if e.get_outcome() is None]
    assert waiting, f"{execution_arn} is not waiting for a task token"
    for endpoint in waiting:
        endpoint.notify(CallbackOutcomeTimedOut(callback_id=endpoint.callback_id))
