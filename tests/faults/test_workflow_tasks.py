"""Every Task state of every workflow (read from infra/workflows), made to fail once and then for good.

Failing once, the state's Retry must recover: the path ends exactly as it does without a fault (no order,
reservation, refund or email lost or doubled). Failing for good, the Catch (if any) must compensate and
the case ends as `outcomes.FOR_GOOD` says; either way `Seen.check` holds (nothing lost, doubled or stuck).
"""

import pytest

from chalicelib import workflows
from tests.faults import injection, outcomes, scenarios

STATES = injection.task_states()
# A path's premise: a task that fails for good whatever the fault under test (to reach what follows it).
PREMISES = {
    "expired_unmarked": ("expired", "checkout.mark_failed"),
    "late_unrefunded": ("late", "payment_sessions.refund_late_payment"),
    "dearer_rejected_unrefunded": ("dearer_rejected", "exchange_payment.refund_difference"),
    "bulk_unplanned": ("bulk", "bulk_edits.plan"),
}


def _fails_for_good(payload):
    raise RuntimeError("this step fails for good (the path's premise)")


def _run(state, path, *, shop, stripe, monkeypatch, api, order_to_ship, delivered):
    path, broken = PREMISES.get(path, (path, None))
    if broken:
        monkeypatch.setitem(workflows._TASKS, broken, _fails_for_good)
    if state.workflow in ("checkout", "late_payment"):
        return scenarios.buy(shop, stripe, monkeypatch, path)
    if state.workflow == "fulfilment":
        return scenarios.fulfil(shop, stripe, order_to_ship, path)
    if state.workflow == "returns":
        return scenarios.give_back(shop, stripe, delivered, path)
    if state.workflow == "bulk_edit":
        return scenarios.edit_in_bulk(shop)
    return scenarios.sign_up(api)


CASES = [
    pytest.param(
        state,
        mode,
        id=f"{state.point}-{mode}",
        marks=[pytest.mark.xfail(reason=outcomes.GAPS[(state.point, mode)], strict=True)]
        if (state.point, mode) in outcomes.GAPS
        else [],
    )
    for state in STATES
    for mode in injection.MODES
]


@pytest.mark.parametrize(("state", "mode"), CASES)
def test_a_task_state_failing(state, mode, injector, count_faults, request, monkeypatch, shop, stripe, api):
    path = outcomes.path_of(state)
    uses = {"fulfilment": "order_to_ship", "returns": "delivered"}
    orders = {
        name: request.getfixturevalue(name) if uses.get(state.workflow) == name else None for name in uses.values()
    }
    with injector.armed(state.point, mode) as fault:
        seen = _run(state, path, shop=shop, stripe=stripe, monkeypatch=monkeypatch, api=api, **orders)
    assert fault.injected, f"{state.point} was never reached on the path {path!r}: give it a path in outcomes.PATHS"
    seen.check()
    from tests.faults.test_service_calls import _observed

    _observed(state.point, mode, path, seen.outcome())
    expected = outcomes.CLEAN.get(path) if mode == injection.TRANSIENT else outcomes.FOR_GOOD.get(state.point)
    assert seen.outcome() in outcomes.expected(expected), f"OBSERVED {state.point}|{mode}|{path}|{seen.outcome()}"
