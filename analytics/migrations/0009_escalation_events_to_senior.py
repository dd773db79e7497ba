"""Escalation events carry one name for "moved to a senior tier": ``to_senior`` (what
``routing.escalation`` writes). Rows the benchmark generator wrote with ``to_tier_is_senior``, and
rows written before the flag existed, get ``to_senior`` (from the flag, else the target tier)."""

from django.db import migrations

FORWARD = """
UPDATE tickets_ticketevent e
SET data = (e.data - 'to_tier_is_senior') || jsonb_build_object(
    'to_senior',
    COALESCE(
        (e.data->>'to_senior')::boolean,
        (e.data->>'to_tier_is_senior')::boolean,
        (SELECT tier.is_senior FROM routing_tier tier WHERE tier.slug = e.data->>'to_tier'),
        false
    )
)
WHERE e.kind IN ('escalated', 'deescalated')
  AND (e.data ? 'to_tier_is_senior' OR NOT e.data ? 'to_senior')
"""


class Migration(migrations.Migration):
    dependencies = [
        ("analytics", "0008_ticket_facts"),
        ("routing", "0001_initial"),
        ("tickets", "0009_merge_20261207_1908"),
    ]

    operations = [migrations.RunSQL(FORWARD, migrations.RunSQL.noop)]
