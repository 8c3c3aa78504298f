"""PynamoDB models: one class per item type, keys built only by `keys.py`."""
import functools

from pynamodb.attributes import (
    BooleanAttribute, DiscriminatorAttribute, ListAttribute, MapAttribute, NumberAttribute, UnicodeAttribute,
    VersionAttribute,
)
from pynamodb.connection import Connection
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex
from pynamodb.models import Model

from . import settings


@functools.lru_cache(maxsize=None)
def connection() -> Connection:
    """For TransactWrite/TransactGet across models. One per container: each Connection builds its
    own botocore client on first use (~0.3 s), so a fresh one per transaction made every write slow."""
    return Connection(region=settings.REGION)


class TenantItem(Model):
    """Any item of the tenant table; a query on this class yields each item as its own type."""
    class Meta:
        table_name = settings.TENANT_TABLE
        region = settings.REGION

    pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)
    kind = DiscriminatorAttribute()


class PlatformItem(Model):
    class Meta:
        table_name = settings.PLATFORM_TABLE
        region = settings.REGION

    pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)
    kind = DiscriminatorAttribute()


class ProductsIndex(GlobalSecondaryIndex):
    """Every product of a shop, newest first (merchant admin)."""
    class Meta:
        index_name = "gsi1"
        projection = AllProjection()

    gsi1pk = UnicodeAttribute(hash_key=True)
    gsi1sk = UnicodeAttribute(range_key=True)


class ActiveProductsIndex(GlobalSecondaryIndex):
    """Sparse: only active products carry gsi2 keys (storefront)."""
    class Meta:
        index_name = "gsi2"
        projection = AllProjection()

    gsi2pk = UnicodeAttribute(hash_key=True)
    gsi2sk = UnicodeAttribute(range_key=True)


class ShopRecord(TenantItem, discriminator="shop"):
    tenant_id = UnicodeAttribute()
    name = UnicodeAttribute()
    subdomain = UnicodeAttribute()
    currency = UnicodeAttribute()
    locale = UnicodeAttribute(default="en")
    status = UnicodeAttribute(default="active")  # active | suspended
    plan = UnicodeAttribute(default="starter")
    owner_email = UnicodeAttribute()
    custom_domain = UnicodeAttribute(null=True)
    theme = MapAttribute(default=dict)
    settings = MapAttribute(default=dict)
    onboarded = BooleanAttribute(default=False)
    created_at = UnicodeAttribute()


class ProductRecord(TenantItem, discriminator="product"):
    product_id = UnicodeAttribute()
    title = UnicodeAttribute()
    handle = UnicodeAttribute()
    description = UnicodeAttribute(default="")
    status = UnicodeAttribute()
    images = ListAttribute(default=list)  # [{key, alt}]
    seo = MapAttribute(default=dict)
    option_names = ListAttribute(default=list)
    variant_ids = ListAttribute(default=list)  # display order
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

    all_products = ProductsIndex()
    active_products = ActiveProductsIndex()


class VariantRecord(TenantItem, discriminator="variant"):
    variant_id = UnicodeAttribute()
    product_id = UnicodeAttribute()
    sku = UnicodeAttribute()
    title = UnicodeAttribute()
    price = NumberAttribute()
    currency = UnicodeAttribute()
    # Quantity available to sell: checkouts in progress have already taken theirs out.
    inventory_quantity = NumberAttribute()
    options = MapAttribute(default=dict)


class HandleClaim(TenantItem, discriminator="handle"):
    product_id = UnicodeAttribute()


class Claim(PlatformItem, discriminator="claim"):
    """Uniqueness claim (subdomain, custom domain, email); email claims carry the login."""
    tenant_id = UnicodeAttribute(null=True)
    user_id = UnicodeAttribute(null=True)
    role = UnicodeAttribute(null=True)  # merchant | operator, on email claims
    password_hash = UnicodeAttribute(null=True)
    created_at = UnicodeAttribute()


class TenantEntry(PlatformItem, discriminator="tenant"):
    """The operator's registry of tenants, one partition, sorted by tenant id (= signup time)."""
    tenant_id = UnicodeAttribute()
    subdomain = UnicodeAttribute()
    created_at = UnicodeAttribute()
