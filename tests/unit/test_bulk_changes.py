"""What a bulk edit decides for one product (bulk_changes: the same decision for the dry run and the run)."""

from hypothesis import given
from hypothesis import strategies as st

from chalicelib import bulk_changes, schemas

prices = st.integers(min_value=0, max_value=schemas.MOST_MONEY)
quantities = st.integers(min_value=0, max_value=schemas.MOST_UNITS)


def _product(prices=(1000,), quantities=None, status="active"):
    quantities = quantities or [5] * len(prices)
    return {
        "id": "P1",
        "title": "Shirt",
        "status": status,
        "variants": [
            {"id": f"P1_{i}", "title": str(i), "price": p, "inventory_quantity": q}
            for i, (p, q) in enumerate(zip(prices, quantities, strict=True))
        ],
    }


def _values(changes):
    return [(c["before"], c["after"]) for c in changes]


def test_a_percentage_rounds_the_change_half_up():
    changes, _ = bulk_changes.decide("adjust_price", {"percent": -15}, _product((1010, 1030, 999)))
    # -151.5 -> -152, -154.5 -> -155, -149.85 -> -150
    assert _values(changes) == [(1010, 858), (1030, 875), (999, 849)]


def test_publishing_names_the_product_not_its_variants():
    changes, skipped = bulk_changes.decide("publish", {}, _product(status="draft"))
    assert changes == [
        {
            "product_id": "P1",
            "variant_id": None,
            "title": "Shirt",
            "field": "status",
            "before": "draft",
            "after": "active",
        }
    ]
    assert bulk_changes.decide("unpublish", {}, _product(status="draft")) == (
        [],
        [{"product_id": "P1", "variant_id": None, "title": "Shirt", "field": "status", "reason": "already a draft"}],
    )


def test_rows_name_the_variant_after_its_product():
    changes, _ = bulk_changes.decide("set_price", {"price": 1}, _product((5, 6)))
    assert [c["title"] for c in changes] == ["Shirt / 0", "Shirt / 1"]


@given(st.lists(prices, min_size=1, max_size=5), st.integers(min_value=-100, max_value=1000))
def test_a_price_change_never_goes_below_zero_or_over_the_limit_and_undoing_it_restores_every_price(before, percent):
    product = _product(tuple(before))
    changes, skipped = bulk_changes.decide("adjust_price", {"percent": percent}, product)
    assert len(changes) + len(skipped) == len(before)
    assert all(0 <= c["after"] <= schemas.MOST_MONEY and c["after"] != c["before"] for c in changes)
    for change in changes:
        variant = next(v for v in product["variants"] if v["id"] == change["variant_id"])
        variant["price"] = change["after"]
    undo, not_undone = bulk_changes.revert(changes, product)
    assert not_undone == []
    for change in undo:
        next(v for v in product["variants"] if v["id"] == change["variant_id"])["price"] = change["after"]
    assert [v["price"] for v in product["variants"]] == before


@given(st.lists(quantities, min_size=1, max_size=5), st.integers(min_value=-(10**9), max_value=10**9))
def test_stock_adjusted_by_any_delta_stays_in_range(before, delta):
    changes, skipped = bulk_changes.decide("adjust_stock", {"delta": delta}, _product((1,) * len(before), before))
    assert all(0 <= c["after"] <= schemas.MOST_UNITS for c in changes)
    assert all(c["after"] - c["before"] == delta for c in changes)
    assert len(changes) + len(skipped) == len(before)


def test_undo_leaves_a_field_that_moved_since_and_one_whose_variant_is_gone():
    changes, _ = bulk_changes.decide("set_stock", {"quantity": 9}, _product((1, 1, 1), [1, 2, 3]))
    now = _product((1, 1), [9, 7])  # the second variant sold two since; the third was deleted
    undo, skipped = bulk_changes.revert(changes, now)
    assert _values(undo) == [(9, 1)]
    assert [(s["variant_id"], s["reason"]) for s in skipped] == [
        ("P1_1", "changed since (now 7, the edit set 9)"),
        ("P1_2", "the variant was deleted since"),
    ]
