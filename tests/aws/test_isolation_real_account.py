"""Tenant isolation against real IAM: runs only when an AWS profile is named in
SHOPBUILDER_AWS_PROFILE (it creates and deletes a throwaway table, bucket and role: needs
dynamodb, s3, iam and sts rights). The offline proof is tests/api/test_isolation.py."""

import json
import os
import subprocess
import sys

import pytest

from tests.support import ROOT

PROFILE = os.environ.get("SHOPBUILDER_AWS_PROFILE")


@pytest.mark.skipif(not PROFILE, reason="set SHOPBUILDER_AWS_PROFILE to an AWS profile to run against real IAM")
def test_real_iam_confines_a_tenant_session_to_its_own_keys_and_prefix():
    # The test run's environment holds the emulator's fake credentials: the probe gets a clean one.
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("AWS_", "MOTO_")) and k not in ("TENANT_TABLE", "MEDIA_BUCKET", "TENANT_ACCESS_ROLE_ARN")
    }
    env["AWS_PROFILE"] = PROFILE
    done = subprocess.run(
        [sys.executable, str(ROOT / "tests" / "aws" / "real_account_probe.py")],
        capture_output=True,
        text=True,
        env=env,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    report = json.loads(done.stdout.strip().splitlines()[-1])
    assert not report.get("cleanup_errors"), report
    assert all(report[k] for k in report if k != "cleanup_errors"), report
    assert len(report) >= 9
