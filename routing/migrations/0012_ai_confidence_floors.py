"""The AI rules' default confidence floors, set from measured precision on public text.

Rows an admin changed keep their value: only a row still at the old default moves.
"""

from django.db import migrations

# slug: (old default, new default)
ACTION_FLOORS = {
    "order-status": (0.7, 0.8),
    "policy-questions": (0.75, 0.96),
    "product-questions": (0.8, 0.96),
}
ROUTING_FLOORS = {
    "ai-order-status": (0.7, 0.8),
    "ai-questions": (0.75, 0.96),
}


def _move(apps, index):
    ActionRule = apps.get_model("routing", "ActionRule")
    RoutingRule = apps.get_model("routing", "RoutingRule")
    for slug, values in ACTION_FLOORS.items():
        ActionRule.objects.filter(slug=slug, confidence_floor=values[index]).update(confidence_floor=values[1 - index])
    for slug, values in ROUTING_FLOORS.items():
        RoutingRule.objects.filter(slug=slug, confidence_at_least=values[index]).update(
            confidence_at_least=values[1 - index]
        )


def forwards(apps, schema_editor):
    _move(apps, 0)
    # Queryset updates bypass the save signals: running processes reload their config snapshot.
    schema_editor.execute("SELECT nextval('routing_config_version')")


def backwards(apps, schema_editor):
    _move(apps, 1)
    schema_editor.execute("SELECT nextval('routing_config_version')")


class Migration(migrations.Migration):
    dependencies = [("routing", "0011_merge_20261207_1937")]
    operations = [migrations.RunPython(forwards, backwards)]
