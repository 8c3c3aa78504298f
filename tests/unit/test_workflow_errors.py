"""A workflow task that meets a passing AWS error fails as TransientError, which every Task state's Retry
names; any other error keeps its own name (the ASL's Catch rules match those)."""

import pytest
from botocore.exceptions import ClientError
from pynamodb.exceptions import PutError

from chalicelib import workflows


def _aws_error(code: str, status: int) -> ClientError:
    return ClientError({"Error": {"Code": code, "Message": "x"}, "ResponseMetadata": {"HTTPStatusCode": status}}, "Op")


def _run_raising(monkeypatch, error: Exception):
    def task(payload):
        raise error

    monkeypatch.setitem(workflows._TASKS, "test.raises", task)
    return workflows.run_task({"task": "test.raises", "input": {}})


@pytest.mark.parametrize(
    "error",
    [
        _aws_error("ThrottlingException", 400),
        _aws_error("ServiceUnavailable", 503),
        PutError("Failed to put item", _aws_error("InternalServerError", 500)),
        PutError("Failed to put item", _aws_error("ProvisionedThroughputExceededException", 400)),
    ],
)
def test_a_busy_or_briefly_down_aws_service_fails_the_task_as_transient(monkeypatch, error):
    with pytest.raises(workflows.TransientError):
        _run_raising(monkeypatch, error)


@pytest.mark.parametrize(
    "error",
    [
        PutError("Failed to put item", _aws_error("ConditionalCheckFailedException", 400)),
        _aws_error("ValidationException", 400),
        KeyError("checkout_id"),
    ],
)
def test_other_errors_keep_their_own_name(monkeypatch, error):
    with pytest.raises(type(error)):
        _run_raising(monkeypatch, error)
