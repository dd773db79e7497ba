"""The default vocabulary of triage: issue types and signals (plain data, no Django imports).

Issue types are admin-extensible (routing's ``IssueType`` rows start from these); signals are
the keys of ``Ticket.signals``. Every app that needs the defaults reads them from here.
"""

# (slug, name, is_complaint)
DEFAULT_ISSUE_TYPES: tuple[tuple[str, str, bool], ...] = (
    ("order_status", "Order status", False),
    ("delivery_problem", "Delivery problem", True),
    ("return_request", "Return request", False),
    ("refund_request", "Refund request", False),
    ("cancellation", "Cancellation", False),
    ("order_change", "Order change", False),
    ("product_defect", "Product defect", True),
    ("billing", "Billing", False),
    ("account", "Account", False),
    ("product_question", "Product question", False),
    ("policy_question", "Policy question", False),
    ("complaint", "Complaint", True),
    ("other", "Other", False),
)
ISSUE_TYPE_SLUGS: tuple[str, ...] = tuple(slug for slug, _, _ in DEFAULT_ISSUE_TYPES)

SIGNALS: tuple[str, ...] = (
    "legal",
    "safety",
    "reputation",
    "policy_exception",
    "repeat_complaint",
    "asks_for_human",
    "vip",
)
