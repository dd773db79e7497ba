"""The order-status action rule no longer needs a linked order: with none, the AI asks the
customer for the order number once (the resolution flow), then hands over to a person."""

from django.db import migrations


def forwards(apps, schema_editor):
    apps.get_model("routing", "ActionRule").objects.filter(slug="order-status", requires_order=True).update(
        requires_order=False
    )


def backwards(apps, schema_editor):
    apps.get_model("routing", "ActionRule").objects.filter(slug="order-status").update(requires_order=True)


class Migration(migrations.Migration):
    dependencies = [("routing", "0008_approval_withdrawn")]
    operations = [migrations.RunPython(forwards, backwards)]
