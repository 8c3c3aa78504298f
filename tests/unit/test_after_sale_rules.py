"""The after-sale rules that need no AWS: lifecycle tables, the derived fulfilment status, the return policy."""

import copy

import pytest

from chalicelib import carrier_webhooks, fulfilment, orders, return_policy, returns
from chalicelib.db import OrderRecord


@pytest.mark.parametrize("table", [fulfilment.TRANSITIONS, returns.TRANSITIONS])
def test_every_lifecycle_move_leads_to_a_known_status(table):
    for status, targets in table.items():
        assert targets <= set(table), status


def test_each_fulfilment_method_only_moves_within_its_own_statuses():
    for method, statuses in fulfilment.METHOD_STATUSES.items():
        reachable = {"pending"}
        for _ in statuses:
            reachable |= {t for s in reachable for t in fulfilment.TRANSITIONS[s] if t in statuses}
        assert reachable == statuses, method
    assert not set(fulfilment.HANDED_OVER) & {s for s, t in fulfilment.TRANSITIONS.items() if "cancelled" in t}


def test_each_return_action_leads_somewhere_the_table_allows_and_is_done_once_there():
    for action, (target, done) in returns.ACTIONS.items():
        assert any(target in targets for targets in returns.TRANSITIONS.values()), action
        assert target in done and done <= set(returns.TRANSITIONS), action
    assert set(returns.RESOLVED.values()) == returns.TRANSITIONS["received"]


def _order(bought: dict, fulfilments: list) -> OrderRecord:
    return OrderRecord(
        "t", "ORDER#o", lines=[{"variant_id": v, "quantity": q} for v, q in bought.items()], fulfilments=fulfilments
    )


@pytest.mark.parametrize(
    "fulfilments, expected",
    [
        ([], "unfulfilled"),
        ([{"status": "pending", "items": [{"variant_id": "a", "quantity": 1}]}], "partial"),
        (
            [
                {
                    "status": "cancelled",
                    "items": [{"variant_id": "a", "quantity": 2}, {"variant_id": "b", "quantity": 1}],
                }
            ],
            "unfulfilled",
        ),
        (
            [
                {"status": "in_transit", "items": [{"variant_id": "a", "quantity": 2}]},
                {"status": "pending", "items": [{"variant_id": "b", "quantity": 1}]},
            ],
            "fulfilled",
        ),
        (
            [
                {"status": "delivered", "items": [{"variant_id": "a", "quantity": 2}]},
                {"status": "cancelled", "items": [{"variant_id": "b", "quantity": 1}]},
            ],
            "partial",
        ),
    ],
)
def test_fulfillment_status_is_read_off_the_fulfilments_that_are_not_cancelled(fulfilments, expected):
    assert orders.fulfillment_status_of(_order({"a": 2, "b": 1}, fulfilments)) == expected


def _policy(**terms) -> dict:
    policy = copy.deepcopy(return_policy.DEFAULT)
    policy.update(terms)
    return policy


def test_a_new_shops_policy_is_manual_thirty_days_and_no_fee():
    assert (
        return_policy.DEFAULT["approval"],
        return_policy.DEFAULT["window_days"],
        return_policy.DEFAULT["restocking_fee_percent"],
    ) == ("manual", 30, 0)
    assert not return_policy.approves_automatically(_policy(), value=1, reason="size")


def test_automatic_approval_follows_every_rule_it_has():
    rules = {"max_value": 5000, "reasons": ["too small", "too big"]}
    policy = _policy(approval="automatic", auto_approve=rules)
    assert return_policy.approves_automatically(policy, value=5000, reason=" Too Small ")
    assert not return_policy.approves_automatically(policy, value=5001, reason="too small")
    assert not return_policy.approves_automatically(policy, value=100, reason="changed my mind")
    anything = _policy(approval="automatic")
    assert return_policy.approves_automatically(anything, value=10**9, reason="whatever")


def test_final_sale_by_product_or_category():
    policy = _policy(final_sale_product_ids=["P1"], final_sale_categories=["swimwear"])
    assert return_policy.is_final_sale(policy, "P1", None)
    assert return_policy.is_final_sale(policy, "P2", "Swimwear ")
    assert not return_policy.is_final_sale(policy, "P2", "shirts")
    assert not return_policy.is_final_sale(policy, "P2", None)


def test_the_carrier_signature_covers_the_time_and_the_body():
    signed = carrier_webhooks.sign("whsec_x", b'{"a":1}', 1700000000)
    assert signed.startswith("t=1700000000,v1=") and signed != carrier_webhooks.sign("whsec_x", b'{"a":2}', 1700000000)
    assert signed != carrier_webhooks.sign("whsec_y", b'{"a":1}', 1700000000)
