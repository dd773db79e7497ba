"""The demo step leaves the review with alerts, and one of them answered by a revision."""

from dataclasses import dataclass, field
from datetime import timedelta

import pytest
from django.utils import timezone

from analytics.models import PatternAlert
from analytics.tests.factories import PolicyFactory, PolicyVersionFactory
from demo import analytics as demo
from tickets.models import Ticket
from tickets.tests.factories import RootCauseFactory, TicketFactory


@dataclass
class Context:
    users: dict = field(default_factory=dict)
    lines: list = field(default_factory=list)

    def log(self, line: str) -> None:
        self.lines.append(line)


@pytest.mark.django_db
def test_the_demo_step_raises_alerts_and_answers_the_largest_with_a_revision(manager):
    now = timezone.now()
    cause = RootCauseFactory(name="Carrier delay")
    for days in (0, 1, 2, 3):
        TicketFactory(
            issue_type="delivery_problem",
            root_cause=cause,
            status=Ticket.Status.RESOLVED,
            resolved_at=now,
            first_message_at=now - timedelta(days=days),
        )
    policy = PolicyFactory(slug="demo-shipping", issue_types=["delivery_problem"])
    PolicyVersionFactory(policy=policy, number=1)
    context = Context(users={"taylor": manager})

    demo.seed(context)
    demo.seed(context)

    alert = PatternAlert.objects.get(kind="root_cause")
    assert alert.status == PatternAlert.Status.CLOSED
    assert alert.revision.author == manager
    assert "Carrier delay" in alert.revision.body
    assert alert.revision.policy.issue_types and "delivery_problem" in alert.revision.policy.issue_types
    assert alert.revision.number == alert.revision.policy.versions.count()
