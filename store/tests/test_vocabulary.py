"""Each store's words mapped onto ours (Shopify REST and GraphQL dialects, Woo, nulls)."""

import pytest

from store import vocabulary


@pytest.mark.parametrize(
    ("word", "cancelled", "expected"),
    [
        (None, False, "pending"),
        ("paid", False, "paid"),
        ("PARTIALLY_REFUNDED", False, "partially_refunded"),
        ("authorized", False, "pending"),
        ("voided", False, "cancelled"),
        ("paid", True, "cancelled"),
        ("refunded", True, "refunded"),
        ("something_new", False, "pending"),
    ],
)
def test_financial_status(word, cancelled, expected):
    assert vocabulary.order_status(word, cancelled=cancelled) == expected


@pytest.mark.parametrize(
    ("shipment", "own", "expected"),
    [
        (None, "success", "confirmed"),
        ("in_transit", "success", "in_transit"),
        ("DELAYED", None, "delayed"),
        ("failure", "success", "failure"),
        ("delivered", "success", "delivered"),
        ("in_transit", "cancelled", "cancelled"),
        ("ATTEMPTED_DELIVERY", None, "attempted_delivery"),
        ("carrier_picked_up", None, "in_transit"),
    ],
)
def test_shipment_status(shipment, own, expected):
    assert vocabulary.shipment_status(shipment, own) == expected


def test_order_fulfilment_summary_worst_news_then_least_progress():
    assert vocabulary.order_fulfillment("fulfilled", ["delivered", "delayed"]) == "delayed"
    assert vocabulary.order_fulfillment("fulfilled", ["delivered", "in_transit"]) == "in_transit"
    assert vocabulary.order_fulfillment(None) == "unfulfilled"
    assert vocabulary.order_fulfillment("partial") == "processing"


def test_woo_statuses():
    assert vocabulary.woo_order_status("on-hold") == "pending"
    assert vocabulary.woo_order_status("completed") == "paid"
    assert vocabulary.woo_fulfillment_status("completed") == "shipped"


def test_normalize_order_input_turns_nulls_to_blanks():
    values = vocabulary.normalize_order_input(
        {"tracking_number": None, "fulfillment_status": None, "status": "voided"}
    )
    assert values == {"tracking_number": "", "fulfillment_status": "unfulfilled", "status": "cancelled"}


def test_money_accepts_store_shapes():
    assert str(vocabulary.money({"amount": "12.5"})) == "12.50"
    assert str(vocabulary.money("-5.00")) == "5.00"
    assert str(vocabulary.money(None)) == "0"
