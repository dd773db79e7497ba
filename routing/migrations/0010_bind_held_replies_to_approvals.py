"""Bind each pending approval the old reply guard opened to the reply it held.

Before issue 14 the guard opened the approval a moment before storing the held reply and left
it unbound, and approving released every held reply up to its amount. Approvals now release only
the reply they are bound to, so the old ones are bound here: same ticket, same amount, the held
reply stored within a minute after the approval and bound to no other approval; a routing
rule's gate takes the oldest held reply it covers, as it did.
"""

from django.db import migrations

BIND = """
UPDATE routing_approval a SET message_id = (
  SELECT msg.id FROM tickets_message msg
  WHERE msg.ticket_id = a.ticket_id
    AND msg.delivery_status = 'held'
    AND msg.metadata ? 'commits_amount'
    AND (msg.metadata->>'commits_amount')::numeric = a.amount
    AND msg.created_at BETWEEN a.requested_at AND a.requested_at + interval '1 minute'
    AND NOT EXISTS (SELECT 1 FROM routing_approval b WHERE b.message_id = msg.id)
  ORDER BY msg.created_at, msg.id LIMIT 1
)
WHERE a.status = 'pending' AND a.message_id IS NULL AND a.amount IS NOT NULL AND a.rule_id IS NULL
"""

# A routing rule's money gate covered held replies up to its amount: it takes the oldest one.
BIND_RULE_GATES = """
UPDATE routing_approval a SET message_id = (
  SELECT msg.id FROM tickets_message msg
  WHERE msg.ticket_id = a.ticket_id
    AND msg.delivery_status = 'held'
    AND msg.metadata ? 'commits_amount'
    AND (msg.metadata->>'commits_amount')::numeric <= a.amount
    AND NOT EXISTS (SELECT 1 FROM routing_approval b WHERE b.message_id = msg.id)
  ORDER BY msg.created_at, msg.id LIMIT 1
)
WHERE a.status = 'pending' AND a.message_id IS NULL AND a.amount IS NOT NULL AND a.rule_id IS NOT NULL
"""


class Migration(migrations.Migration):
    dependencies = [
        ("routing", "0009_order_status_answers_without_order"),
    ]

    operations = [
        migrations.RunSQL(BIND, migrations.RunSQL.noop),
        migrations.RunSQL(BIND_RULE_GATES, migrations.RunSQL.noop),
    ]
