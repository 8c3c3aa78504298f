"""What a merchant and a shopper do after the sale, for the fulfilment, refund and return tests."""

from chalicelib import fulfilment, returns, workflows
from infra.local import runtime
from tests.support.api import unique
from tests.support.shopping import Shop
from tests.support.wait import wait_for


class AfterSale(Shop):
    """A paying shop, with the merchant's after-sale calls."""

    def paid_order(self, stripe, *items, email: str | None = None, **extra) -> dict:
        """A paid order of `items` ((variant_id, quantity) pairs); returns the merchant's view of it."""
        email = email or f"{unique('shopper')}@{self.subdomain}.example"  # each order's mail apart
        done = self.buy(stripe, *items, email=email, **extra)
        assert done["status"] == "paid", done
        return self.order(done["order_id"])

    def delivered_order(self, stripe) -> dict:
        """A paid order of two shirts (20.00) and a mug (8.00), all shipped in one fulfilment and delivered;
        the products stay on `shirt` and `mug`."""
        self.shirt, self.mug = self.product(qty=5, price=2000), self.product(qty=5, price=800)
        order = self.paid_order(stripe, (self.shirt, 2), (self.mug, 1))
        f = self.fulfil(order["id"]).json
        self.move(order["id"], f["id"], "in_transit")
        self.move(order["id"], f["id"], "delivered")
        return order

    def order(self, order_id: str) -> dict:
        got = self.admin.get(f"/api/admin/orders/{order_id}")
        assert got.status_code == 200, got.body
        return got.json

    def fulfil(self, order_id: str, body: dict | None = None, **kw):
        return self.admin.post(f"/api/admin/orders/{order_id}/fulfilments", body or {}, **kw)

    def move(self, order_id: str, fulfilment_id: str, status: str, **extra):
        return self.admin.post(
            f"/api/admin/orders/{order_id}/fulfilments/{fulfilment_id}/status", {"status": status, **extra}
        )

    def ask_return(self, order: dict, items, reason: str = "Too small", email: str | None = None, **extra):
        return self.store.post(
            f"/api/store/orders/{order['id']}/returns",
            {
                "email": email or order["email"],
                "reason": reason,
                "items": [{"variant_id": v, "quantity": q} for v, q in items],
                **extra,
            },
        )

    def return_action(self, return_id: str, action: str, body=None):
        return self.admin.post(f"/api/admin/returns/{return_id}/{action}", body)

    def pickup_location(self) -> dict:
        """The shop's one pickup location, the Main Street store (set now, replacing any others)."""
        put = self.admin.request(
            "PUT",
            "/api/admin/pickup-locations",
            {
                "locations": [
                    {
                        "name": "Main Street store",
                        "address": {
                            "line1": "1 Main Street",
                            "city": "Springfield",
                            "postal_code": "12345",
                            "country": "US",
                        },
                        "hours": "9-18",
                    }
                ]
            },
        )
        assert put.status_code == 200, put.body
        return put.json["locations"][0]

    def policy(self, **terms):
        changed = self.admin.patch("/api/admin/return-policy", terms)
        assert changed.status_code == 200, changed.body
        return changed.json


def emails_to(address: str) -> list[dict]:
    return [m for m in runtime.sent_emails() if address in m["to"]]


def fulfilment_arn(fulfilment_id: str) -> str:
    return workflows.execution_arn(fulfilment.WORKFLOW, f"fulfilment-{fulfilment_id}")


def finished(arn: str) -> str:
    """The execution's final status, once it has one."""
    return wait_for(lambda: (lambda s: s if s not in (None, "RUNNING") else None)(workflows.status(arn)))


def states_until(arn: str, state: str) -> list[str]:
    """The states entered so far, once `state` is among them."""
    return wait_for(lambda: (lambda names: names if state in names else None)(workflows.state_names(arn)))


def return_arn(return_id: str) -> str:
    return returns.execution_arn(return_id)
