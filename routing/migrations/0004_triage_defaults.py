"""Install the default issue types and the demo store policies (version 1) that triage quotes."""

from django.db import migrations

ISSUE_TYPES = [
    # slug, name, is_complaint, description
    ("order_status", "Order status", False, "Where is my order, when will it arrive, tracking questions."),
    (
        "delivery_problem",
        "Delivery problem",
        True,
        "Late, lost, stuck, delivered to the wrong place or damaged in transit.",
    ),
    ("return_request", "Return request", False, "The customer wants to send an item back or exchange it."),
    ("refund_request", "Refund request", False, "Money back: asking for a refund or chasing one in progress."),
    ("cancellation", "Cancellation", False, "Cancel an order (or a subscription to products) before it ships."),
    ("order_change", "Order change", False, "Change the address, items, size or colour of an order."),
    (
        "product_defect",
        "Product defect",
        True,
        "The product is broken, faulty, stopped working or not as described.",
    ),
    (
        "billing",
        "Billing",
        False,
        "Payment failed, wrong or double charge, invoices, chargebacks, promo codes at checkout.",
    ),
    ("account", "Account", False, "Login, password, sign-up, profile, addresses, newsletter, deleting data."),
    ("product_question", "Product question", False, "Sizes, compatibility, stock, how to use or buy a product."),
    (
        "policy_question",
        "Policy question",
        False,
        "Return window, shipping options and costs, payment methods, warranty terms, fees.",
    ),
    ("complaint", "Complaint", True, "General dissatisfaction with the service, staff or the store."),
    ("other", "Other", False, "Anything else: feedback, partnerships, contacting the team."),
]

POLICIES = [
    (
        "returns",
        "Return policy",
        ["return_request", "policy_question", "order_change"],
        "You can return any unused item in its original packaging within 30 days of delivery. "
        "Start a return from your account or by replying to your order email; we email a prepaid "
        "return label within one business day. Sale items can be returned for store credit only. "
        "Personalised items, opened cosmetics and gift cards cannot be returned. Exchanges for a "
        "different size or colour are free and ship as soon as the return is scanned by the carrier. "
        "Returns requested after the 30-day window are exceptions and need a team lead's approval.",
    ),
    (
        "refunds",
        "Refund policy",
        ["refund_request", "billing", "cancellation", "return_request"],
        "Refunds go back to the original payment method within 5 business days after the returned "
        "item reaches our warehouse, or after a cancellation is confirmed. Orders cancelled before "
        "they ship are refunded in full, shipping included. Shipping costs of returned orders are "
        "refunded only when the item was faulty or we sent the wrong item. Double charges are "
        "reversed as soon as the payment provider confirms them, usually within 2 business days. "
        "Refunds or goodwill compensation above 100 EUR are approved by a team lead before they "
        "are promised.",
    ),
    (
        "shipping",
        "Shipping policy",
        ["order_status", "delivery_problem", "policy_question", "order_change"],
        "Orders placed before 2 pm on a business day ship the same day. Standard delivery takes "
        "2-4 business days within the EU and 5-8 business days elsewhere; express takes 1-2 "
        "business days. Every shipment has tracking, sent by email when the parcel leaves. The "
        "address can be changed until the order is packed. If tracking shows no movement for 5 "
        "business days, or a parcel arrives damaged, we open a carrier investigation and send a "
        "replacement or a refund without waiting for its outcome. A parcel marked delivered but not "
        "received is investigated with the carrier within 48 hours.",
    ),
    (
        "warranty",
        "Warranty policy",
        ["product_defect", "policy_question", "return_request"],
        "Every product carries a 2-year warranty against manufacturing defects from the delivery "
        "date. For a defect, send a photo or a short video of the problem and the order number; we "
        "replace or repair the item, or refund it if neither is possible. Damage from misuse, "
        "accidents or normal wear is not covered. A second replacement for the same item, or a "
        "claim after the warranty period, is an exception that a team lead decides. If a product "
        "overheated, caught fire, injured someone or caused an allergic reaction, stop using it: "
        "a senior agent handles the case the same day.",
    ),
]


def install(apps, schema_editor):
    IssueType = apps.get_model("routing", "IssueType")
    Policy = apps.get_model("routing", "Policy")
    PolicyVersion = apps.get_model("routing", "PolicyVersion")
    for position, (slug, name, is_complaint, description) in enumerate(ISSUE_TYPES, start=1):
        IssueType.objects.get_or_create(
            slug=slug,
            defaults={
                "name": name,
                "is_complaint": is_complaint,
                "description": description,
                "position": position * 10,
            },
        )
    for slug, title, issue_types, body in POLICIES:
        policy, created = Policy.objects.get_or_create(
            slug=slug, defaults={"title": title, "issue_types": issue_types, "kind": "policy"}
        )
        if created:
            PolicyVersion.objects.create(policy=policy, number=1, body=body, reason="Initial version.")


class Migration(migrations.Migration):
    dependencies = [("routing", "0003_triage")]

    operations = [# Reversing keeps the rows: admins may have edited them since.
        migrations.RunPython(install, migrations.RunPython.noop)]
