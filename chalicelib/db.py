"""PynamoDB models: one class per item type, keys built only by `keys.py`."""

import functools
from collections.abc import Callable
from typing import Any, Self

from pynamodb.attributes import (
    BooleanAttribute,
    DiscriminatorAttribute,
    ListAttribute,
    MapAttribute,
    NumberAttribute,
    UnicodeAttribute,
    VersionAttribute,
)
from pynamodb.connection import Connection
from pynamodb.exceptions import DeleteError, DoesNotExist, PutError, TransactWriteError, UpdateError
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex
from pynamodb.models import Model

from . import isolation, keys, settings
from .errors import NotFound

# Maps and lists stored as they are: PynamoDB hands maps back as MapAttribute (`plain` makes them dicts).
Document = MapAttribute[str, Any]
Documents = ListAttribute[Any]


def plain(value):
    """A stored value as plain dicts and lists (PynamoDB hands maps back as MapAttribute)."""
    if hasattr(value, "as_dict"):
        return value.as_dict()
    if isinstance(value, list):
        return [plain(v) for v in value]
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    return value


@functools.cache
def connection() -> Connection:
    """For TransactWrite/TransactGet across models. One per container: each Connection builds its
    own botocore client on first use (~0.3 s), so a fresh one per transaction made every write slow."""
    connection = Connection(region=settings.REGION)
    isolation.scope(connection.client)  # a transaction on the tenant table alone runs as the bound tenant
    return connection


def failed_conditions(tx, error) -> set[tuple[str, str]]:
    """(pk, sk) of every item of a cancelled TransactWrite whose condition failed. PynamoDB sends
    condition checks, then deletes, puts and updates, whatever order they were added in, and
    DynamoDB's cancellation reasons follow the order sent."""
    sent = tx._condition_check_items + tx._delete_items + tx._put_items + tx._update_items
    failed = set()
    for op, reason in zip(sent, error.cancellation_reasons or [], strict=False):
        if reason is not None and reason.code == "ConditionalCheckFailed":
            key = op.get("Key") or op.get("Item")
            failed.add((key["pk"]["S"], key["sk"]["S"]))
    return failed


def condition_failed(error: Exception) -> bool:
    """Did this write fail only because its condition did not hold (for a transaction: an item's condition)?"""
    if isinstance(error, TransactWriteError):
        return any(r is not None and r.code == "ConditionalCheckFailed" for r in error.cancellation_reasons or [])
    return getattr(error, "cause_response_code", None) == "ConditionalCheckFailedException"


def conditionally(write: Callable, *args, otherwise: Exception | None = None, **kwargs) -> bool:
    """Runs one conditional write, `write(*args, **kwargs)` (a save, update or delete, or a function that
    commits a TransactWrite): True if it happened; when its condition did not hold, False, or `otherwise`
    raised. Any other failure (throttling, a transaction conflict) propagates."""
    try:
        write(*args, **kwargs)
        return True
    except (PutError, UpdateError, DeleteError, TransactWriteError) as e:
        if not condition_failed(e):
            raise
        if otherwise is not None:
            raise otherwise from None
        return False


class NewestFirstIndex(GlobalSecondaryIndex):
    """gsi1: every item of one kind in a shop, newest first (the merchant admin's lists of products, orders
    and returns; keys.py builds the <tid>#PRODUCTS-style keys)."""

    class Meta:
        index_name = "gsi1"
        projection = AllProjection()

    gsi1pk = UnicodeAttribute(hash_key=True)
    gsi1sk = UnicodeAttribute(range_key=True)


class SparseIndex(GlobalSecondaryIndex):
    """gsi2, sparse: only items in the state a list wants carry its keys (active products for the storefront,
    reservations still holding stock for the sweeper, orders with a refund pending for the reconciler,
    checkouts and returns that need attention)."""

    class Meta:
        index_name = "gsi2"
        projection = AllProjection()

    gsi2pk = UnicodeAttribute(hash_key=True)
    gsi2sk = UnicodeAttribute(range_key=True)


class StockLevelIndex(GlobalSecondaryIndex):
    """gsi3: a shop's variants sorted by `inventory_quantity` itself: every stock write keeps it in order."""

    class Meta:
        index_name = "gsi3"
        projection = AllProjection()

    gsi3pk = UnicodeAttribute(hash_key=True)
    inventory_quantity = NumberAttribute(range_key=True)


class TenantItem(Model):
    """Any item of the tenant table; a query on this class yields each item as its own type."""

    class Meta:
        table_name = settings.TENANT_TABLE
        region = settings.REGION

    pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)
    kind = DiscriminatorAttribute()
    # Checkouts and returns a person must look at, of every kind in one partition (attention.py).
    needing_attention = SparseIndex()

    @classmethod
    def _get_connection(cls):
        """Every item type's connection signs as the request's tenant (chalicelib/isolation.py)."""
        connection = super()._get_connection()
        isolation.scope(connection.connection.client)
        return connection

    @classmethod
    def by_id(
        cls, tenant_id: str, item_id: str, sk_of: Callable[[str], str], what: str, *, consistent: bool = True
    ) -> Self:
        """The shop's `what` with this id (its sort key `sk_of(item_id)`); NotFound for an unknown id or for
        one that is no id at all (a path segment a shopper typed)."""
        if not keys.is_id(item_id):
            raise NotFound(f"No such {what}")
        try:
            return cls.get(tenant_id, sk_of(item_id), consistent_read=consistent)
        except DoesNotExist:
            raise NotFound(f"No such {what}") from None


class PlatformItem(Model):
    class Meta:
        table_name = settings.PLATFORM_TABLE
        region = settings.REGION

    pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)
    kind = DiscriminatorAttribute()


class ShopRecord(TenantItem, discriminator="shop"):
    tenant_id = UnicodeAttribute()
    name = UnicodeAttribute()
    subdomain = UnicodeAttribute()
    currency = UnicodeAttribute()
    locale = UnicodeAttribute(default="en")  # before `languages`: what a shop without them speaks
    languages: Documents = ListAttribute(default=list)  # tags, primary first (languages.of_shop)
    status = UnicodeAttribute(default="active")  # active | suspended
    plan = UnicodeAttribute(default="starter")
    owner_email = UnicodeAttribute()
    custom_domain = UnicodeAttribute(null=True)  # pending until DNS proves it (domains.py)
    domain_token = UnicodeAttribute(null=True)  # what its TXT record must say
    domain_verified_at = UnicodeAttribute(null=True)
    theme: Document = MapAttribute(default=dict)
    settings: Document = MapAttribute(default=dict)
    onboarded = BooleanAttribute(default=False)
    created_at = UnicodeAttribute()
    gsi2pk = UnicodeAttribute(null=True)  # keys.ONBOARDING_SHOPS until onboarded
    gsi2sk = UnicodeAttribute(null=True)

    onboarding = SparseIndex()


class ProductRecord(TenantItem, discriminator="product"):
    product_id = UnicodeAttribute()
    title = UnicodeAttribute()
    handle = UnicodeAttribute()
    description = UnicodeAttribute(default="")
    status = UnicodeAttribute()
    images: Documents = ListAttribute(default=list)  # [{key, alt}]
    seo: Document = MapAttribute(default=dict)
    translations: Document = MapAttribute(default=dict)  # {language: {title, description, handle}}
    option_names: Documents = ListAttribute(default=list)
    variant_ids: Documents = ListAttribute(default=list)  # display order
    category = UnicodeAttribute(null=True)  # the merchant's grouping (a return policy may make one final sale)
    search_text = UnicodeAttribute(null=True)  # lowercased title, handle and SKUs: the admin's search filters on it
    price_min = NumberAttribute()
    price_max = NumberAttribute()
    currency = UnicodeAttribute()
    created_at = UnicodeAttribute()
    updated_at = UnicodeAttribute()
    gsi1pk = UnicodeAttribute()
    gsi1sk = UnicodeAttribute()
    gsi2pk = UnicodeAttribute(null=True)
    gsi2sk = UnicodeAttribute(null=True)
    version = VersionAttribute()

    all_products = NewestFirstIndex()
    active_products = SparseIndex()


class VariantRecord(TenantItem, discriminator="variant"):
    variant_id = UnicodeAttribute()
    product_id = UnicodeAttribute()
    sku = UnicodeAttribute()
    title = UnicodeAttribute()
    price = NumberAttribute()
    compare_at_price = NumberAttribute(null=True)  # the "was" price a sale shows struck through
    currency = UnicodeAttribute()
    inventory_quantity = NumberAttribute()  # available to sell: checkouts in progress have taken theirs out
    options: Document = MapAttribute(default=dict)
    gsi3pk = UnicodeAttribute(null=True)  # keys.stock_levels_gsi
    stock_levels = StockLevelIndex()


class HandleClaim(TenantItem, discriminator="handle"):
    product_id = UnicodeAttribute()


class Claim(PlatformItem, discriminator="claim"):
    """Uniqueness claim (subdomain, custom domain, email); email claims carry the login."""

    tenant_id = UnicodeAttribute(null=True)
    user_id = UnicodeAttribute(null=True)
    role = UnicodeAttribute(null=True)  # merchant | operator, on email claims
    password_hash = UnicodeAttribute(null=True)
    # Sessions (accounts.py): tokens of an older generation, and those logged out (token id -> its expiry), are refused.
    token_generation = NumberAttribute(default=0)
    revoked_tokens: Document = MapAttribute(default=dict)
    created_at = UnicodeAttribute()


class TenantEntry(PlatformItem, discriminator="tenant"):
    """The operator's registry of tenants, one partition, sorted by tenant id (= signup time)."""

    tenant_id = UnicodeAttribute()
    subdomain = UnicodeAttribute()
    created_at = UnicodeAttribute()


# Checkout and orders ----------------------------------------------------


class CartRecord(TenantItem, discriminator="cart"):
    """A shopper's cart; `lines` maps variant id -> {quantity, price, title, ...} (snapshots at add time)."""

    cart_id = UnicodeAttribute()
    currency = UnicodeAttribute()
    status = UnicodeAttribute(default="open")  # carts.TRANSITIONS
    lines: Document = MapAttribute(default=dict)
    checkout_id = UnicodeAttribute(null=True)
    created_at = UnicodeAttribute()
    updated_at = UnicodeAttribute()
    expires_at = NumberAttribute()  # TTL (epoch seconds); reads treat a passed one as gone
    version = NumberAttribute(default=0)  # bumped by every change: lost updates fail their condition


class CheckoutRecord(TenantItem, discriminator="checkout"):
    """One checkout attempt of a cart: the quote it will charge and where its workflow stands."""

    checkout_id = UnicodeAttribute()
    cart_id = UnicodeAttribute()
    order_id = UnicodeAttribute()  # chosen up front, so a retried CreateOrder writes the same order
    status = UnicodeAttribute()  # checkout.TRANSITIONS
    email = UnicodeAttribute()
    shipping_address: Document = MapAttribute()
    # [{variant_id, product_id, sku, title, variant_title, quantity, price}]
    lines: Documents = ListAttribute(default=list)
    quote: Document = MapAttribute()  # pricing.Quote.to_dict()
    discount: Document = MapAttribute(null=True)  # {code, limited, once_per_customer}
    storefront_base = UnicodeAttribute()  # where the shopper's pages are, in the language they checked out in
    language = UnicodeAttribute(null=True)  # the shopper's: the order's emails speak it
    reservation_seconds = NumberAttribute()
    execution_arn = UnicodeAttribute(null=True)
    task_token = UnicodeAttribute(null=True)
    payment_session: Document = MapAttribute(null=True)  # {id, url, account_id, expires_at}
    payment: Document = MapAttribute(null=True)  # {payment_intent, amount, currency, event_id}: set once paid
    payment_event = UnicodeAttribute(null=True)  # succeeded | declined | expired: what Stripe told us last
    late_payment: Document = MapAttribute(null=True)  # a payment that came after the stock went back: refunded
    failure_reason = UnicodeAttribute(null=True)
    refund: Document = MapAttribute(null=True)  # {refund_id, amount, status}: the payment given back (RefundPayment)
    needs_attention: Document = MapAttribute(null=True)  # {reason, error, since}: attention.py
    created_at = UnicodeAttribute()
    updated_at = UnicodeAttribute()
    gsi2pk = UnicodeAttribute(null=True)
    gsi2sk = UnicodeAttribute(null=True)


class ReservationRecord(TenantItem, discriminator="reservation"):
    """Stock (and a limited discount's use) taken out for one checkout until it is paid or released."""

    checkout_id = UnicodeAttribute()
    status = UnicodeAttribute()  # held | released | converted
    items: Documents = ListAttribute(default=list)  # [{variant_id, quantity}]
    discount_code = UnicodeAttribute(null=True)
    discount_limited = BooleanAttribute(default=False)
    discount_use_email = UnicodeAttribute(null=True)  # once_per_customer claim to drop on release
    expires_at = NumberAttribute()  # epoch seconds, informational (the workflow's timer is the clock)
    execution_arn = UnicodeAttribute(null=True)
    created_at = UnicodeAttribute()
    gsi2pk = UnicodeAttribute(null=True)
    gsi2sk = UnicodeAttribute(null=True)

    held = SparseIndex()


class DiscountRecord(TenantItem, discriminator="discount"):
    code = UnicodeAttribute()  # as the merchant typed it; the key holds it upper-cased
    type = UnicodeAttribute()  # pricing.DISCOUNT_TYPES
    value = NumberAttribute(default=0)
    starts_at = UnicodeAttribute(null=True)
    ends_at = UnicodeAttribute(null=True)
    usage_limit = NumberAttribute(null=True)
    minimum_subtotal = NumberAttribute(null=True)
    once_per_customer = BooleanAttribute(default=False)
    times_used = NumberAttribute(default=0)  # reserved or paid uses
    created_at = UnicodeAttribute()


class DiscountUse(TenantItem, discriminator="discount_use"):
    """One email's use of a once-per-customer discount."""

    checkout_id = UnicodeAttribute()


class OrderRecord(TenantItem, discriminator="order"):
    order_id = UnicodeAttribute()
    number = NumberAttribute()
    checkout_id = UnicodeAttribute()
    email = UnicodeAttribute()
    language = UnicodeAttribute(null=True)  # the one the shopper checked out in (emails speak it); None: before them
    currency = UnicodeAttribute()
    shipping_address: Document = MapAttribute()
    cart_id = UnicodeAttribute(null=True)
    lines: Documents = ListAttribute(default=list)  # snapshots + per-unit discount and tax allocations
    quote: Document = MapAttribute()  # pricing.Quote.to_dict(): refunds read the allocation from here
    subtotal = NumberAttribute()
    discount_total = NumberAttribute()
    shipping_total = NumberAttribute()
    tax_total = NumberAttribute()
    total = NumberAttribute()
    discount_code = UnicodeAttribute(null=True)
    financial_status = UnicodeAttribute()
    # fulfillment_status is not stored: it derives from `fulfilments` (orders.fulfillment_status_of).
    refunded_total = NumberAttribute(default=0)  # refunds Stripe reported succeeded: never above `total`
    cancelled_at = UnicodeAttribute(null=True)
    cancel_reason = UnicodeAttribute(null=True)
    # After the sale. Every change below is one write conditional on `revision` (orders.change).
    revision = NumberAttribute(default=0)
    fulfilments: Documents = ListAttribute(default=list)  # [{id, status, method, items, carrier, tracking_number, ...}]
    # [{id, key, amount, lines, shipping, status, stripe_refund_id, ...}]
    refunds: Documents = ListAttribute(default=list)
    return_claims: Document = MapAttribute(default=dict)  # variant id -> units held by returns not rejected or expired
    restocked: Document = MapAttribute(default=dict)  # variant id -> units put back in stock (returns, cancellation)
    # {provider, payment_intent, session_id, account_id, application_fee_amount}
    payment: Document = MapAttribute(null=True)
    timeline: Documents = ListAttribute(default=list)  # [{at, type, message}]
    confirmation_sent_at = UnicodeAttribute(null=True)
    event_emitted_at = UnicodeAttribute(null=True)
    created_at = UnicodeAttribute()
    gsi1pk = UnicodeAttribute()
    gsi1sk = UnicodeAttribute()
    gsi2pk = UnicodeAttribute(null=True)
    gsi2sk = UnicodeAttribute(null=True)

    all_orders = NewestFirstIndex()
    pending_refunds = SparseIndex()


class ReturnRecord(TenantItem, discriminator="return"):
    """A shopper's return of some units of one order; its status moves by returns.TRANSITIONS."""

    return_id = UnicodeAttribute()
    order_id = UnicodeAttribute()
    order_number = NumberAttribute()
    email = UnicodeAttribute()
    status = UnicodeAttribute()
    reason = UnicodeAttribute()
    resolution = UnicodeAttribute(default="refund")  # refund | store_credit | exchange
    items: Documents = ListAttribute(default=list)  # [{variant_id, quantity, reason, exchange_for}]
    received: Documents = ListAttribute(null=True)  # [{variant_id, quantity, condition}] as inspected
    policy: Document = MapAttribute(default=dict)  # the policy terms this return was accepted under
    expected_refund = NumberAttribute(default=0)
    exchange: Document = MapAttribute(null=True)  # {items, cost, credit, difference, reservation}
    outcome: Document = MapAttribute(null=True)  # {refund_id, amount} | {code, amount} | {difference, ...}
    restocked_at = UnicodeAttribute(null=True)
    task_token = UnicodeAttribute(null=True)
    waiting_in = UnicodeAttribute(null=True)  # the status whose end completes task_token
    notified: Document = MapAttribute(default=dict)  # event -> when the shopper was emailed about it
    status_url = UnicodeAttribute(null=True)
    history: Documents = ListAttribute(default=list)  # [{at, status}]
    needs_attention: Document = MapAttribute(null=True)  # {reason, error, since}: attention.py
    rejection_reason = UnicodeAttribute(null=True)  # the merchant's word when rejecting, shown to the shopper
    created_at = UnicodeAttribute()
    updated_at = UnicodeAttribute()
    gsi1pk = UnicodeAttribute()
    gsi1sk = UnicodeAttribute()
    gsi2pk = UnicodeAttribute(null=True)
    gsi2sk = UnicodeAttribute(null=True)

    all_returns = NewestFirstIndex()
    to_handle = SparseIndex()  # in `<tid>#RETURNS_TO_HANDLE` while the merchant has something to do


class TrackingClaim(TenantItem, discriminator="tracking"):
    """A tracking number of this shop: a carrier's webhook finds its fulfilment through it."""

    order_id = UnicodeAttribute()
    fulfilment_id = UnicodeAttribute()


class OrderNumber(TenantItem, discriminator="order_number"):
    order_id = UnicodeAttribute()
    email = UnicodeAttribute()


class OrderCounter(TenantItem, discriminator="counter"):
    last_number = NumberAttribute(default=0)
    to_fulfil = NumberAttribute(default=0)  # orders.awaits_fulfilment, moved by the writes that change it


class PaymentAccount(TenantItem, discriminator="payment_account"):
    """The shop's Stripe connected account and what Stripe last said about it."""

    account_id = UnicodeAttribute()
    charges_enabled = BooleanAttribute(default=False)
    payouts_enabled = BooleanAttribute(default=False)
    details_submitted = BooleanAttribute(default=False)
    status_at = NumberAttribute(default=0)  # Stripe's time of the status we hold: older news is ignored
    created_at, updated_at = UnicodeAttribute(), UnicodeAttribute()


class StripeEventRecord(PlatformItem, discriminator="stripe_event"):
    """A webhook event taken for processing (dedupe by event id); dropped again if processing fails."""

    type = UnicodeAttribute()
    received_at = UnicodeAttribute()
