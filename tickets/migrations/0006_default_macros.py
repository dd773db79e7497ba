"""A starting set of reply macros; admins edit or delete them in the admin (Tickets > Macros)."""

from django.db import migrations

MACROS = [
    (
        "Order status with tracking",
        "order_status",
        "Hi {customer_first_name},\n\nThanks for getting in touch. Your order #{order_number} is "
        "{order_status}. You can follow it with {carrier} here: {tracking_url} (tracking number "
        "{tracking_number}).\n\nIf it has not arrived in two working days, reply to this message and "
        "I will chase the carrier for you.\n\nBest,\n{agent_name}\n{store_name}",
    ),
    (
        "Delivery delayed: tracing with the carrier",
        "delivery_problem",
        "Hi {customer_first_name},\n\nI am sorry your order #{order_number} is taking longer than it "
        "should. I have asked {carrier} to trace parcel {tracking_number} and will update you within "
        "one working day with what they find.\n\nBest,\n{agent_name}",
    ),
    (
        "Return started",
        "return_request",
        "Hi {customer_first_name},\n\nI have started the return for order #{order_number}. You will "
        "receive a prepaid label by email shortly; the refund follows once the parcel reaches us.\n\n"
        "Best,\n{agent_name}",
    ),
    (
        "Asking for more details",
        "",
        "Hi {customer_first_name},\n\nThanks for your message about {ticket_reference}. To help you "
        "quickly, could you send me your order number and a photo of the issue if relevant?\n\n"
        "Best,\n{agent_name}",
    ),
]


def add_macros(apps, schema_editor):
    Macro = apps.get_model("tickets", "Macro")
    for name, issue_type, body in MACROS:
        Macro.objects.get_or_create(name=name, defaults={"issue_type": issue_type, "body": body})


def remove_macros(apps, schema_editor):
    apps.get_model("tickets", "Macro").objects.filter(name__in=[m[0] for m in MACROS]).delete()


class Migration(migrations.Migration):
    dependencies = [("tickets", "0005_search_indexes")]

    operations = [migrations.RunPython(add_macros, remove_macros)]
