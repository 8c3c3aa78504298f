"""The key design, owned here: nothing else builds key strings.

Tenant table (every partition key starts with the tenant id, so IAM's
`dynamodb:LeadingKeys` can confine a request to `<tenant_id>*`):

| item            | pk            | sk                                   | gsi1 (admin list)            | gsi2 (storefront list)        |
|-----------------|---------------|--------------------------------------|------------------------------|-------------------------------|
| shop profile    | <tid>         | SHOP                                 |                              | ONBOARDING / <tid> (until onboarded) |
| product         | <tid>         | PRODUCT#<pid>                        | <tid>#PRODUCTS / <pid>       | <tid>#ACTIVE / <pid> (active) |
| variant         | <tid>         | PRODUCT#<pid>#VARIANT#<vid>          |                              |                               |
|                 |               |                                      | gsi3: <tid>#STOCK / inventory_quantity (a number) |        |
| handle claim    | <tid>         | HANDLE#<handle>                      |                              |                               |
| translated handle | <tid>       | LHANDLE#<language>#<handle>          |                              |                               |
| cart            | <tid>         | CART#<cart_id>                       |                              |                               |
| checkout        | <tid>         | CHECKOUT#<checkout_id>               |                              | <tid>#ATTENTION / <kind>#<id> (needs attention only) |
| reservation     | <tid>         | RESERVATION#<checkout_id>            |                              | HELD / <expires>#<tid>#<cid> (held only) |
| discount        | <tid>         | DISCOUNT#<CODE>                      |                              |                               |
| discount use    | <tid>         | DISCOUNTUSE#<CODE>#<email>           |                              |                               |
| order           | <tid>         | ORDER#<order_id>                     | <tid>#ORDERS / <order_id>    | REFUNDS_PENDING / <since>#<tid>#<oid> (a refund pending only) |
| order number    | <tid>         | ORDERNUMBER#<000000000042>           |                              |                               |
| order counter   | <tid>         | COUNTER#ORDERS (also: orders to fulfil) |                           |                               |
| payment account | <tid>         | PAYMENTS                             |                              |                               |
| return          | <tid>         | RETURN#<return_id>                   | <tid>#RETURNS / <return_id>  | <tid>#ATTENTION / <kind>#<id> (needs attention only); <tid>#RETURNS_TO_HANDLE / RETURN#<rid> (requested, approved, in transit) |
| sales of a day  | <tid>         | SALES#<yyyy-mm-dd>                   |                              |                               |
| tracking claim  | <tid>         | TRACKING#<TRACKING NUMBER>           |                              |                               |
| bulk edit       | <tid>         | BULKEDIT#<bulk_edit_id>              | <tid>#BULKEDITS / <id>       |                               |
| bulk edit chunk | <tid>         | BULKEDIT#<bulk_edit_id>#CHUNK#<00042>|                              |                               |
| template draft  | <tid>         | THEME#<theme>#DRAFT                  |                              |                               |
| template version| <tid>         | THEME#<theme>#VERSION#<000042>       |                              |                               |
| lookup counter  | <tid>         | THROTTLE#ORDER_LOOKUP#<address>      |                              |                               |
| media item      | <tid>         | MEDIA#<media_id>                     |                              |                               |
| audit entry     | <tid>#AUDIT   | <at>#<entry_id>                      | <tid>#AUDIT#<type>#<rid> / <at>#<entry_id> | <tid>#AUDIT#<type> / <at>#<entry_id> |

Access patterns of the checkout: a cart, checkout, reservation or order is one
GetItem by id; the merchant's orders are gsi1 newest first; an order number
finds its order through its ORDERNUMBER item (shopper lookup); the sweeper
reads every held reservation of every shop from the sparse gsi2 partition
`HELD` (an item leaves it when released or turned into an order). A shop
sits in gsi2 `ONBOARDING` from signup until its onboarding workflow marks it
onboarded: the onboarding sweeper starts the workflows that never started. The refund
reconciler reads every order with a refund still pending from the partition
`REFUNDS_PENDING`, oldest pending refund first (an order leaves it when none is).

After the sale: an order's fulfilments and refunds live inside the order item
(one conditional write changes the order and what derives from it together);
a return is its own item (its own lifecycle), listed for the merchant by gsi1
`<tid>#RETURNS` newest first; a carrier's webhook names a tracking number,
whose TRACKING item leads to the order and fulfilment in one GetItem. An
exchange's replacement units are held by a RESERVATION item keyed by the
return id (ids never collide with checkout ids).

A bulk edit and its chunks (the products one workflow step edits, and what it did to each) share the
prefix `BULKEDIT#<id>`: its progress is one Query.

The audit log (audit.py) is a partition of its own per shop, `<tid>#AUDIT`, sorted by when each change
happened: the whole log newest first, or a time window of it, is one Query; one resource's history is
gsi1, one type of resource's gsi2. Entries are put once and never updated or deleted.

Platform table (never reachable with tenant-scoped credentials):

| item            | pk                   | sk     |
|-----------------|----------------------|--------|
| subdomain claim | SUBDOMAIN#<sub>      | CLAIM  |
| custom domain   | DOMAIN#<host>        | CLAIM  |
| login (email)   | EMAIL#<email>        | CLAIM  |
| tenant registry | TENANTS              | <tid>  |
| Stripe event    | STRIPE_EVENT#<evt_id>| EVENT  |
| Stripe account  | STRIPE_ACCOUNT#<id>  | CLAIM  |
| an email's limits | ACCOUNT#<sha256 of email> | THROTTLE#<LOGIN or RESET_MAIL> |
| client's requests | CLIENT#<address>   | THROTTLE#<LOGIN, SIGNUP or PASSWORD_RESET> |
| password reset  | RESET#<sha256 of the link's token> | RESET |

Rate-limit counters (throttle.py, `THROTTLE#...`) and reset tokens carry a TTL, `expires_at`.

A custom domain's claim exists once DNS proved the domain (domains.verify), never while it is pending.

The merchant's home page (kpis.py) reads its figures without reading orders: each day's sales are one
SALES item (counted in the order's creation transaction and by each refund that succeeds), orders still to
fulfil a count on the order counter (kept by the same writes that change an order), returns to handle the
sparse gsi2 partition `<tid>#RETURNS_TO_HANDLE` (kept by the return's lifecycle; a return only needs
attention once it left it), and low stock a range of gsi3, whose sort key is the variant's stock itself:
DynamoDB keeps it in order whatever write moves the stock.

Ids are time-ordered (ULID-like), so sorting by id sorts by creation.
A variant id embeds its product id (`<pid>_<suffix>`): a cart line can then
reach the variant item with one GetItem. Clients treat ids as opaque.
"""

import hashlib
import os
import re
import time
from datetime import datetime

_CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
_ID_RE = re.compile(r"^[0-9A-HJKMNP-TV-Z]{26}$")


def _b32(value: int, length: int) -> str:
    out = []
    for _ in range(length):
        out.append(_CROCKFORD[value & 31])
        value >>= 5
    return "".join(reversed(out))


def new_id() -> str:
    """48 bits of milliseconds + 80 random bits, 26 Crockford base32 chars."""
    ms = int(time.time() * 1000)
    return _b32(ms, 10) + _b32(int.from_bytes(os.urandom(10), "big"), 16)


def first_id_at(moment: datetime) -> str:
    """The smallest id made at or after `moment`: the lower bound of an id range by creation time."""
    return _b32(int(moment.timestamp() * 1000), 10) + _CROCKFORD[0] * 16


def is_id(value) -> bool:
    return isinstance(value, str) and bool(_ID_RE.match(value))


def new_variant_id(product_id: str) -> str:
    return f"{product_id}_{_b32(int.from_bytes(os.urandom(5), 'big'), 8)}"


def product_id_of_variant(variant_id) -> str | None:
    """The product a variant id belongs to, or None if it is not a variant id."""
    if not isinstance(variant_id, str) or variant_id.count("_") != 1:
        return None
    product_id, suffix = variant_id.split("_")
    if not is_id(product_id) or not re.fullmatch(r"[0-9A-HJKMNP-TV-Z]{8}", suffix):
        return None
    return product_id


# Tenant table
SHOP_SK = "SHOP"


def product_sk(product_id: str) -> str:
    return f"PRODUCT#{product_id}"


def variant_sk(variant_id: str) -> str:
    return f"PRODUCT#{product_id_of_variant(variant_id)}#VARIANT#{variant_id}"


def handle_sk(handle: str) -> str:
    return f"HANDLE#{handle}"


def translated_handle_sk(language: str, handle: str) -> str:
    """A product's handle in one of the shop's other languages: unique within that language."""
    return f"LHANDLE#{language}#{handle}"


def products_gsi(tenant_id: str) -> str:
    return f"{tenant_id}#PRODUCTS"


def active_products_gsi(tenant_id: str) -> str:
    return f"{tenant_id}#ACTIVE"


# Platform table
CLAIM_SK = "CLAIM"
TENANTS_PK = "TENANTS"


def subdomain_claim(subdomain: str) -> str:
    return f"SUBDOMAIN#{subdomain}"


def domain_claim(host: str) -> str:
    return f"DOMAIN#{host}"


def email_claim(email: str) -> str:
    return f"EMAIL#{email}"


# Accounts and rate limits (platform table, but for a shop's own counters)
RESET_SK = "RESET"


def email_counters(email: str) -> str:
    """An email's rate-limit counters, keyed by its hash: they are kept for any email typed, account or not."""
    return f"ACCOUNT#{hashlib.sha256(email.encode()).hexdigest()}"


def client(address: str) -> str:
    """The partition of one client (the source address the gateway saw)."""
    return f"CLIENT#{address}"


def throttle_sk(action: str, address: str | None = None) -> str:
    return f"THROTTLE#{action.upper()}" + (f"#{address}" if address else "")


def password_reset(token_hash: str) -> str:
    return f"RESET#{token_hash}"


# Checkout and orders (tenant table)
PAYMENTS_SK = "PAYMENTS"
ORDER_COUNTER_SK = "COUNTER#ORDERS"
HELD_RESERVATIONS = "HELD"
PENDING_REFUNDS = "REFUNDS_PENDING"
ONBOARDING_SHOPS = "ONBOARDING"


def cart_sk(cart_id: str) -> str:
    return f"CART#{cart_id}"


def checkout_sk(checkout_id: str) -> str:
    return f"CHECKOUT#{checkout_id}"


def reservation_sk(checkout_id: str) -> str:
    return f"RESERVATION#{checkout_id}"


def held_reservation_gsi(expires_at: int, tenant_id: str, checkout_id: str) -> str:
    return f"{expires_at:012d}#{tenant_id}#{checkout_id}"


def pending_refund_gsi(since: str, tenant_id: str, order_id: str) -> str:
    return f"{since}#{tenant_id}#{order_id}"


def discount_sk(code: str) -> str:
    return f"DISCOUNT#{code.upper()}"


def discount_use_sk(code: str, email: str) -> str:
    return f"DISCOUNTUSE#{code.upper()}#{email}"


def order_sk(order_id: str) -> str:
    return f"ORDER#{order_id}"


def orders_gsi(tenant_id: str) -> str:
    return f"{tenant_id}#ORDERS"


def order_number_sk(number: int) -> str:
    return f"ORDERNUMBER#{number:012d}"


# Payments (platform table)
def stripe_event(event_id: str) -> str:
    return f"STRIPE_EVENT#{event_id}"


STRIPE_EVENT_SK = "EVENT"


def stripe_account_claim(account_id: str) -> str:
    return f"STRIPE_ACCOUNT#{account_id}"


# After the sale (tenant table)
def return_sk(return_id: str) -> str:
    return f"RETURN#{return_id}"


def returns_gsi(tenant_id: str) -> str:
    return f"{tenant_id}#RETURNS"


def attention_gsi(tenant_id: str) -> str:
    """The sparse gsi2 partition of a shop's checkouts and returns that need a person (attention.py)."""
    return f"{tenant_id}#ATTENTION"


def attention_gsi_sort(kind: str, record_id: str) -> str:
    return f"{record_id}#{kind}"  # ids are time-ordered: newest first across kinds


def returns_to_handle_gsi(tenant_id: str) -> str:
    """The sparse gsi2 partition of a shop's returns waiting for the merchant (sorted by the return's sk)."""
    return f"{tenant_id}#RETURNS_TO_HANDLE"


def stock_levels_gsi(tenant_id: str) -> str:
    """gsi3's partition of a shop's variants, sorted by their stock (`inventory_quantity`)."""
    return f"{tenant_id}#STOCK"


def sales_day_sk(day: str) -> str:
    """One day's sales (`day` is yyyy-mm-dd)."""
    return f"SALES#{day}"


def tracking_sk(tracking_number: str) -> str:
    return f"TRACKING#{tracking_number.strip().upper()}"


# Bulk edits (tenant table)
def media_sk(media_id: str) -> str:
    """An uploaded image's processing: its status, dimensions and sizes (media.py; the S3 object keys too)."""
    return f"MEDIA#{media_id}"


def bulk_edit_sk(bulk_edit_id: str) -> str:
    return f"BULKEDIT#{bulk_edit_id}"


def bulk_edit_chunk_sk(bulk_edit_id: str, chunk: int) -> str:
    return f"BULKEDIT#{bulk_edit_id}#CHUNK#{chunk:05d}"


def bulk_edits_gsi(tenant_id: str) -> str:
    return f"{tenant_id}#BULKEDITS"


# A merchant's edits of their theme's templates (tenant table): the draft and the published versions of each
# theme share a prefix, so a theme's versions, newest first, are one Query.
def template_draft_sk(theme: str) -> str:
    return f"THEME#{theme}#DRAFT"


def template_versions_prefix(theme: str) -> str:
    return f"THEME#{theme}#VERSION#"


def template_version_sk(theme: str, version: int) -> str:
    return f"{template_versions_prefix(theme)}{version:06d}"


# The audit log (tenant table)
def audit_log(tenant_id: str) -> str:
    return f"{tenant_id}#AUDIT"


def audit_sk(at: str, entry_id: str) -> str:
    """Sorted by the change's time (ISO 8601, to the second), then by id within a second."""
    return f"{at}#{entry_id}"


def audit_resource_gsi(tenant_id: str, resource_type: str, resource_id: str) -> str:
    return f"{tenant_id}#AUDIT#{resource_type}#{resource_id}"


def audit_type_gsi(tenant_id: str, resource_type: str) -> str:
    return f"{tenant_id}#AUDIT#{resource_type}"
