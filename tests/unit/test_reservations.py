"""The reservation transaction on (emulated) DynamoDB: its conditions, not any lock, stop an oversell."""

import pytest

from chalicelib import keys, stock
from chalicelib.db import DiscountRecord, DiscountUse, ReservationRecord, VariantRecord


@pytest.fixture
def tenant(aws):
    return keys.new_id()


def _variant(tenant_id: str, quantity: int) -> str:
    product_id = keys.new_id()
    variant_id = keys.new_variant_id(product_id)
    VariantRecord(
        tenant_id,
        keys.variant_sk(variant_id),
        variant_id=variant_id,
        product_id=product_id,
        sku="S",
        title="Default",
        price=100,
        currency="USD",
        inventory_quantity=quantity,
    ).save()
    return variant_id


def _stock(tenant_id: str, variant_id: str) -> int:
    return int(VariantRecord.get(tenant_id, keys.variant_sk(variant_id), consistent_read=True).inventory_quantity)


def _reserve(tenant_id, checkout_id, items, discount=None, email="a@example.com"):
    return stock.reserve(
        tenant_id,
        checkout_id,
        items=items,
        discount=discount,
        email=email,
        seconds=900,
        execution_arn="arn:aws:states:us-east-1:123456789012:execution:x:" + checkout_id,
    )


def test_the_condition_refuses_the_unit_after_the_last(tenant):
    variant = _variant(tenant, 1)
    first, second = keys.new_id(), keys.new_id()
    assert _reserve(tenant, first, [(variant, 1)]).status == "held"
    with pytest.raises(stock.OutOfStock):
        _reserve(tenant, second, [(variant, 1)])
    assert _stock(tenant, variant) == 0
    assert stock.get(tenant, second) is None  # all or nothing: no record for the refused one


def test_a_multi_line_reservation_takes_nothing_when_one_line_is_short(tenant):
    plenty, scarce = _variant(tenant, 10), _variant(tenant, 1)
    with pytest.raises(stock.OutOfStock):
        _reserve(tenant, keys.new_id(), [(plenty, 3), (scarce, 2)])
    assert (_stock(tenant, plenty), _stock(tenant, scarce)) == (10, 1)


def test_reserving_again_for_the_same_checkout_changes_nothing(tenant):
    variant = _variant(tenant, 5)
    checkout_id = keys.new_id()
    _reserve(tenant, checkout_id, [(variant, 2)])
    again = _reserve(tenant, checkout_id, [(variant, 2)])
    assert again.status == "held" and _stock(tenant, variant) == 3


def test_release_gives_back_once(tenant):
    variant = _variant(tenant, 5)
    checkout_id = keys.new_id()
    _reserve(tenant, checkout_id, [(variant, 2)])
    assert stock.release(tenant, checkout_id) is True
    assert stock.release(tenant, checkout_id) is False
    assert _stock(tenant, variant) == 5
    assert ReservationRecord.get(tenant, keys.reservation_sk(checkout_id)).gsi2pk is None  # off the sweeper's list


def _discount(tenant: str, code: str, **terms) -> None:
    """A discount code of the shop, not used yet."""
    DiscountRecord(
        tenant, keys.discount_sk(code), code=code, times_used=0, created_at="2026-01-01T00:00:00Z", **terms
    ).save()


def test_a_limited_discount_is_used_at_most_its_limit(tenant):
    variant = _variant(tenant, 10)
    _discount(tenant, "TWICE", type="percentage", value=10, usage_limit=2)
    code = {"code": "TWICE", "limited": True, "once_per_customer": False}
    _reserve(tenant, keys.new_id(), [(variant, 1)], code)
    _reserve(tenant, keys.new_id(), [(variant, 1)], code)
    with pytest.raises(stock.DiscountUnavailable):
        _reserve(tenant, keys.new_id(), [(variant, 1)], code)
    assert int(DiscountRecord.get(tenant, keys.discount_sk("TWICE")).times_used) == 2
    assert _stock(tenant, variant) == 8  # the refused checkout took no stock either


def test_once_per_customer_claims_the_email_and_release_frees_it(tenant):
    variant = _variant(tenant, 10)
    _discount(tenant, "HELLO", type="free_shipping", once_per_customer=True)
    code = {"code": "HELLO", "limited": False, "once_per_customer": True}
    first = keys.new_id()
    _reserve(tenant, first, [(variant, 1)], code, email="ann@example.com")
    with pytest.raises(stock.DiscountUnavailable):
        _reserve(tenant, keys.new_id(), [(variant, 1)], code, email="ann@example.com")
    _reserve(tenant, keys.new_id(), [(variant, 1)], code, email="bob@example.com")
    stock.release(tenant, first)
    assert DiscountUse.count(tenant, DiscountUse.sk == keys.discount_use_sk("HELLO", "ann@example.com")) == 0
    _reserve(tenant, keys.new_id(), [(variant, 1)], code, email="ann@example.com")
