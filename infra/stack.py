"""The one description of the platform's AWS resources, for AWS and for the local emulator.

`template(stage)` is infra/resources.json with each state machine's ASL file
inlined as its DefinitionString (moto, like CloudFormation without a packaging
step, needs the definition in the template itself).
"""

import copy
import json
from pathlib import Path

INFRA = Path(__file__).resolve().parent
APP_NAME = "shopbuilder"
CHALICE_CONFIG = INFRA.parent / ".chalice" / "config.json"


def workflow_files() -> dict[str, Path]:
    return {p.name.removesuffix(".asl.json"): p for p in sorted((INFRA / "workflows").glob("*.asl.json"))}


def template() -> dict:
    tpl = copy.deepcopy(json.loads((INFRA / "resources.json").read_text()))
    for resource in tpl["Resources"].values():
        definition_file = resource.get("Metadata", {}).get("DefinitionFile")
        if resource["Type"] == "AWS::StepFunctions::StateMachine" and definition_file:
            props = resource["Properties"]
            asl = json.dumps(json.loads((INFRA / definition_file).read_text()), indent=1)
            props["DefinitionString"] = {"Fn::Sub": [asl, props.pop("DefinitionSubstitutions", {})]}
    return tpl


def function_name(stage: str, name: str) -> str:
    """The Lambda name `chalice package` gives an `@app.lambda_function(name=...)`."""
    return f"{APP_NAME}-{stage}-{name}"


def environment(stage: str, region: str, account: str) -> dict[str, str]:
    """The app's environment for a stage: resource names as the template creates them."""
    prefix = f"{APP_NAME}-{stage}"
    return {
        "STAGE": stage,
        "RESOURCE_PREFIX": prefix,
        "TENANT_TABLE": f"{prefix}-tenants",
        "PLATFORM_TABLE": f"{prefix}-platform",
        "IDEMPOTENCY_TABLE": f"{prefix}-idempotency",
        "MEDIA_BUCKET": f"{prefix}-media-{account}",
        "EVENT_BUS": prefix,
        "STATE_MACHINE_ARN_PREFIX": f"arn:aws:states:{region}:{account}:stateMachine:{prefix}-",
        "TENANT_ACCESS_ROLE_ARN": f"arn:aws:iam::{account}:role/{tenant_access_role_name(stage, region)}",
        # Powertools' Tracer follows the stage's X-Ray switch (chalicelib/observability.py).
        "POWERTOOLS_TRACE_DISABLED": "false" if xray(stage) else "true",
    }


def xray(stage: str) -> bool:
    """The one X-Ray switch: `xray` in .chalice/config.json, the stage's own value first. Chalice
    makes it the functions' and the API's active tracing; `environment` hands it to the Tracer."""
    config = json.loads(CHALICE_CONFIG.read_text())
    return config.get("stages", {}).get(stage, {}).get("xray", config.get("xray", False))


def tenant_access_role_name(stage: str, region: str) -> str:
    """IAM names are account-wide: the region keeps two regions' stacks of one stage apart."""
    return f"{APP_NAME}-{stage}-{region}-tenant-access"
