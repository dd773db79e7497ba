"""A loopback store that answers in Shopify's and WooCommerce's documented shapes.

Used by the connector tests, the benchmark and the demo (``manage.py run_fake_store``, started by
``make run``). One server speaks both APIs: ``POST /admin/api/<version>/graphql.json`` (Shopify
GraphQL Admin: orders/customers/products with cursor pages, refundCreate, orderCancel,
returnCreate, draftOrderCreate/Complete, orderUpdate, ``extensions.cost``) and
``/wp-json/wc/v3/...`` (Woo REST: numbered pages, refunds, notes, order updates).

Faults for tests are queued with ``FakeStore.fail_next``: ``"429"`` (HTTP 429 with Retry-After),
``"throttled"`` (GraphQL THROTTLED), ``"user_error"`` (a mutation's userErrors), ``"timeout"``
(sleeps past the client's timeout). ``calls`` records every operation; a refund key seen before
returns the first refund (as Shopify's ``@idempotent`` does).
"""

from __future__ import annotations

import json
import random
import re
import threading
import time
from collections import deque
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlparse

PRODUCTS = [
    (
        "Trail Runner 2",
        "Lightweight trail running shoe with a grippy outsole.",
        "49.90",
        ["38", "40", "42", "44"],
    ),
    ("Merino Crew Sock", "Soft merino wool socks, pack of three.", "14.50", ["S", "M", "L"]),
    ("Rain Shell Jacket", "Packable waterproof jacket with taped seams.", "89.00", ["S", "M", "L", "XL"]),
    (
        "Insulated Bottle",
        "750 ml steel bottle that keeps drinks cold for 24 hours.",
        "24.00",
        ["Blue", "Black"],
    ),
    ("Daypack 22L", "A 22 litre daypack with a padded laptop sleeve.", "64.00", ["Grey", "Olive"]),
]


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def _money(amount: Any, currency: str) -> dict:
    return {"shopMoney": {"amount": f"{Decimal(str(amount)):.2f}", "currencyCode": currency}}


class FakeStore:
    """In-memory shop state plus the HTTP server around it. ``url`` is the api_base_url to use."""

    def __init__(self, *, host: str = "127.0.0.1", port: int = 0) -> None:
        self.lock = threading.Lock()
        self.orders: list[dict] = []  # Shopify GraphQL order nodes
        self.customers: dict[str, dict] = {}
        self.products: list[dict] = []
        self.woo_orders: list[dict] = []
        self.faults: deque[tuple[str, Any]] = deque()
        self.calls: list[tuple[str, dict]] = []
        self.refunds_by_key: dict[str, dict] = {}
        self.next_id = 5_000_000
        self.retry_after = "0.05"
        store = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: Any) -> None:  # quiet under tests
                pass

            def _send(self, status: int, body: Any, headers: dict | None = None) -> None:
                raw = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(raw)))
                for key, value in (headers or {}).items():
                    self.send_header(key, value)
                self.end_headers()
                self.wfile.write(raw)

            def _body(self) -> dict:
                length = int(self.headers.get("Content-Length") or 0)
                return json.loads(self.rfile.read(length) or b"{}") if length else {}

            def _handle(self, method: str) -> None:
                body = self._body() if method in ("POST", "PUT") else {}
                status, payload, headers = store.dispatch(method, self.path, body)
                self._send(status, payload, headers)

            def do_GET(self) -> None:
                self._handle("GET")

            def do_POST(self) -> None:
                self._handle("POST")

            def do_PUT(self) -> None:
                self._handle("PUT")

        self.server = ThreadingHTTPServer((host, port), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> FakeStore:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def fail_next(self, kind: str, times: int = 1, *, value: Any = None) -> None:
        for _ in range(times):
            self.faults.append((kind, value))

    def _new_id(self) -> int:
        with self.lock:
            self.next_id += 1
            return self.next_id

    def operations(self, name: str) -> list[dict]:
        return [variables for op, variables in self.calls if op == name]

    # --- data -----------------------------------------------------------------------------------

    def seed(self, *, orders: int = 20, seed: int = 7, currency: str = "EUR") -> list[dict]:
        """Generate products, customers and ``orders`` Shopify-shaped orders (deterministic)."""
        rng = random.Random(seed)
        now = datetime.now(tz=UTC)
        if not self.products:
            for n, (title, description, price, options) in enumerate(PRODUCTS, start=1):
                self.products.append(
                    {
                        "id": f"gid://shopify/Product/{800 + n}",
                        "legacyResourceId": str(800 + n),
                        "title": title,
                        "handle": re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-"),
                        "descriptionHtml": f"<p>{description}</p>",
                        "vendor": "Handoff Outdoor",
                        "productType": "Gear",
                        "status": "ACTIVE",
                        "tags": [],
                        "updatedAt": _iso(now),
                        "variants": {
                            "nodes": [
                                {
                                    "legacyResourceId": str(8000 + n * 10 + i),
                                    "sku": f"SKU-{n}{i}",
                                    "title": option,
                                    "price": price,
                                    "inventoryQuantity": rng.randint(0, 40),
                                    "selectedOptions": [{"name": "Option", "value": option}],
                                }
                                for i, option in enumerate(options)
                            ]
                        },
                    }
                )
        made = []
        for _ in range(orders):
            made.append(self.add_order(rng=rng, now=now, currency=currency))
        return made

    def add_order(
        self,
        *,
        rng: random.Random | None = None,
        now: datetime | None = None,
        currency: str = "EUR",
        email: str | None = None,
        shipment_status: str | None = "IN_TRANSIT",
        quantity: int = 1,
    ) -> dict:
        rng = rng or random.Random(len(self.orders))
        now = now or datetime.now(tz=UTC)
        order_id = self._new_id()
        customer_id = str(7000 + (order_id % 997))
        email = email or f"shopper{customer_id}@example.org"
        customer = self.customers.setdefault(
            email,
            {
                "id": f"gid://shopify/Customer/{customer_id}",
                "legacyResourceId": customer_id,
                "email": email,
                "phone": None,
                "firstName": "Sam",
                "lastName": f"Shopper {customer_id}",
                "numberOfOrders": "1",
                "amountSpent": {"amount": "0.00"},
                "tags": [],
                "locale": "en",
                "updatedAt": _iso(now),
            },
        )
        product = rng.choice(self.products) if self.products else None
        variant = (
            product["variants"]["nodes"][0]
            if product
            else {"legacyResourceId": "1", "sku": "SKU", "price": "10.00"}
        )
        price = Decimal(variant["price"])
        placed = now - timedelta(days=rng.randint(1, 20), minutes=rng.randint(0, 600))
        line_id = self._new_id()
        fulfillments = []
        if shipment_status:
            fid = self._new_id()
            fulfillments.append(
                {
                    "id": f"gid://shopify/Fulfillment/{fid}",
                    "legacyResourceId": str(fid),
                    "status": "SUCCESS",
                    "displayStatus": shipment_status,
                    "createdAt": _iso(placed + timedelta(days=1)),
                    "updatedAt": _iso(placed + timedelta(days=2)),
                    "deliveredAt": _iso(placed + timedelta(days=3))
                    if shipment_status == "DELIVERED"
                    else None,
                    "estimatedDeliveryAt": None,
                    "trackingInfo": [
                        {"company": "DHL", "number": f"JD{fid:012d}", "url": f"https://track.example/{fid}"}
                    ],
                    "events": {
                        "nodes": [
                            {
                                "status": shipment_status,
                                "happenedAt": _iso(placed + timedelta(days=2)),
                                "message": None,
                            }
                        ]
                    },
                }
            )
        order = {
            "id": f"gid://shopify/Order/{order_id}",
            "legacyResourceId": str(order_id),
            "name": f"#{1000 + len(self.orders) + 1}",
            "createdAt": _iso(placed),
            "updatedAt": _iso(placed + timedelta(days=2)),
            "cancelledAt": None,
            "cancelReason": None,
            "displayFinancialStatus": "PAID",
            "displayFulfillmentStatus": "FULFILLED" if shipment_status else "UNFULFILLED",
            "currencyCode": currency,
            "totalPriceSet": _money(price * quantity, currency),
            "totalRefundedSet": _money(0, currency),
            "shippingAddress": {
                "firstName": "Sam",
                "lastName": "Shopper",
                "address1": "1 Main St",
                "address2": None,
                "city": "Berlin",
                "province": None,
                "zip": "10115",
                "country": "Germany",
                "countryCodeV2": "DE",
                "phone": None,
            },
            "customer": customer,
            "lineItems": {
                "nodes": [
                    {
                        "id": f"gid://shopify/LineItem/{line_id}",
                        "sku": variant["sku"],
                        "title": product["title"] if product else "Item",
                        "variantTitle": variant.get("title"),
                        "quantity": quantity,
                        "originalUnitPriceSet": _money(price, currency),
                        "product": {"legacyResourceId": product["legacyResourceId"]} if product else None,
                        "variant": {"legacyResourceId": variant["legacyResourceId"]},
                    }
                ]
            },
            "fulfillments": fulfillments,
            "refunds": [],
            "returns": {"nodes": []},
        }
        with self.lock:
            self.orders.append(order)
        return order

    def find_order(self, gid: str) -> dict | None:
        return next(
            (o for o in self.orders if o["id"] == gid or o["legacyResourceId"] == gid.rsplit("/", 1)[-1]),
            None,
        )

    # --- dispatch -------------------------------------------------------------------------------

    def dispatch(self, method: str, path: str, body: dict) -> tuple[int, Any, dict]:
        fault = None
        with self.lock:
            if self.faults:
                fault = self.faults.popleft()
        if fault and fault[0] == "timeout":
            time.sleep(float(fault[1] or 2))
        if fault and fault[0] == "429":
            self.calls.append(("429", {}))
            return (
                429,
                {"errors": "Exceeded 2 calls per second for api client."},
                {"Retry-After": self.retry_after},
            )
        parsed = urlparse(path)
        if "/graphql.json" in parsed.path:
            return self.graphql(body, fault)
        if parsed.path.startswith("/wp-json/wc/v3"):
            return self.woo(method, parsed.path[len("/wp-json/wc/v3") :], parse_qs(parsed.query), body, fault)
        return 404, {"errors": "Not Found"}, {}

    def _cost(self, requested: int = 10, available: int = 1990) -> dict:
        return {
            "cost": {
                "requestedQueryCost": requested,
                "actualQueryCost": requested,
                "throttleStatus": {
                    "maximumAvailable": 2000.0,
                    "currentlyAvailable": available,
                    "restoreRate": 100.0,
                },
            }
        }

    def graphql(self, body: dict, fault: tuple[str, Any] | None) -> tuple[int, Any, dict]:
        query = body.get("query", "")
        variables = body.get("variables") or {}
        match = re.search(r"(query|mutation)\s+(\w+)", query)
        operation = match.group(2) if match else ""
        if fault and fault[0] == "throttled":
            self.calls.append(("throttled", variables))
            return (
                200,
                {
                    "errors": [{"message": "Throttled", "extensions": {"code": "THROTTLED"}}],
                    "extensions": self._cost(requested=50, available=45),
                },
                {},
            )
        self.calls.append((operation, variables))
        if fault and fault[0] == "user_error":
            field = {
                "Refund": "refundCreate",
                "Cancel": "orderCancel",
                "Return": "returnCreate",
                "Draft": "draftOrderCreate",
                "Address": "orderUpdate",
            }.get(operation, operation)
            key = "orderCancelUserErrors" if operation == "Cancel" else "userErrors"
            message = fault[1] or "Refund amount exceeds the refundable amount."
            return (
                200,
                {
                    "data": {field: {key: [{"field": ["transactions", "0", "amount"], "message": message}]}},
                    "extensions": self._cost(),
                },
                {},
            )
        handler = getattr(self, f"_gql_{operation.lower()}", None)
        if handler is None:
            return 200, {"errors": [{"message": f"Unknown operation {operation}"}]}, {}
        return 200, {"data": handler(variables), "extensions": self._cost()}, {}

    def _paged(self, items: list[dict], variables: dict) -> dict:
        first = int(variables.get("first") or 50)
        start = int(variables.get("after") or 0)
        chunk = items[start : start + first]
        more = start + first < len(items)
        return {
            "pageInfo": {"hasNextPage": more, "endCursor": str(start + first) if more else None},
            "nodes": chunk,
        }

    def _gql_orders(self, variables: dict) -> dict:
        return {"orders": self._paged(self.orders, variables)}

    def _gql_customers(self, variables: dict) -> dict:
        return {"customers": self._paged(list(self.customers.values()), variables)}

    def _gql_products(self, variables: dict) -> dict:
        return {"products": self._paged(self.products, variables)}

    def _gql_refund(self, variables: dict) -> dict:
        key = variables.get("key") or ""
        with self.lock:
            if key and key in self.refunds_by_key:
                return {"refundCreate": {"refund": self.refunds_by_key[key], "userErrors": []}}
        data = variables["input"]
        order = self.find_order(data["orderId"])
        if order is None:
            return {
                "refundCreate": {
                    "refund": None,
                    "userErrors": [{"field": ["orderId"], "message": "Order does not exist"}],
                }
            }
        amount = sum(Decimal(t["amount"]) for t in data.get("transactions") or [])
        refund_id = self._new_id()
        refund = {
            "id": f"gid://shopify/Refund/{refund_id}",
            "legacyResourceId": str(refund_id),
            "createdAt": _iso(datetime.now(tz=UTC)),
            "note": data.get("note"),
            "totalRefundedSet": _money(amount, order["currencyCode"]),
            "refundLineItems": {"nodes": []},
        }
        with self.lock:
            order["refunds"].append(refund)
            total = sum(Decimal(r["totalRefundedSet"]["shopMoney"]["amount"]) for r in order["refunds"])
            order["totalRefundedSet"] = _money(total, order["currencyCode"])
            paid = Decimal(order["totalPriceSet"]["shopMoney"]["amount"])
            order["displayFinancialStatus"] = "REFUNDED" if total >= paid else "PARTIALLY_REFUNDED"
            order["updatedAt"] = _iso(datetime.now(tz=UTC))
            if key:
                self.refunds_by_key[key] = refund
        return {"refundCreate": {"refund": refund, "userErrors": []}}

    def _gql_cancel(self, variables: dict) -> dict:
        order = self.find_order(variables["orderId"])
        if order is None or order["cancelledAt"]:
            message = "Order does not exist" if order is None else "Order has already been cancelled"
            return {
                "orderCancel": {
                    "job": None,
                    "orderCancelUserErrors": [{"field": ["orderId"], "message": message, "code": "INVALID"}],
                }
            }
        with self.lock:
            order["cancelledAt"] = _iso(datetime.now(tz=UTC))
            order["cancelReason"] = variables.get("reason", "OTHER")
            order["updatedAt"] = order["cancelledAt"]
        return {
            "orderCancel": {"job": {"id": f"gid://shopify/Job/{self._new_id()}"}, "orderCancelUserErrors": []}
        }

    def _gql_return(self, variables: dict) -> dict:
        data = variables["input"]
        order = self.find_order(data["orderId"])
        return_id = self._new_id()
        node = {
            "id": f"gid://shopify/Return/{return_id}",
            "name": f"{order['name'] if order else '#0'}-R1",
            "status": "OPEN",
            "labelUrl": f"https://labels.example/{return_id}.pdf",
            "returnLineItems": {
                "nodes": [
                    {"quantity": i.get("quantity", 1), "returnReason": i.get("returnReason")}
                    for i in data.get("returnLineItems") or []
                ]
            },
        }
        if order is not None:
            with self.lock:
                order["returns"]["nodes"].append(node)
        return {"returnCreate": {"return": node, "userErrors": []}}

    def _gql_draft(self, variables: dict) -> dict:
        return {
            "draftOrderCreate": {
                "draftOrder": {"id": f"gid://shopify/DraftOrder/{self._new_id()}"},
                "userErrors": [],
            }
        }

    def _gql_complete(self, variables: dict) -> dict:
        new_id = self._new_id()
        return {
            "draftOrderComplete": {
                "draftOrder": {
                    "order": {
                        "id": f"gid://shopify/Order/{new_id}",
                        "legacyResourceId": str(new_id),
                        "name": f"#R{new_id}",
                    }
                },
                "userErrors": [],
            }
        }

    def _gql_address(self, variables: dict) -> dict:
        data = variables["input"]
        order = self.find_order(data["id"])
        if order is not None:
            with self.lock:
                order["shippingAddress"] = {**order["shippingAddress"], **data.get("shippingAddress", {})}
        return {
            "orderUpdate": {
                "order": {"id": data["id"], "shippingAddress": data.get("shippingAddress")},
                "userErrors": [],
            }
        }

    # --- WooCommerce REST -----------------------------------------------------------------------

    def woo(self, method: str, path: str, query: dict, body: dict, fault) -> tuple[int, Any, dict]:
        route = re.sub(r"/\d+", "/{id}", path)
        self.calls.append((f"woo {method} {route}", body))
        if fault and fault[0] == "user_error":
            return (
                400,
                {
                    "code": "woocommerce_rest_invalid",
                    "message": fault[1] or "Invalid refund amount.",
                    "data": {"status": 400},
                },
                {},
            )
        if method == "GET" and path in ("/orders", "/products", "/customers"):
            items = self.woo_orders if path == "/orders" else []
            per_page = int(query.get("per_page", ["10"])[0])
            page = int(query.get("page", ["1"])[0])
            pages = max(1, -(-len(items) // per_page))
            return (
                200,
                items[(page - 1) * per_page : page * per_page],
                {"X-WP-TotalPages": str(pages), "X-WP-Total": str(len(items))},
            )
        match = re.fullmatch(r"/orders/(\d+)(/refunds|/notes)?", path)
        if match:
            order = next((o for o in self.woo_orders if str(o["id"]) == match.group(1)), None)
            if order is None:
                return 404, {"code": "woocommerce_rest_shop_order_invalid_id", "message": "Invalid ID."}, {}
            if match.group(2) == "/refunds":
                refund = {
                    "id": self._new_id(),
                    "amount": body.get("amount"),
                    "reason": body.get("reason", ""),
                    "date_created_gmt": datetime.now(tz=UTC).strftime("%Y-%m-%dT%H:%M:%S"),
                }
                order["refunds"].append(
                    {"id": refund["id"], "reason": refund["reason"], "total": f"-{body.get('amount')}"}
                )
                return 201, refund, {}
            if match.group(2) == "/notes":
                return (
                    201,
                    {
                        "id": self._new_id(),
                        "note": body.get("note"),
                        "date_created_gmt": datetime.now(tz=UTC).strftime("%Y-%m-%dT%H:%M:%S"),
                    },
                    {},
                )
            if method == "PUT":
                order.update({k: v for k, v in body.items() if k in ("status", "shipping")})
            return 200, order, {}
        if method == "POST" and path == "/orders":
            new = {"id": self._new_id(), **body}
            new["number"] = str(new["id"])
            return 201, new, {}
        return (
            404,
            {"code": "rest_no_route", "message": "No route was found matching the URL and request method."},
            {},
        )

    def add_woo_order(
        self, *, email: str = "woo.shopper@example.org", total: str = "42.00", status: str = "processing"
    ) -> dict:
        order_id = self._new_id()
        now = datetime.now(tz=UTC).strftime("%Y-%m-%dT%H:%M:%S")
        order = {
            "id": order_id,
            "number": str(order_id),
            "status": status,
            "currency": "EUR",
            "total": total,
            "date_created_gmt": now,
            "date_modified_gmt": now,
            "customer_id": 0,
            "billing": {"first_name": "Wendy", "last_name": "Woo", "email": email, "phone": ""},
            "shipping": {
                "first_name": "Wendy",
                "last_name": "Woo",
                "address_1": "2 High St",
                "city": "Leeds",
                "postcode": "LS1",
                "country": "GB",
            },
            "line_items": [
                {
                    "id": self._new_id(),
                    "name": "Insulated Bottle",
                    "product_id": 804,
                    "variation_id": 0,
                    "quantity": 1,
                    "sku": "SKU-40",
                    "price": float(total),
                    "total": total,
                }
            ],
            "refunds": [],
            "meta_data": [
                {
                    "id": 1,
                    "key": "_wc_shipment_tracking_items",
                    "value": [
                        {
                            "tracking_provider": "Royal Mail",
                            "tracking_number": f"RM{order_id}GB",
                            "tracking_id": f"t{order_id}",
                            "date_shipped": str(int(datetime.now(tz=UTC).timestamp())),
                        }
                    ],
                }
            ],
        }
        with self.lock:
            self.woo_orders.append(order)
        return order
