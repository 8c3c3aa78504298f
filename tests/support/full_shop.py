"""A shop with one of everything, for the suites that attack or fuzz every operation."""

import uuid

from tests.support.after_sale import AfterSale
from tests.support.api import Api, connect_payments, sign_up
from tests.support.shopping import session_of
from tests.support.wait import wait_for


class FullShop:
    """A paying shop with one of everything: products (one a draft), a discount, shipping and tax rates, a pickup
    location, a delivered order with a return asked for, a paid order not shipped yet, an open cart and a
    checkout awaiting payment. Its ids, emails, SKUs and titles are its own (each label and run apart)."""

    def __init__(self, api: Api, stripe, label: str):
        def paying_shop(currency: str = "USD"):
            merchant, signup = sign_up(api, currency)
            connect_payments(merchant, stripe)
            return merchant, signup

        shop = AfterSale(api, paying_shop)
        self.shop, self.subdomain, self.tenant_id = shop, shop.subdomain, shop.tenant_id
        self.host = f"{self.subdomain}.localhost:8000"
        self.token = shop.admin.token
        self.payment_account = shop.admin.get("/api/admin/payments/account").json["account_id"]
        self.merchant_email = f"{self.subdomain}@example.com"
        tag = uuid.uuid4().hex[:8]
        self.titles = [f"{label} Lamp {tag}", f"{label} Mug {tag}", f"{label} Secret Draft {tag}"]
        shirt = shop.product(qty=9, price=2000, title=self.titles[0])
        mug = shop.product(qty=9, price=800, title=self.titles[1])
        draft = shop.product(qty=3, price=500, title=self.titles[2], status="draft")
        self.variant_ids = [shirt, mug, draft]
        self.variant_id = shirt
        self.product_id = shirt.split("_")[0]
        self.product_ids = [v.split("_")[0] for v in self.variant_ids]
        products = [shop.admin.get(f"/api/admin/products/{p}").json for p in self.product_ids]
        self.handle = products[0]["handle"]
        self.skus = [v["sku"] for p in products for v in p["variants"]]

        self.discount_code = f"{label.upper()}{tag}".upper()
        assert (
            shop.admin.post(
                "/api/admin/discounts", {"code": self.discount_code, "type": "percentage", "value": 5}
            ).status_code
            == 201
        )
        shop.admin.request("PUT", "/api/admin/shipping-rates", {"rates": [{"name": f"{label} Post", "amount": 300}]})
        shop.admin.request("PUT", "/api/admin/tax-rates", {"rates": [{"country": "US", "rate_bp": 500}]})
        location = {
            "name": f"{label} Depot {tag}",
            "address": {"line1": "2 Side Street", "city": "Springfield", "postal_code": "12345", "country": "US"},
            "hours": "9-17",
        }
        put = shop.admin.request("PUT", "/api/admin/pickup-locations", {"locations": [location]})
        assert put.status_code == 200, put.body
        self.location_id = put.json["locations"][0]["id"]

        delivered = shop.paid_order(stripe, (shirt, 2), (mug, 1), discount_code=self.discount_code)
        self.tracking_number = f"TRK{tag}".upper()
        fulfilment = shop.fulfil(delivered["id"], {"tracking_number": self.tracking_number}).json
        shop.move(delivered["id"], fulfilment["id"], "in_transit")
        shop.move(delivered["id"], fulfilment["id"], "delivered")
        asked = shop.ask_return(delivered, [(shirt, 1)])
        assert asked.status_code == 201, asked.body
        open_order = shop.paid_order(stripe, (mug, 1))
        self.order_id, self.fulfilment_id, self.return_id = delivered["id"], fulfilment["id"], asked.json["id"]
        self.order_email, self.order_number = delivered["email"], delivered["number"]
        self.order_ids = [delivered["id"], open_order["id"]]
        self.emails = [self.merchant_email, delivered["email"], open_order["email"]]

        # A bulk edit (it changes nothing: the draft's stock is already 3), finished before anyone looks.
        edit = shop.admin.post(
            "/api/admin/bulk-edits",
            {"action": "set_stock", "params": {"quantity": 3}, "product_ids": [self.product_ids[2]]},
        )
        assert edit.status_code == 202, edit.body
        self.bulk_edit_id = edit.json["id"]
        wait_for(lambda: shop.admin.get(f"/api/admin/bulk-edits/{self.bulk_edit_id}").json["finished_at"])

        self.cart_id = shop.cart((mug, 1))
        started = shop.checkout(shop.cart((shirt, 1)), email=f"waiting@{self.subdomain}.example")
        assert started.status_code == 202, started.body
        self.checkout_id = started.json["checkout_id"]
        self.payment_session = session_of(shop.until(self.checkout_id))
        self.emails.append(f"waiting@{self.subdomain}.example")

    def path_ids(self) -> dict[str, str]:
        """Its things by the name of the path parameter that takes them in /openapi.json."""
        return {
            "order_id": self.order_id,
            "fulfilment_id": self.fulfilment_id,
            "product_id": self.product_id,
            "variant_id": self.variant_id,
            "return_id": self.return_id,
            "cart_id": self.cart_id,
            "checkout_id": self.checkout_id,
            "handle": self.handle,
            "tenant_id": self.tenant_id,
            "shop_id": self.tenant_id,
            "subdomain": self.subdomain,
            # A record needing attention: its kind and id (the checkout awaiting payment).
            "kind": "checkout",
            "record_id": self.checkout_id,
            "bulk_edit_id": self.bulk_edit_id,
            "code": self.discount_code,  # the admin's discount page
        }
