"""The platform's plans and what each takes from a sale (Stripe's `application_fee_amount`).

The fee is a share of the amount charged, in basis points, rounded half up to
the minor unit (`money.round_half_up`), and never more than the charge.
"""

from fractions import Fraction

from . import money

# plan -> platform fee in basis points of each order's total (200 = 2 %), and what the plan
# promises each month: availability and p99 latency of the service itself (sla.py reports on it).
PLANS: dict[str, dict] = {
    "starter": {"fee_bp": 200, "availability": 0.995, "p99_ms": 1000},
    "growth": {"fee_bp": 100, "availability": 0.999, "p99_ms": 500},
    "scale": {"fee_bp": 50, "availability": 0.9995, "p99_ms": 250},
}
DEFAULT_PLAN = "starter"


def application_fee(plan: str | None, total: int) -> int:
    """The platform's fee on a charge of `total` minor units for a shop on `plan`."""
    money.require_int("total", total)
    fee_bp = PLANS.get(plan or DEFAULT_PLAN, PLANS[DEFAULT_PLAN])["fee_bp"]
    return min(total, money.round_half_up(Fraction(total * fee_bp, money.BASIS_POINTS)))
