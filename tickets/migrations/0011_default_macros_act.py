"""The starting macros also act: they set the ticket to pending, tag it, and follow up.

Only macros still as shipped (no action set yet) are changed, so a manager's edits stay.
"""

from django.db import migrations

ACTIONS = {
    "Delivery delayed: tracing with the carrier": {
        "set_status": "pending",
        "add_tags": ["carrier-trace"],
        "followup_hours": 24,
    },
    "Return started": {"set_status": "pending", "add_tags": ["return"]},
    "Asking for more details": {"set_status": "pending", "add_tags": ["awaiting-details"], "followup_hours": 48},
}


def add_actions(apps, schema_editor):
    Macro = apps.get_model("tickets", "Macro")
    for name, changes in ACTIONS.items():
        Macro.objects.filter(name=name, set_status="", add_tags=[], followup_hours__isnull=True).update(**changes)


def remove_actions(apps, schema_editor):
    Macro = apps.get_model("tickets", "Macro")
    Macro.objects.filter(name__in=list(ACTIONS)).update(set_status="", add_tags=[], followup_hours=None)


class Migration(migrations.Migration):
    dependencies = [("tickets", "0010_macros_act_tags_presence")]

    operations = [migrations.RunPython(add_actions, remove_actions)]
