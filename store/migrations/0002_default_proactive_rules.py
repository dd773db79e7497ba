"""Default outreach rules (admins edit or switch them off): delayed, failed, no scan, cancelled, recalled."""

from django.db import migrations

RULES = [
    ("Shipment delayed", "fulfillment_delayed", 3, "Your order #{order_number} is running late",
     "Hi {customer_first_name},\n\nThe carrier reports that order #{order_number} is delayed. We're keeping an eye on it: "
     "you can follow it here: {tracking_url}\n\nNo need to do anything; reply to this message if you have questions."),
    ("Delivery failed", "fulfillment_failed", 3, "We couldn't deliver order #{order_number}",
     "Hi {customer_first_name},\n\n{carrier} could not deliver order #{order_number}. Reply to this message and we'll "
     "sort out a new delivery or a refund, whichever you prefer."),
    ("No carrier scan", "no_carrier_scan", 3, "An update on order #{order_number}",
     "Hi {customer_first_name},\n\nYour parcel for order #{order_number} hasn't had a carrier scan for a few days. "
     "We've asked {carrier} to check; we'll write again as soon as it moves ({tracking_url})."),
    ("Order cancelled by the store", "order_cancelled", 3, "Order #{order_number} was cancelled",
     "Hi {customer_first_name},\n\nWe're sorry: we had to cancel order #{order_number}. Any payment is refunded in full "
     "to your original payment method. Reply here if we can help you find an alternative."),
    ("Product recalled", "product_recalled", 180, "Important: a recall of {product_title}",
     "Hi {customer_first_name},\n\n{product_title} from order #{order_number} is being recalled. Please stop using it; "
     "reply to this message and we'll arrange a free return and a full refund."),
]


def create(apps, schema_editor):
    Rule = apps.get_model("store", "ProactiveRule")
    Template = apps.get_model("store", "ProactiveTemplate")
    for name, trigger, days, subject, body in RULES:
        rule, _ = Rule.objects.get_or_create(name=name, defaults={"trigger": trigger, "days": days})
        Template.objects.get_or_create(rule=rule, language="en", defaults={"subject": subject, "body": body})


class Migration(migrations.Migration):
    dependencies = [("store", "0001_store_records")]

    operations = [migrations.RunPython(create, migrations.RunPython.noop)]
