"""The one way a record moves (chalicelib/lifecycle.py), on real models in the emulated DynamoDB."""

import pytest
from pynamodb.exceptions import TransactWriteError, UpdateError
from pynamodb.transactions import TransactWrite

from chalicelib import keys, lifecycle
from chalicelib.db import ReservationRecord, conditionally, connection, failed_conditions
from chalicelib.errors import Conflict

# A small lifecycle of its own over a real item type, so the rules below do not hang on a business table.
TABLE = lifecycle.Lifecycle(
    "reservation",
    {"held": {"released", "converted"}, "released": {"held"}, "converted": set()},
    stamp=lambda record, new: [type(record).discount_code.set(f"stamped-{new}")],
)
# An update DynamoDB refuses for another reason than a condition (a ValidationException, like a throttle).
_INVALID_PATH = ReservationRecord.items[0]["x"].set(1)


@pytest.fixture
def tenant(aws):
    return keys.new_id()


def _stored(tenant_id: str, checkout_id: str, status: str = "held") -> ReservationRecord:
    record = ReservationRecord(
        tenant_id,
        keys.reservation_sk(checkout_id),
        checkout_id=checkout_id,
        status=status,
        expires_at=0,
        created_at="2026-01-01T00:00:00Z",
    )
    record.save()
    return record


def _read(record: ReservationRecord) -> ReservationRecord:
    return ReservationRecord.get(record.pk, record.sk, consistent_read=True)


def test_a_move_the_table_lists_is_written_with_its_stamp(tenant):
    record = _stored(tenant, keys.new_id())
    assert TABLE.move(record, "released", ReservationRecord.execution_arn.set("arn"))
    stored = _read(record)
    assert (stored.status, stored.discount_code, stored.execution_arn) == ("released", "stamped-released", "arn")
    assert record.status == "released"  # the caller's copy is the item as written


def test_a_move_the_table_does_not_list_is_a_409_and_writes_nothing(tenant):
    record = _stored(tenant, keys.new_id(), status="converted")
    with pytest.raises(Conflict) as raised:
        TABLE.require(record.status, "released")
    assert raised.value.status == 409
    assert raised.value.fields == {"status": "not allowed from converted"}
    assert not TABLE.move(record, "released")
    assert _read(record).status == "converted"


def test_a_lost_race_re_reads_and_decides_again_on_what_won(tenant):
    checkout_id = keys.new_id()
    mine, theirs = _stored(tenant, checkout_id), _read(_stored(tenant, checkout_id))
    assert TABLE.move(theirs, "converted")
    assert not TABLE.move(mine, "released")  # decided on `held`, lost to `converted`: re-read, not allowed
    assert mine.status == "converted"
    assert _read(mine).status == "converted"


def test_a_lost_race_to_a_status_that_still_allows_the_move_moves_from_there(tenant):
    checkout_id = keys.new_id()
    mine, theirs = _stored(tenant, checkout_id), _read(_stored(tenant, checkout_id))
    assert TABLE.move(theirs, "released")
    assert TABLE.move(theirs, "held")  # back where `mine` thinks it is, by another path
    assert TABLE.move(mine, "converted")
    assert _read(mine).status == "converted"


def test_a_failed_extra_condition_is_no_without_retrying(tenant):
    record = _stored(tenant, keys.new_id())
    assert not TABLE.move(record, "released", condition=ReservationRecord.execution_arn.exists())
    assert record.status == "held" and _read(record).status == "held"


def test_a_record_built_from_its_key_moves_only_if_the_stored_status_allows(tenant):
    checkout_id = keys.new_id()
    _stored(tenant, checkout_id, status="converted")
    by_key = ReservationRecord(tenant, keys.reservation_sk(checkout_id))
    assert not TABLE.move(by_key, "released", read=False)
    _stored(tenant, checkout_id, status="held")
    assert TABLE.move(ReservationRecord(tenant, keys.reservation_sk(checkout_id)), "released", read=False)


def test_the_transactional_move_commits_with_the_rest_or_not_at_all(tenant):
    a, b = _stored(tenant, keys.new_id()), _stored(tenant, keys.new_id())
    with TransactWrite(connection=connection()) as tx:
        TABLE.move_in(tx, a, "released")
        TABLE.move_in(tx, b, "converted")
    assert (_read(a).status, _read(b).status) == ("released", "converted")
    assert _read(a).discount_code == "stamped-released"

    # Decided on stale copies: the stored statuses no longer allow it, so nothing of the transaction lands.
    c = _stored(tenant, keys.new_id())
    stale = _read(a)
    stale.status = "held"
    with pytest.raises(TransactWriteError) as raised:
        with TransactWrite(connection=connection()) as tx:
            TABLE.move_in(tx, c, "released")
            TABLE.move_in(tx, stale, "converted")
    assert failed_conditions(tx, raised.value) == {(a.pk, a.sk)}
    assert _read(c).status == "held"


def test_the_transactional_move_refuses_a_disallowed_move_before_writing(tenant):
    record, other = _stored(tenant, keys.new_id(), status="converted"), _stored(tenant, keys.new_id())
    with pytest.raises(Conflict):
        with TransactWrite(connection=connection()) as tx:
            TABLE.move_in(tx, other, "released")
            TABLE.move_in(tx, record, "held")
    assert _read(other).status == "held"


def test_conditionally_answers_a_lost_condition_and_lets_anything_else_through(tenant):
    record = _stored(tenant, keys.new_id())
    lost = ReservationRecord.status == "converted"
    assert not conditionally(record.update, actions=[ReservationRecord.expires_at.set(1)], condition=lost)
    with pytest.raises(Conflict):
        conditionally(
            record.update, actions=[ReservationRecord.expires_at.set(1)], condition=lost, otherwise=Conflict("taken")
        )
    assert conditionally(record.update, actions=[ReservationRecord.expires_at.set(2)])
    with pytest.raises(UpdateError):  # not a condition: a refused update propagates
        conditionally(record.update, actions=[_INVALID_PATH])


def test_conditionally_judges_a_cancelled_transaction_by_its_conditions(tenant):
    record = _stored(tenant, keys.new_id(), status="converted")

    def commit():
        with TransactWrite(connection=connection()) as tx:
            TABLE.move_in(tx, record, "released", read=False)

    assert not conditionally(commit)


def test_once_sends_once_gives_the_claim_back_when_sending_fails_and_never_hides_other_errors(tenant):
    record = _stored(tenant, keys.new_id())
    sent = []

    def failing():
        raise RuntimeError("mail server down")

    with pytest.raises(RuntimeError):
        lifecycle.once_marked(record, ReservationRecord.execution_arn, failing)
    assert _read(record).execution_arn is None  # released: the retry sends it
    assert lifecycle.once_marked(record, ReservationRecord.execution_arn, lambda: sent.append(1))
    assert not lifecycle.once_marked(_read(record), ReservationRecord.execution_arn, lambda: sent.append(2))
    assert sent == [1]

    def claim_fails_for_another_reason():
        return conditionally(record.update, actions=[_INVALID_PATH])

    with pytest.raises(UpdateError):  # e.g. throttled: the step fails and is retried, the mail is not lost
        lifecycle.once(lambda: sent.append(3), claim=claim_fails_for_another_reason, release=lambda: None)
    assert sent == [1]
