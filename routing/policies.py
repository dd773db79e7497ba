"""Revising store policies and SOPs: each revision is a new ``PolicyVersion``.

Triage quotes a policy's current (highest-numbered) version in briefs and drafts, so a revision
changes what agents see on the next ticket. A revision may answer a pattern alert; the alert
belongs to analytics, which is reached through the dotted path below so that routing never
imports the app above it.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.db.models import Max
from django.utils.module_loading import import_string

from helpdesk.errors import InvalidInput
from routing.models import Policy, PolicyVersion

# Called as ``answer(alert, revision=version, actor=author)`` inside the revision's transaction.
ALERT_ANSWERED = "analytics.alerts.answer_alert"


@transaction.atomic
def revise_policy(
    policy: Policy, *, body: str, author: AbstractBaseUser | None, reason: str, alert: Any = None
) -> PolicyVersion:
    """Record ``body`` as the next version of ``policy``, by ``author`` for ``reason``.

    With ``alert`` (an analytics ``PatternAlert``) the revision is linked to it and closes it, in
    the same transaction: a failure leaves neither. The policy row is locked so that concurrent
    revisions get consecutive numbers. Raises ``InvalidInput`` for an empty body, a missing
    reason or a text identical to the current version; whatever closing the alert raises
    (``IllegalTransition`` for an alert already closed).
    """
    body = body.strip()
    if not body:
        raise InvalidInput("The policy text is empty.", field="body")
    if not reason.strip():
        raise InvalidInput("Say why the policy changes.", field="reason")
    policy = Policy.objects.select_for_update().get(pk=policy.pk)
    current = policy.versions.order_by("-number").values_list("body", flat=True).first()
    if current is not None and current.strip() == body:
        raise InvalidInput("The text is the same as the current version.", field="body")
    number = (policy.versions.aggregate(last=Max("number"))["last"] or 0) + 1
    version = PolicyVersion.objects.create(
        policy=policy,
        number=number,
        body=body,
        author=author if author is not None and author.is_authenticated else None,
        reason=reason.strip(),
    )
    if alert is not None:
        import_string(ALERT_ANSWERED)(alert, revision=version, actor=author)
    return version
