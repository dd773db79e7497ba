"""Webhook payloads in the shapes Shopify and WooCommerce document, and signed posting helpers."""

from __future__ import annotations

import json

from django.test import Client

from store.tests.factories import WEBHOOK_SECRET
from store.webhooks import signature


def shopify_order(order_id: int = 450789469, *, fulfillment_status=None, shipment_status=None) -> dict:
    return {
        "id": order_id,
        "admin_graphql_api_id": f"gid://shopify/Order/{order_id}",
        "order_number": 1001,
        "name": "#1001",
        "email": "bob.norman@example.com",
        "created_at": "2026-12-01T10:00:00-05:00",
        "updated_at": "2026-12-02T10:00:00-05:00",
        "cancelled_at": None,
        "cancel_reason": None,
        "currency": "EUR",
        "total_price": "199.00",
        "financial_status": "partially_refunded",
        "fulfillment_status": fulfillment_status,
        "customer": {
            "id": 207119551,
            "email": "bob.norman@example.com",
            "first_name": "Bob",
            "last_name": "Norman",
            "phone": None,
            "orders_count": 3,
            "total_spent": "450.00",
            "tags": "",
            "updated_at": None,
        },
        "shipping_address": {
            "address1": "Chestnut Street 92",
            "city": "Louisville",
            "zip": "40202",
            "country": "US",
        },
        "line_items": [
            {
                "id": 466157049,
                "title": "IPod Nano - 8gb",
                "variant_title": "green",
                "sku": "IPOD2008GREEN",
                "quantity": 1,
                "price": "199.00",
                "product_id": 632910392,
                "variant_id": 39072856,
                "fulfillable_quantity": 0,
            },
        ],
        "fulfillments": [
            {
                "id": 255858046,
                "order_id": order_id,
                "status": "success",
                "shipment_status": shipment_status,
                "tracking_company": "USPS",
                "tracking_number": "1Z1234512345123456",
                "tracking_url": "https://tools.usps.com/go/TrackConfirmAction?tLabels=1Z1234512345123456",
                "created_at": "2026-12-01T12:00:00-05:00",
                "updated_at": "2026-12-02T09:00:00-05:00",
                "line_items": [
                    {"id": 466157049, "sku": "IPOD2008GREEN", "title": "IPod Nano - 8gb", "quantity": 1}
                ],
            },
        ],
        "refunds": [
            {
                "id": 509562969,
                "order_id": order_id,
                "created_at": "2026-12-02T09:30:00-05:00",
                "note": "Scratched",
                "refund_line_items": [{"line_item_id": 466157049, "quantity": 1, "subtotal": "10.00"}],
                "transactions": [
                    {"amount": "10.00", "currency": "EUR", "kind": "refund", "status": "success"}
                ],
            },
        ],
    }


def shopify_fulfillment(
    order_id: int,
    fulfillment_id: int = 255858046,
    *,
    shipment_status="delayed",
    updated_at="2026-12-03T09:00:00-05:00",
) -> dict:
    return {
        "id": fulfillment_id,
        "order_id": order_id,
        "status": "success",
        "shipment_status": shipment_status,
        "tracking_company": "USPS",
        "tracking_number": "1Z1234512345123456",
        "tracking_url": None,
        "created_at": "2026-12-01T12:00:00-05:00",
        "updated_at": updated_at,
        "line_items": [],
    }


def post_shopify(
    client: Client,
    topic: str,
    payload: dict,
    *,
    webhook_id: str,
    domain: str = "demo.myshopify.com",
    secret: str | None = WEBHOOK_SECRET,
    tamper: bool = False,
):
    body = json.dumps(payload).encode()
    headers = {"X-Shopify-Topic": topic, "X-Shopify-Shop-Domain": domain, "X-Shopify-Webhook-Id": webhook_id}
    if secret is not None:
        headers["X-Shopify-Hmac-Sha256"] = signature(secret, body)
    if tamper:
        body = body.replace(b"199.00", b"1.00")
    return client.post(
        "/api/v1/integrations/shopify/webhooks/", data=body, content_type="application/json", headers=headers
    )


def woo_order(order_id: int = 727, *, status: str = "processing") -> dict:
    return {
        "id": order_id,
        "number": str(order_id),
        "status": status,
        "currency": "EUR",
        "total": "42.00",
        "date_created_gmt": "2026-12-01T10:00:00",
        "date_modified_gmt": "2026-12-02T10:00:00",
        "customer_id": 0,
        "billing": {"first_name": "Wendy", "last_name": "Woo", "email": "wendy@example.org", "phone": ""},
        "shipping": {"address_1": "2 High St", "city": "Leeds", "postcode": "LS1", "country": "GB"},
        "line_items": [
            {
                "id": 315,
                "name": "Insulated Bottle",
                "product_id": 804,
                "variation_id": 0,
                "quantity": 1,
                "sku": "SKU-40",
                "price": 42.0,
                "total": "42.00",
            }
        ],
        "refunds": [{"id": 726, "reason": "Dented", "total": "-5.00"}],
        "meta_data": [
            {
                "id": 1,
                "key": "_wc_shipment_tracking_items",
                "value": [
                    {
                        "tracking_provider": "Royal Mail",
                        "tracking_number": "RM1GB",
                        "tracking_id": "t1",
                        "date_shipped": "1764583200",
                    }
                ],
            }
        ],
    }


def post_woo(
    client: Client,
    topic: str,
    payload: dict,
    *,
    delivery_id: str,
    source: str = "https://woo.example.com/",
    secret: str | None = WEBHOOK_SECRET,
):
    body = json.dumps(payload).encode()
    headers = {
        "X-WC-Webhook-Topic": topic,
        "X-WC-Webhook-Source": source,
        "X-WC-Webhook-Delivery-ID": delivery_id,
    }
    if secret is not None:
        headers["X-WC-Webhook-Signature"] = signature(secret, body)
    return client.post(
        "/api/v1/integrations/woocommerce/webhooks/",
        data=body,
        content_type="application/json",
        headers=headers,
    )
