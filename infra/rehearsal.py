"""Deploy rehearsal: the packaged stack deployed into moto's CloudFormation, then a smoke flow
through the deployed Lambda handler against the resources that stack created.

    python infra/rehearsal.py <package dir> [report.json]   (the dir `make package` wrote)

Runs in a process of its own (tests/deploy/test_rehearsal.py starts it): moto's mock is
process-wide, and the app must come from the package, not the work tree. Prints one JSON report.

What moto cannot do, and how the rehearsal goes around it:
- resource types its CloudFormation skips (CloudFront, ACM, Secrets Manager, SES identities,
  bucket policies, API Gateway domain names...) are created as nothing; cfn-lint alone checks them;
- its AWS::ApiGateway::RestApi does not import the Swagger body, so the API's Deployment and
  Stage fail ("no methods"): they are left out, and requests reach the deployed handler as the
  API Gateway proxy events API Gateway would send;
- it does not resolve `{{resolve:secretsmanager:...}}`: TOKEN_SECRET is given directly;
- Lambda needs Docker to run code: invocations (Step Functions tasks) run the package's handlers in-process.
"""

import importlib
import io
import json
import os
import re
import sys
import tempfile
import time
import uuid
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
STACK = "shopbuilder-rehearsal"
ARTIFACTS = "shopbuilder-artifacts-rehearsal"
# Types whose CloudFormation support in moto 5.2.5 cannot take our template (see the docstring).
LEFT_OUT = ("AWS::ApiGateway::Deployment", "AWS::ApiGateway::Stage")


def _environment() -> None:
    os.environ.update(
        {
            "AWS_DEFAULT_REGION": "us-east-1",
            "AWS_REGION": "us-east-1",
            "AWS_ACCESS_KEY_ID": "testing",
            "AWS_SECRET_ACCESS_KEY": "testing",
            "AWS_SESSION_TOKEN": "testing",
            "POWERTOOLS_TRACE_DISABLED": "true",
            "POWERTOOLS_METRICS_DISABLED": "true",
        }
    )


def _placeholders(value, gone: set[str]):
    """References to resources moto does not create become placeholder strings."""
    if isinstance(value, list):
        return [_placeholders(v, gone) for v in value]
    if not isinstance(value, dict):
        return value
    if set(value) == {"Ref"} and value["Ref"] in gone:
        return f"{value['Ref']}-not-in-moto"
    if set(value) == {"Fn::GetAtt"} and value["Fn::GetAtt"][0] in gone:
        return "{}-{}-not-in-moto".format(*value["Fn::GetAtt"][:2]).lower()
    if set(value) == {"Fn::Sub"}:
        arg = value["Fn::Sub"]
        text, names = (arg, {}) if isinstance(arg, str) else (arg[0], arg[1])
        for logical_id in gone:
            text = re.sub(
                r"\$\{" + logical_id + r"(\.(\w+))?\}",
                lambda m, logical_id=logical_id: f"{logical_id}-{m.group(2) or 'ref'}-not-in-moto".lower(),
                text,
            )
        names = _placeholders(names, gone)
        if not names:
            return {"Fn::Sub": text}
        # moto substitutes the variables of Fn::Sub's list form with Python's string.Template, which
        # reads `$$` (ASL's context object, `$$.Task.Token`) as an escaped `$`: CloudFormation does not.
        return {"Fn::Sub": [text.replace("$$", "$$$$"), names]}
    return {k: _placeholders(v, gone) for k, v in value.items()}


def for_moto(template: dict) -> tuple[dict, list[str], list[str]]:
    """The template less what moto cannot deploy: (template, types moto skips, logical ids left out)."""
    from moto.cloudformation.parsing import resource_class_from_type

    resources = template["Resources"]
    conditional = {k for k, v in resources.items() if "Condition" in v}  # no domain in the rehearsal
    skipped = {k for k, v in resources.items() if not resource_class_from_type(v["Type"])}
    left_out = {k for k, v in resources.items() if v["Type"] in LEFT_OUT}
    gone = conditional | skipped | left_out
    skipped_types = sorted({resources[k]["Type"] for k in skipped - conditional})
    kept = {}
    for k, v in resources.items():
        if k in gone:
            continue
        v = _placeholders(v, gone)
        depends = v.get("DependsOn")
        if depends is not None:  # nothing may wait on what is gone
            depends = [d for d in ([depends] if isinstance(depends, str) else depends) if d not in gone]
            v["DependsOn"] = depends
            if not depends:
                del v["DependsOn"]
        kept[k] = v
    template["Resources"] = kept
    template.pop("Outputs", None)
    return template, skipped_types, sorted(left_out)


def _default(template: dict, value):
    """A property that is a parameter's Ref: the parameter's default (the rehearsal passes none)."""
    return template["Parameters"][value["Ref"]]["Default"] if isinstance(value, dict) else value


def deploy(package: Path) -> dict:
    import boto3

    s3 = boto3.client("s3")
    s3.create_bucket(Bucket=ARTIFACTS)
    s3.put_object(Bucket=ARTIFACTS, Key="deployment.zip", Body=(package / "deployment.zip").read_bytes())
    s3.put_object(Bucket=ARTIFACTS, Key="imaging-layer.zip", Body=(package / "imaging-layer.zip").read_bytes())
    original = json.loads((package / "template.json").read_text())
    template, skipped_types, left_out = for_moto(json.loads((package / "template.json").read_text()))
    cfn = boto3.client("cloudformation")
    # moto 5.2.5 creates a stack's state machines in its plain Step Functions backend, while the API
    # that executes them (execute_state_machine) reads another one: create them where they will run.
    from moto.stepfunctions import models as sfn_models
    from moto.stepfunctions.parser.models import stepfunctions_parser_backends

    plain, sfn_models.stepfunctions_backends = sfn_models.stepfunctions_backends, stepfunctions_parser_backends
    try:
        cfn.create_stack(
            StackName=STACK,
            TemplateBody=json.dumps(template),
            Parameters=[
                {"ParameterKey": "ArtifactBucket", "ParameterValue": ARTIFACTS},
                {"ParameterKey": "ArtifactKey", "ParameterValue": "deployment.zip"},
                {"ParameterKey": "ImagingLayerKey", "ParameterValue": "imaging-layer.zip"},
            ],
            Capabilities=["CAPABILITY_IAM", "CAPABILITY_NAMED_IAM", "CAPABILITY_AUTO_EXPAND"],
        )
    finally:
        sfn_models.stepfunctions_backends = plain
    # moto's CloudFormation skips SES identities: create them as the stack would (verified, as the
    # operator does after deploying), or every email the workflows send is rejected.
    for resource in original["Resources"].values():
        if resource["Type"] == "AWS::SES::EmailIdentity":
            address = _default(original, resource["Properties"]["EmailIdentity"])
            boto3.client("ses").verify_email_identity(EmailAddress=address)
    status = cfn.describe_stacks(StackName=STACK)["Stacks"][0]["StackStatus"]
    created = {
        r["LogicalResourceId"]: r["ResourceType"]
        for r in cfn.list_stack_resources(StackName=STACK)["StackResourceSummaries"]
    }
    return {"status": status, "created": created, "skipped_types": skipped_types, "left_out": left_out}


def load_functions(package: Path, workdir: Path) -> dict:
    """The deployed functions' handlers, imported from the package with their deployed environment."""
    import boto3

    lam = boto3.client("lambda")
    functions = {f["FunctionName"]: f for f in lam.list_functions()["Functions"]}
    with zipfile.ZipFile(io.BytesIO((package / "deployment.zip").read_bytes())) as z:
        z.extractall(workdir)
    env = next(iter(functions.values()))["Environment"]["Variables"]
    os.environ.update(env)
    os.environ["TOKEN_SECRET"] = uuid.uuid4().hex * 2  # CloudFormation would resolve it from the secret
    sys.path.insert(0, str(workdir))
    handlers = {}
    for name, f in functions.items():
        module, attr = f["Handler"].rsplit(".", 1)
        handlers[name] = getattr(importlib.import_module(module), attr)
    origin = Path(sys.modules["app"].__file__).resolve()
    assert origin.parent == workdir.resolve(), f"app imported from {origin}, not the package"
    return {"handlers": handlers, "env": env, "config": functions}


TASK_ERRORS: list[str] = []
TASKS_RUN: list[str] = []


def run_lambdas_in_process(handlers: dict) -> None:
    from moto.awslambda.models import LambdaBackend
    from moto.awslambda_simple.models import LambdaSimpleBackend  # what moto uses without Docker

    from infra.local.runtime import LambdaContext

    def invoke(self, function_name, qualifier, body, headers, response_headers):
        name = function_name.split(":")[6] if function_name.startswith("arn:") else function_name
        event = json.loads(body or "{}")
        TASKS_RUN.append(event.get("task", name) if isinstance(event, dict) else name)
        try:
            return json.dumps(handlers[name](event, LambdaContext(name))).encode()
        except Exception as e:  # noqa: BLE001 - Lambda reports any exception to its caller
            TASK_ERRORS.append(f"{name}: {type(e).__name__}: {e}"[:300])
            response_headers["x-amz-function-error"] = "Unhandled"
            return json.dumps({"errorType": type(e).__name__, "errorMessage": str(e)}).encode()

    LambdaBackend.invoke = invoke
    LambdaSimpleBackend.invoke = invoke


def _wait_for_execution(arn: str, seconds: float = 60) -> str:
    import boto3

    sfn = boto3.client("stepfunctions")
    deadline = time.monotonic() + seconds
    while True:
        status = sfn.describe_execution(executionArn=arn)["status"]
        if status != "RUNNING" or time.monotonic() > deadline:
            return status
        time.sleep(0.05)


def smoke(functions: dict) -> dict:
    from infra.proxy_events import Gateway

    api_name = next(n for n, f in functions["config"].items() if f["Handler"] == "app.app")
    app = sys.modules["app"].app
    gateway = Gateway(app, functions["handlers"][api_name])
    domain = functions["env"]["STOREFRONT_DOMAIN"]
    report = {}
    sub = f"rehearsal{uuid.uuid4().hex[:8]}"
    r = gateway.request(
        "POST",
        "/api/merchants/signup",
        host=f"api.{domain}",
        body={
            "email": f"{sub}@example.com",
            "password": "rehearsal password",
            "shop_name": "Rehearsal",
            "subdomain": sub,
        },
    )
    report["signup"] = r["statusCode"]
    if r["statusCode"] != 201:
        return {**report, "error": r["body"][:500]}
    token = json.loads(r["body"])["token"]
    import boto3

    sfn = boto3.client("stepfunctions")
    onboarding = next(
        m["stateMachineArn"] for m in sfn.list_state_machines()["stateMachines"] if m["name"].endswith("-onboarding")
    )
    executions = sfn.list_executions(stateMachineArn=onboarding)["executions"]
    report["onboarding"] = _wait_for_execution(executions[0]["executionArn"]) if executions else None
    auth = {"authorization": f"Bearer {token}"}
    r = gateway.request(
        "POST",
        "/api/admin/products",
        host=f"api.{domain}",
        headers=auth,
        body={
            "title": "Rehearsal Tee",
            "status": "active",
            "variants": [{"sku": "RH-1", "price": 1500, "inventory_quantity": 3, "options": {"Size": "M"}}],
        },
    )
    report["product"] = r["statusCode"]
    product = json.loads(r["body"])
    home = gateway.request("GET", "/", host=f"{sub}.{domain}")
    report["storefront_home"] = home["statusCode"]
    report["home_lists_product"] = "Rehearsal Tee" in home["body"]
    page = gateway.request("GET", f"/s/{sub}/products/{product['handle']}", host=f"api.{domain}")
    report["product_page"] = page["statusCode"]
    report["checkout"] = _checkout(gateway, app, sub, domain, product, auth)
    return report


def _stripe(gateway, domain: str):
    """The local Stripe emulator in Stripe's place, its webhooks delivered to the deployed handler
    as API Gateway would deliver them."""
    from infra.local import stripe_emulator

    def deliver(url, headers, body):
        return gateway.request(
            "POST", "/api/webhooks/stripe", host=f"api.{domain}", headers=headers, body=body.decode()
        )["statusCode"]

    emulator = stripe_emulator.start(port=0, deliver=deliver, retry_delays=(0.2, 0.5))
    os.environ.update(
        {
            "STRIPE_SECRET_KEY": "sk_test_local",
            "STRIPE_API_BASE": emulator.base_url,
            "STRIPE_WEBHOOK_SECRET": emulator.webhook_secret,
        }
    )
    return emulator


def _checkout(gateway, app, sub: str, domain: str, product: dict, auth: dict) -> dict | str:
    """Payments connected, cart, checkout, payment, paid: once the app has checkout routes."""
    if "/api/store/carts/{cart_id}/checkout" not in app.routes:
        return "not in this app yet"
    stripe = _stripe(gateway, domain)
    try:
        return _pay_for_a_cart(gateway, stripe, sub, domain, product, auth)
    finally:
        stripe.stop()


def _pay_for_a_cart(gateway, stripe, sub: str, domain: str, product: dict, auth: dict) -> dict:
    out = {}
    r = gateway.request("POST", "/api/admin/payments/account", host=f"api.{domain}", headers=auth, body={})
    out["payments_account"] = r["statusCode"]
    if r["statusCode"] == 201:
        stripe.complete_onboarding(json.loads(r["body"])["account_id"])
        for _ in range(3):  # a 503 says Stripe (here its emulator, on a busy machine) did not answer in time
            r = gateway.request("GET", "/api/admin/payments/account", host=f"api.{domain}", headers=auth)
            if r["statusCode"] != 503:
                break
        out["payments_status"] = r["statusCode"]
        out["charges_enabled"] = json.loads(r["body"]).get("charges_enabled")
        if not out["charges_enabled"]:
            out["payments_answer"] = json.loads(r["body"])
    host = f"{sub}.{domain}"
    r = gateway.request("POST", "/api/store/carts", host=host, body={})
    cart = json.loads(r["body"])
    out["cart"] = r["statusCode"]
    r = gateway.request(
        "POST",
        f"/api/store/carts/{cart['id']}/items",
        host=host,
        body={"variant_id": product["variants"][0]["id"], "quantity": 1},
    )
    out["add_item"] = r["statusCode"]
    r = gateway.request(
        "POST",
        f"/api/store/carts/{cart['id']}/checkout",
        host=host,
        body={
            "email": "shopper@example.com",
            "shipping_address": {
                "name": "A Shopper",
                "line1": "1 Main St",
                "city": "Springfield",
                "postal_code": "12345",
                "country": "US",
            },
        },
    )
    out["checkout"] = r["statusCode"]
    if r["statusCode"] != 202:
        out["answer"] = json.loads(r["body"])
        return out
    checkout_id = json.loads(r["body"])["checkout_id"]

    def until(*statuses):
        deadline = time.monotonic() + 60
        while True:
            state = json.loads(gateway.request("GET", f"/api/store/checkouts/{checkout_id}", host=host)["body"])
            if state.get("status") in statuses or time.monotonic() > deadline:
                return state
            time.sleep(0.05)

    state = until("awaiting_payment", "paid", "failed", "expired")
    out["awaiting_payment"] = state.get("status")
    if state.get("payment_url"):
        stripe.pay(state["payment_url"].rstrip("/").rsplit("/", 1)[1], "succeed")
        state = until("paid", "failed", "expired")
    out["status"] = state.get("status")
    out["order"] = bool(state.get("order_id"))
    if state.get("failure_reason"):
        out["failure_reason"] = state["failure_reason"]
    return out


def main(package: Path) -> dict:
    _environment()
    sys.path.insert(0, str(ROOT))  # infra.* helpers; the app itself comes from the package
    from moto import mock_aws

    from infra.local.runtime import _serialize_dynamodb

    with (
        mock_aws(config={"stepfunctions": {"execute_state_machine": True}, "lambda": {"use_docker": False}}),
        tempfile.TemporaryDirectory(prefix="rehearsal-") as tmp,
    ):
        _serialize_dynamodb()  # Step Functions runs tasks on its own threads, as AWS would concurrently
        report = {"stack": deploy(package)}
        functions = load_functions(package, Path(tmp))
        run_lambdas_in_process(functions["handlers"])
        report["functions"] = {
            n: {"runtime": f["Runtime"], "role": f["Role"].split("/")[-1]} for n, f in functions["config"].items()
        }
        report["smoke"] = smoke(functions)
        report["task_errors"] = TASK_ERRORS
        report["tasks_run"] = sorted(set(TASKS_RUN))
    return report


if __name__ == "__main__":
    # The app logs to stdout, as on Lambda: the report goes to a file of its own when one is named.
    report = json.dumps(main(Path(sys.argv[1])), indent=1, default=str)
    if len(sys.argv) > 2:
        Path(sys.argv[2]).write_text(report)
    else:
        print(report)
