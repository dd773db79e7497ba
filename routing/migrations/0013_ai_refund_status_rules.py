"""AI answers refund status from the refund records (amount, date, bank delay): the action rule
and the routing rule that sends confident refund-status questions to the AI tier. Existing
installs get them only where an admin has not made rules with these slugs."""

from django.db import migrations


def add_refund_status_rules(apps, schema_editor):
    ActionRule = apps.get_model("routing", "ActionRule")
    RoutingRule = apps.get_model("routing", "RoutingRule")
    ActionRule.objects.get_or_create(
        slug="refund-status",
        defaults={
            "name": "Answer refund status from refund records",
            "action": "answer_refund_status",
            "issue_types": ["refund_request"],
            "amount_cap": None,
            "confidence_floor": 0.96,
            "requires_order": True,
        },
    )
    if not RoutingRule.objects.filter(slug="ai-refund-status").exists():
        RoutingRule.objects.create(
            slug="ai-refund-status",
            name="Refund status: AI answers from the refund records",
            position=128,
            issue_types=["refund_request"],
            no_signals=True,
            confidence_at_least=0.96,
            route_to="ai",
        )


def remove_refund_status_rules(apps, schema_editor):
    apps.get_model("routing", "ActionRule").objects.filter(slug="refund-status").delete()
    apps.get_model("routing", "RoutingRule").objects.filter(slug="ai-refund-status").delete()


class Migration(migrations.Migration):
    dependencies = [
        ("routing", "0012_ai_confidence_floors"),
    ]

    operations = [
        migrations.RunPython(add_refund_status_rules, remove_refund_status_rules),
    ]
