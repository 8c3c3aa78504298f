"""Deploy rehearsal: the stack as `make package` builds it passes cfn-lint, deploys into moto's
CloudFormation, and serves a shop through the deployed handler (infra/rehearsal.py)."""

import json
import subprocess
import sys

import pytest

from infra import package, stack
from tests.support import ROOT

# One package build and one rehearsal for the module: its tests stay on one xdist worker.
pytestmark = pytest.mark.xdist_group("deploy_rehearsal")

# What moto 5.2.5's CloudFormation does not create (README "Deploying to AWS"); cfn-lint checks them.
SKIPPED_BY_MOTO = {
    "AWS::ApiGateway::Stage",
    "AWS::CloudFront::Distribution",
    "AWS::CloudFront::OriginAccessControl",
    "AWS::S3::BucketPolicy",
    "AWS::SES::EmailIdentity",
    "AWS::SecretsManager::Secret",
}


@pytest.fixture(scope="module")
def packaged(tmp_path_factory):
    return package.build("dev", tmp_path_factory.mktemp("package"))


@pytest.fixture(scope="module")
def rehearsal(packaged, tmp_path_factory):
    report = tmp_path_factory.mktemp("rehearsal") / "report.json"
    done = subprocess.run(
        [sys.executable, str(ROOT / "infra" / "rehearsal.py"), str(packaged["template"].parent), str(report)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(report.read_text())


def test_packaged_template_passes_cfn_lint_with_no_errors(packaged):
    assert packaged["lint_errors"] == []


def test_package_carries_the_templates_and_leaves_boto_to_the_lambda_runtime(packaged):
    import zipfile

    names = zipfile.ZipFile(packaged["zip"]).namelist()
    assert "chalicelib/templates/themes/default/home.html" in names
    assert "app.py" in names
    assert not [n for n in names if n.startswith(("botocore/", "boto3/"))]


def test_pillow_rides_in_the_media_functions_own_layer_not_in_the_apps_package(packaged):
    import zipfile

    assert not [n for n in zipfile.ZipFile(packaged["zip"]).namelist() if n.startswith(("PIL/", "pillow"))]
    assert "python/PIL/Image.py" in zipfile.ZipFile(packaged["layer"]).namelist()
    resources = json.loads(packaged["template"].read_text())["Resources"]
    layered = {
        k for k, v in resources.items() if v["Type"] == "AWS::Lambda::Function" and v["Properties"].get("Layers")
    }
    assert layered == {"ProcessMedia"}
    assert resources["ProcessMedia"]["Properties"]["MemorySize"] >= 1024
    rule = resources["MediaUploadedRule"]["Properties"]
    assert rule["EventPattern"]["detail"]["object"] == {"key": [{"wildcard": "*/media/*"}]}  # not the sizes
    assert rule["Targets"][0]["Arn"] == {"Fn::GetAtt": ["ProcessMedia", "Arn"]}


def test_every_function_gets_its_own_role_and_state_machines_carry_their_definition(packaged):
    template = json.loads(packaged["template"].read_text())
    resources = template["Resources"]
    functions = {k: v for k, v in resources.items() if v["Type"] == "AWS::Lambda::Function"}
    roles = [v["Properties"]["Role"]["Fn::GetAtt"][0] for v in functions.values()]
    assert len(set(roles)) == len(functions) >= 2
    assert "DefaultRole" not in resources
    machines = [v for v in resources.values() if v["Type"] == "AWS::StepFunctions::StateMachine"]
    assert machines and all("DefinitionString" in m["Properties"] for m in machines)
    assert not any("DefinitionS3Location" in m["Properties"] for m in machines)


def test_x_ray_and_the_powertools_tracer_are_on_together_from_the_stages_one_setting(packaged):
    template = json.loads(packaged["template"].read_text())
    functions = [v["Properties"] for v in template["Resources"].values() if v["Type"] == "AWS::Lambda::Function"]
    on = stack.xray("dev")
    for fn in functions:
        assert fn["TracingConfig"]["Mode"] == ("Active" if on else "PassThrough"), fn["FunctionName"]
        assert fn["Environment"]["Variables"]["POWERTOOLS_TRACE_DISABLED"] == ("false" if on else "true")
    stages = [v["Properties"] for v in template["Resources"].values() if v["Type"] == "AWS::ApiGateway::Stage"]
    assert stages and all(s.get("TracingEnabled", False) == on for s in stages)


def test_stack_deploys_into_moto_and_lists_what_moto_skips(rehearsal):
    stack = rehearsal["stack"]
    assert stack["status"] == "CREATE_COMPLETE"
    created = set(stack["created"].values())
    assert {
        "AWS::DynamoDB::Table",
        "AWS::S3::Bucket",
        "AWS::Lambda::Function",
        "AWS::IAM::Role",
        "AWS::StepFunctions::StateMachine",
        "AWS::Events::EventBus",
    } <= created
    assert set(stack["skipped_types"]) <= SKIPPED_BY_MOTO


def test_a_shop_opens_gets_a_product_and_serves_its_storefront_through_the_deployed_handler(rehearsal):
    smoke = rehearsal["smoke"]
    assert smoke["signup"] == 201, smoke
    assert smoke["onboarding"] == "SUCCEEDED", smoke
    assert smoke["product"] == 201
    assert smoke["storefront_home"] == 200 and smoke["home_lists_product"], smoke
    assert smoke["product_page"] == 200
    assert "onboarding.mark_onboarded" in rehearsal["tasks_run"]  # the workflow ran the package's tasks
    assert rehearsal["task_errors"] == []


def test_a_shopper_pays_and_the_order_exists_through_the_deployed_stack(rehearsal):
    checkout = rehearsal["smoke"]["checkout"]
    if checkout == "not in this app yet":
        pytest.skip("the app has no checkout routes")
    assert checkout["payments_account"] == 201 and checkout["charges_enabled"], checkout
    assert checkout["checkout"] == 202, checkout
    assert checkout["status"] == "paid" and checkout["order"], checkout
    assert {"checkout.reserve_stock", "checkout_payment.await_payment", "order_creation.create"} <= set(
        rehearsal["tasks_run"]
    )


def test_deployed_functions_run_on_a_supported_runtime_with_their_own_roles(rehearsal):
    functions = rehearsal["functions"]
    assert {f["runtime"] for f in functions.values()} == {package.LAMBDA_RUNTIME}
    assert len({f["role"] for f in functions.values()}) == len(functions)
