"""`make package STAGE=dev`: the deployable CloudFormation template and Lambda package, offline.

1. A build copy of the app (app.py, chalicelib/, .chalice/config.json) with templates/ under
   chalicelib/templates and requirements.lock installed as vendor/: Chalice packages only app.py,
   chalicelib/ and vendor/.
2. `chalice package --merge-template` with infra/stack.py's template (resources.json, each
   state machine's ASL inlined as DefinitionString) gives a SAM template.
3. Each Lambda function then gets its own least-privilege role and log group (infra/iam.py),
   the app's environment (infra/stack.py, with CloudFormation intrinsics for account and
   region), and its code from the artifact bucket that `make deploy` uploads to; the tenant
   access role is added; the API's stage is traced when the stage's `xray` is on; the packages
   the Lambda runtime provides (boto3, botocore, s3transfer) leave the zip.
4. aws-sam-translator turns SAM into plain CloudFormation, and cfn-lint must find no error.
5. The media processing function's layer (requirements-imaging.lock: Pillow) is a zip of its own,
   attached to that function only: the app's package and the API handler's cold start do not carry it.

Writes <out>/sam.json, <out>/template.json, <out>/deployment.zip and <out>/imaging-layer.zip.
"""

import argparse
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from chalicelib import docs, languages  # noqa: E402
from infra import iam, stack  # noqa: E402

REGION = "us-east-1"  # for linting and translation only; the template itself is region-agnostic
# The project runs Python 3.12 everywhere: development, tests, CI and this Lambda runtime (Lambda
# stopped creating python3.11 functions on 2026-07-31; cfn-lint E2533 carries AWS's dates).
LAMBDA_RUNTIME = "python3.12"
LAMBDA_PYTHON = LAMBDA_RUNTIME.removeprefix("python")
# The Lambda Python runtime ships these (and the app never needs a newer one).
RUNTIME_PROVIDED = ("boto3", "botocore", "s3transfer")
# Pure Python, published as source only: built into a wheel first (from the source the lock's hash
# names), then installed beside the others (an install restricted to binaries cannot build one itself).
SOURCE_ONLY = ("openapi-ui-bundles",)
LOG_RETENTION_DAYS = 30
# The functions that import Pillow (chalicelib/imaging.py), with the layer that carries it.
IMAGING_FUNCTIONS = ("ProcessMedia",)
# Pillow's wheels for Lambda's Amazon Linux 2023 (glibc 2.34) are tagged manylinux_2_28.
LAYER_PLATFORMS = ("manylinux_2_28_x86_64", "manylinux2014_x86_64")


def _vendor() -> Path:
    """requirements.lock installed for the Lambda runtime's Python and platform (manylinux wheels only),
    every download checked against the lock's hashes, cached by the lock's hash. Chalice would build them
    for the local interpreter's version."""
    lock = ROOT / "requirements.lock"
    digest = hashlib.sha256(lock.read_bytes() + LAMBDA_RUNTIME.encode()).hexdigest()[:16]
    vendor = ROOT / ".chalice" / "deployments" / f"vendor-{LAMBDA_RUNTIME}-{digest}"
    if not vendor.is_dir():
        vendor.parent.mkdir(parents=True, exist_ok=True)  # .chalice/deployments/ is git-ignored
        staging = Path(tempfile.mkdtemp(prefix="building-", dir=vendor.parent))
        work = Path(tempfile.mkdtemp(prefix="wheels-", dir=vendor.parent))
        binaries, sources = work / "binaries.lock", work / "sources.lock"
        binaries.write_text(_lock_entries(lock, SOURCE_ONLY, keep=False))
        sources.write_text(_lock_entries(lock, SOURCE_ONLY, keep=True))
        # The source-only packages' wheels are built from sources whose hashes pip checks against the lock.
        _pip("wheel", "--no-deps", "--require-hashes", "--wheel-dir", str(work / "wheels"), "-r", str(sources))
        platform = ["--platform", "manylinux2014_x86_64", "--implementation", "cp", "--python-version", LAMBDA_PYTHON]
        _pip(
            "install",
            "--target",
            str(staging),
            *platform,
            "--only-binary=:all:",
            "--require-hashes",
            "-r",
            str(binaries),
        )
        built = sorted(str(w) for w in (work / "wheels").glob("*.whl"))
        if built:
            _pip("install", "--target", str(staging), *platform, "--only-binary=:all:", "--no-deps", *built)
        shutil.rmtree(work, ignore_errors=True)
        for top in RUNTIME_PROVIDED:  # the runtime's copies are used; ours would only add size
            for path in staging.glob(f"{top}*"):
                shutil.rmtree(path) if path.is_dir() else path.unlink()
        shutil.rmtree(staging / "bin", ignore_errors=True)
        for path in (staging / "openapi_ui_bundles").glob("*/vendor/*"):  # the other UIs would add 1.5 MB
            if path.name not in docs.BUNDLED:
                path.unlink()
        for path in (staging / "babel" / "locale-data").glob("*.dat"):  # locales no shop speaks: 33 MB
            if not languages.needs_locale_data(path.stem):
                path.unlink()
        try:
            staging.rename(vendor)
        except OSError:  # another build finished the same cache first
            shutil.rmtree(staging, ignore_errors=True)
    return vendor


def imaging_layer(out: Path) -> Path:
    """requirements-imaging.lock installed under python/ (where Lambda puts a layer on the path), zipped; built
    for the runtime's Python and platform, every download checked against the lock's hashes, cached by its hash."""
    lock = ROOT / "requirements-imaging.lock"
    digest = hashlib.sha256(lock.read_bytes() + LAMBDA_RUNTIME.encode()).hexdigest()[:16]
    cached = ROOT / ".chalice" / "deployments" / f"imaging-layer-{LAMBDA_RUNTIME}-{digest}.zip"
    if not cached.is_file():
        cached.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory(prefix="layer-", dir=cached.parent) as tmp:
            site = Path(tmp) / "python"
            platforms = [arg for tag in LAYER_PLATFORMS for arg in ("--platform", tag)]
            _pip(
                "install",
                "--target",
                str(site),
                *platforms,
                "--implementation",
                "cp",
                "--python-version",
                LAMBDA_PYTHON,
                "--only-binary=:all:",
                "--require-hashes",
                "-r",
                str(lock),
            )
            shutil.rmtree(site / "bin", ignore_errors=True)
            staging = Path(tmp) / "layer.zip"
            with zipfile.ZipFile(staging, "w", zipfile.ZIP_DEFLATED) as z:
                for file in sorted(p for p in site.rglob("*") if p.is_file() and "__pycache__" not in p.parts):
                    z.write(file, file.relative_to(Path(tmp)).as_posix())
            staging.replace(cached)
    shutil.copy2(cached, out / "imaging-layer.zip")
    return out / "imaging-layer.zip"


def _lock_entries(lock: Path, names: tuple[str, ...], *, keep: bool) -> str:
    """The lock's entries (a pin and its hashes) of these packages (keep), or of all the others."""
    entries = re.split(r"\n(?=[A-Za-z0-9])", lock.read_text())
    chosen = [
        e for e in entries if e[0].isalnum() and (re.split(r"[=<>~\[ ]", e, maxsplit=1)[0].lower() in names) == keep
    ]
    return "\n".join(chosen) + "\n"


def _pip(*args: str) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "pip", *args, "--quiet", "--disable-pip-version-check"], capture_output=True, text=True
    )
    if result.returncode != 0:
        raise SystemExit(f"building the Lambda dependencies failed (pip {args[0]}):\n{result.stdout}\n{result.stderr}")


def _build_copy(build: Path) -> None:
    """What Chalice packages, with the theme templates inside chalicelib/ (storefront.py looks there)
    and the dependencies as vendor/ (so Chalice builds none itself)."""
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
    shutil.copy2(ROOT / "app.py", build / "app.py")
    shutil.copytree(ROOT / "chalicelib", build / "chalicelib", ignore=ignore)
    shutil.copytree(ROOT / "templates", build / "chalicelib" / "templates", ignore=ignore)
    (build / ".chalice").mkdir()
    shutil.copy2(ROOT / ".chalice" / "config.json", build / ".chalice" / "config.json")
    (build / "requirements.txt").write_text("")
    shutil.copytree(_vendor(), build / "vendor", ignore=ignore)


def _chalice_package(build: Path, stage: str, extra: Path, out: Path) -> None:
    env = {**os.environ, "AWS_DEFAULT_REGION": os.environ.get("AWS_DEFAULT_REGION", REGION)}
    chalice = Path(sys.executable).with_name("chalice")
    result = subprocess.run(
        [str(chalice), "package", "--stage", stage, "--merge-template", str(extra), str(out)],
        cwd=build,
        env=env,
        capture_output=True,
        text=True,
    )
    if result.returncode != 0:
        raise SystemExit(f"chalice package failed:\n{result.stdout}\n{result.stderr}")


def chalice_name(logical_id: str) -> str:
    """`WorkflowTask` -> `workflow_task` (the name given to @app.lambda_function); APIHandler is the API."""
    if logical_id == "APIHandler":
        return "api_handler"
    return re.sub(r"(?<!^)(?=[A-Z])", "_", logical_id).lower()


def _sub_if_needed(value: str):
    return {"Fn::Sub": value} if "${" in value else value


def environment(stage: str) -> dict:
    """The app's environment in AWS: stack.environment with intrinsics, plus what only AWS has."""
    env = {k: _sub_if_needed(v) for k, v in stack.environment(stage, "${AWS::Region}", "${AWS::AccountId}").items()}
    env.update(
        {
            "MEDIA_BASE_URL": {"Fn::Sub": "https://${MediaDistribution.DomainName}"},
            # A browser posts uploads to the bucket's regional endpoint (its CORS allows the POST).
            "MEDIA_UPLOAD_URL": {"Fn::Sub": "https://${MediaBucket.RegionalDomainName}"},
            "SENDER_EMAIL": {"Ref": "SenderEmail"},
            # Resolved by CloudFormation at deploy time from the generated secret.
            "TOKEN_SECRET": {"Fn::Sub": "{{resolve:secretsmanager:${AppSecrets}:SecretString:token_secret}}"},
            "STRIPE_SECRET_KEY": {"Ref": "StripeSecretKey"},
            "STRIPE_WEBHOOK_SECRET": {"Ref": "StripeWebhookSecret"},
            "POWERTOOLS_LOG_LEVEL": "INFO",
        }
    )
    return env


def finish_sam(sam: dict, stage: str) -> dict:
    """Per-function roles, log groups, environment and code location; the tenant access role."""
    resources = sam["Resources"]
    sam["Parameters"]["Stage"].update({"Default": stage, "AllowedValues": [stage]})
    sam["Parameters"].update(
        {
            "ArtifactBucket": {
                "Type": "String",
                "Description": "Bucket holding the Lambda package (make deploy uploads it)",
            },
            "ArtifactKey": {"Type": "String", "Description": "Key of the Lambda package in ArtifactBucket"},
            "ImagingLayerKey": {"Type": "String", "Description": "Key of the imaging layer's zip in ArtifactBucket"},
        }
    )
    resources["ImagingLayer"] = {
        "Type": "AWS::Serverless::LayerVersion",
        "Properties": {
            "LayerName": {"Fn::Sub": "shopbuilder-${Stage}-imaging"},
            "Description": "Pillow, for the media processing function only",
            "ContentUri": {"Bucket": {"Ref": "ArtifactBucket"}, "Key": {"Ref": "ImagingLayerKey"}},
            "CompatibleRuntimes": [LAMBDA_RUNTIME],
            "RetentionPolicy": "Delete",
        },
    }
    env = environment(stage)
    role_ids = []
    for logical_id, fn in [(k, v) for k, v in resources.items() if v["Type"] == "AWS::Serverless::Function"]:
        name = chalice_name(logical_id)
        function_name = {"Fn::Sub": f"shopbuilder-${{Stage}}-{name}"}
        props = fn["Properties"]
        props["FunctionName"] = function_name
        props["Runtime"] = LAMBDA_RUNTIME
        props["CodeUri"] = {"Bucket": {"Ref": "ArtifactBucket"}, "Key": {"Ref": "ArtifactKey"}}
        if logical_id in IMAGING_FUNCTIONS:
            props["Layers"] = [{"Ref": "ImagingLayer"}]
        chalice_env = props.get("Environment", {}).get("Variables", {})
        props["Environment"] = {
            "Variables": {
                **chalice_env,
                **env,
                **{
                    # The stage's own setting stays unless a storefront domain is given.
                    "STOREFRONT_DOMAIN": {
                        "Fn::If": ["HasDomain", {"Ref": "StorefrontDomain"}, chalice_env.get("STOREFRONT_DOMAIN", "")]
                    }
                },
            }
        }
        role_id = f"{logical_id}Role"
        resources[role_id] = iam.function_role(name, function_name)
        props["Role"] = {"Fn::GetAtt": [role_id, "Arn"]}
        role_ids.append(role_id)
        resources[f"{logical_id}Logs"] = {
            "Type": "AWS::Logs::LogGroup",
            "Properties": {
                "LogGroupName": {"Fn::Sub": f"/aws/lambda/shopbuilder-${{Stage}}-{name}"},
                "RetentionInDays": LOG_RETENTION_DAYS,
            },
        }
        fn["DependsOn"] = sorted(set(fn.get("DependsOn", [])) | {f"{logical_id}Logs"})
    if "DefaultRole" in resources and "DefaultRole" not in json.dumps(
        {k: v for k, v in resources.items() if k != "DefaultRole"}
    ):
        del resources["DefaultRole"]  # Chalice's one role for every function, replaced above
    resources["TenantAccessRole"] = iam.tenant_access_role(role_ids)
    if "RestAPI" in resources:
        resources["RestAPI"]["Properties"]["Name"] = {"Fn::Sub": "shopbuilder-${Stage}"}
        # `chalice package` traces the functions as the stage's xray says, but not the API's stage.
        resources["RestAPI"]["Properties"]["TracingEnabled"] = stack.xray(stage)
    return sam


def slim_zip(path: Path) -> None:
    """Drops what the Lambda runtime already has (botocore alone is ~16 MB zipped)."""
    tmp = path.with_suffix(".tmp")
    with zipfile.ZipFile(path) as src, zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            top = info.filename.split("/", 1)[0]
            if top in RUNTIME_PROVIDED or top.split("-", 1)[0] in RUNTIME_PROVIDED and top.endswith(".dist-info"):
                continue
            dst.writestr(info, src.read(info))
    tmp.replace(path)


# Imported only on payment paths or where a stage's `xray` is on: compiled on first use there, which keeps
# 3.5 MB of bytecode out of the package.
NOT_PRECOMPILED = r"/(stripe|aws_xray_sdk)/"


def lambda_python() -> str | None:
    """An interpreter of the Lambda runtime's version, if this machine has one."""
    import shutil

    candidates = [shutil.which(f"python{LAMBDA_PYTHON}")] + sorted(  # pyenv's shims need a selection; its builds do not
        str(p) for p in Path.home().glob(f".pyenv/versions/{LAMBDA_PYTHON}*/bin/python{LAMBDA_PYTHON}")
    )
    for found in filter(None, candidates):
        if subprocess.run([found, "-c", "pass"], capture_output=True).returncode == 0:
            return found
    return None


def precompile(path: Path) -> bool:
    """Adds bytecode for the runtime's Python to the zip. Lambda's /var/task is read-only, so
    without it every cold start compiles every module it imports. Unchecked-hash .pyc files are
    used whatever mtimes the zip gives the sources. Skipped (False) without such an interpreter."""
    python = lambda_python()
    if python is None:
        return False
    with tempfile.TemporaryDirectory() as tmp:
        tree = Path(tmp) / "tree"
        with zipfile.ZipFile(path) as src:
            src.extractall(tree)
            modes = {i.filename: i.external_attr for i in src.infolist()}
        result = subprocess.run(
            [
                python,
                "-m",
                "compileall",
                "-q",
                "-j",
                "0",
                "--invalidation-mode",
                "unchecked-hash",
                "-x",
                NOT_PRECOMPILED,
                str(tree),
            ],
            capture_output=True,
            text=True,
        )
        if result.returncode != 0:
            raise SystemExit(f"compiling the package failed:\n{result.stdout}\n{result.stderr}")
        tmp_zip = path.with_suffix(".tmp")
        with zipfile.ZipFile(tmp_zip, "w", zipfile.ZIP_DEFLATED) as dst:
            for file in sorted(p for p in tree.rglob("*") if p.is_file()):
                name = file.relative_to(tree).as_posix()
                info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
                info.external_attr = modes.get(name, 0o644 << 16)
                info.compress_type = zipfile.ZIP_DEFLATED
                dst.writestr(info, file.read_bytes())
        tmp_zip.replace(path)
    return True


class _NoManagedPolicies:
    """The template names no AWS managed policy: nothing to look up in IAM."""

    def load(self) -> dict:
        return {}


def to_cloudformation(sam: dict) -> dict:
    from samtranslator.translator.transform import transform

    os.environ.setdefault("AWS_DEFAULT_REGION", REGION)  # the translator's pseudo parameters
    return transform(json.loads(json.dumps(sam)), {"AWS::Region": REGION}, _NoManagedPolicies())


def lint(template: dict) -> list[str]:
    """cfn-lint's errors (warnings and informational findings are not failures)."""
    from cfnlint.api import ManualArgs
    from cfnlint.api import lint as cfn_lint

    matches = cfn_lint(json.dumps(template), config=ManualArgs(regions=[REGION]))
    return [f"{m.rule.id} {m.message} ({'/'.join(map(str, m.path))})" for m in matches if m.rule.id.startswith("E")]


def build(stage: str, out: Path) -> dict:
    """Packages the stage into `out`; returns {template, sam, zip, zip_bytes, lint_errors}."""
    out = Path(out)
    if out.exists():
        shutil.rmtree(out)
    with tempfile.TemporaryDirectory(prefix="shopbuilder-build-") as tmp:
        build_dir = Path(tmp) / "app"
        build_dir.mkdir()
        _build_copy(build_dir)
        extra = Path(tmp) / "stack.json"
        extra.write_text(json.dumps(stack.template()))
        _chalice_package(build_dir, stage, extra, out)
    sam = finish_sam(json.loads((out / "sam.json").read_text()), stage)
    (out / "sam.json").write_text(json.dumps(sam, indent=1))
    slim_zip(out / "deployment.zip")
    compiled = precompile(out / "deployment.zip")
    template = to_cloudformation(sam)
    (out / "template.json").write_text(json.dumps(template, indent=1))
    layer = imaging_layer(out)
    return {
        "template": out / "template.json",
        "sam": out / "sam.json",
        "zip": out / "deployment.zip",
        "zip_bytes": (out / "deployment.zip").stat().st_size,
        "layer": layer,
        "layer_bytes": layer.stat().st_size,
        "lint_errors": lint(template),
        "precompiled": compiled,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--stage", default="dev")
    parser.add_argument("--out", default=str(ROOT / "out"))
    args = parser.parse_args()
    result = build(args.stage, Path(args.out))
    print(f"template  {result['template']}\npackage   {result['zip']} ({result['zip_bytes'] / 1e6:.1f} MB zipped)")
    print(f"layer     {result['layer']} ({result['layer_bytes'] / 1e6:.1f} MB zipped, the media function's only)")
    if not result["precompiled"]:
        print(f"note      no python{LAMBDA_PYTHON} here: the package carries no bytecode (slower cold starts)")
    if result["lint_errors"]:
        print("cfn-lint errors:\n  " + "\n  ".join(result["lint_errors"]))
        raise SystemExit(1)
    print("cfn-lint  no errors")


if __name__ == "__main__":
    main()
