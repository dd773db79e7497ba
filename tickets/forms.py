"""Forms for the inbox and the ticket page: they validate input; actions decide."""

from __future__ import annotations

from decimal import Decimal

from django import forms

from helpdesk.errors import InvalidInput
from tickets.models import Channel, Macro, RootCause, Ticket
from tickets.queries import SAVED_VIEW_LABELS, SORTS, InboxFilters, assignable_agents
from tickets.tagging import normalize_tags
from tickets.taxonomy import ISSUE_TYPE_SLUGS, SIGNALS

BLANK = [("", "Any")]


def issue_type_choices() -> list[tuple[str, str]]:
    """Issue types from the admin-editable list, falling back to the shared default slugs."""
    from routing.models import IssueType

    slugs = list(IssueType.objects.values_list("slug", "name")) or [
        (slug, slug.replace("_", " ").capitalize()) for slug in ISSUE_TYPE_SLUGS
    ]
    return slugs


class InboxFilterForm(forms.Form):
    view = forms.ChoiceField(choices=list(SAVED_VIEW_LABELS.items()), required=False)
    q = forms.CharField(required=False, max_length=200, label="Search")
    status = forms.ChoiceField(choices=BLANK + list(Ticket.Status.choices), required=False)
    stage = forms.ChoiceField(choices=BLANK + list(Ticket.Stage.choices), required=False)
    issue_type = forms.ChoiceField(choices=BLANK, required=False, label="Type")
    priority = forms.TypedChoiceField(
        choices=BLANK + list(Ticket.Priority.choices), coerce=int, empty_value=None, required=False
    )
    channel = forms.ChoiceField(choices=BLANK + list(Channel.choices), required=False)
    tier = forms.ModelChoiceField(queryset=None, required=False, empty_label="Any")
    team = forms.ModelChoiceField(queryset=None, required=False, empty_label="Any")
    tag = forms.CharField(required=False, max_length=50)
    sort = forms.ChoiceField(
        choices=[("sla", "SLA due"), ("newest", "Newest"), ("oldest", "Oldest")], required=False
    )

    def __init__(self, *args, **kwargs) -> None:
        from routing.models import Team, Tier

        super().__init__(*args, **kwargs)
        self.fields["tier"].queryset = Tier.objects.all()
        self.fields["team"].queryset = Team.objects.all()
        self.fields["issue_type"].choices = BLANK + issue_type_choices()

    def inbox_filters(self) -> InboxFilters:
        """The valid part of the input as ``InboxFilters``; invalid fields are ignored, not fatal."""
        data = (
            self.cleaned_data
            if self.is_valid()
            else {k: v for k, v in getattr(self, "cleaned_data", {}).items() if k not in self.errors}
        )
        return InboxFilters(
            status=data.get("status") or "",
            stage=data.get("stage") or "",
            issue_type=data.get("issue_type") or "",
            priority=data.get("priority"),
            channel=data.get("channel") or "",
            tier=data["tier"].pk if data.get("tier") else None,
            team=data["team"].pk if data.get("team") else None,
            tag=(data.get("tag") or "").strip(),
            q=(data.get("q") or "").strip(),
            sort=data.get("sort") if data.get("sort") in SORTS else "sla",
        )

    def active_count(self) -> int:
        names = ["status", "stage", "issue_type", "priority", "channel", "tier", "team", "tag"]
        return sum(1 for name in names if self.data.get(name))


class ReplyForm(forms.Form):
    body = forms.CharField(widget=forms.Textarea(attrs={"rows": 9}), label="Reply", max_length=100_000)
    # The AI draft as shown when the page loaded; the similarity is measured against it.
    draft = forms.CharField(widget=forms.HiddenInput, required=False)
    commits_amount = forms.DecimalField(
        required=False,
        min_value=Decimal("0"),
        max_digits=12,
        decimal_places=2,
        label="Refund or compensation this reply promises",
        help_text="Above the approval threshold the reply is held until someone approves it.",
    )
    # The newest message on the page when the agent opened it: a newer reply means a collision.
    last_seen = forms.IntegerField(required=False, widget=forms.HiddenInput, min_value=0)
    send_anyway = forms.BooleanField(required=False, widget=forms.HiddenInput)


class NoteForm(forms.Form):
    body = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 4}), label="Internal note", max_length=100_000
    )


class ClassificationForm(forms.Form):
    issue_type = forms.ChoiceField(choices=BLANK, required=False, label="Type")
    urgency = forms.ChoiceField(choices=[("", "—"), *Ticket.Urgency.choices], required=False)
    sentiment = forms.ChoiceField(choices=[("", "—"), *Ticket.Sentiment.choices], required=False)
    signals = forms.MultipleChoiceField(
        choices=[(s, s.replace("_", " ")) for s in SIGNALS],
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    reason = forms.CharField(required=False, max_length=500, label="Why (optional)")

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["issue_type"].choices = [("", "—"), *issue_type_choices()]


class EscalateForm(forms.Form):
    target_tier = forms.ModelChoiceField(queryset=None, label="Escalate to")
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), max_length=1000)

    def __init__(self, *args, ticket: Ticket, **kwargs) -> None:
        from routing.models import Tier

        super().__init__(*args, **kwargs)
        rank = ticket.tier.rank if ticket.tier_id else 0
        self.fields["target_tier"].queryset = Tier.objects.filter(rank__gt=rank)


class DeescalateForm(forms.Form):
    target_tier = forms.ModelChoiceField(
        queryset=None, required=False, label="Back to", empty_label="One tier down"
    )
    to_ai = forms.BooleanField(required=False, label="Hand back to automation (AI)")
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), max_length=1000)

    def __init__(self, *args, ticket: Ticket, **kwargs) -> None:
        from routing.models import Tier

        super().__init__(*args, **kwargs)
        rank = ticket.tier.rank if ticket.tier_id else 0
        self.fields["target_tier"].queryset = Tier.objects.filter(rank__lt=rank)


class ApprovalRequestForm(forms.Form):
    amount = forms.DecimalField(min_value=Decimal("0"), max_digits=12, decimal_places=2)
    role = forms.ChoiceField(
        choices=[("manager", "Manager"), ("senior agent", "Senior agent")], label="Who approves"
    )
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), max_length=1000)


class ApprovalDecisionForm(forms.Form):
    decision = forms.ChoiceField(choices=[("approve", "Approve"), ("deny", "Deny")])
    note = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), max_length=1000, required=False)

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("decision") == "deny" and not (cleaned.get("note") or "").strip():
            self.add_error("note", "Say why the request is denied.")
        return cleaned


class AssignForm(forms.Form):
    agent = forms.ModelChoiceField(queryset=None, required=False, empty_label="Nobody (unassign)")

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["agent"].queryset = assignable_agents().order_by("first_name", "username")
        self.fields["agent"].label_from_instance = lambda user: user.get_full_name() or user.get_username()


class ResolveForm(forms.Form):
    root_cause = forms.ModelChoiceField(
        queryset=RootCause.objects.filter(is_active=True), required=False, empty_label="Choose…"
    )
    new_root_cause = forms.CharField(required=False, max_length=120, label="…or a new root cause")
    resolution_method = forms.ChoiceField(choices=[("", "Choose…"), *Ticket.ResolutionMethod.choices])
    note = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), required=False, max_length=2000)

    def clean(self):
        cleaned = super().clean()
        if not cleaned.get("root_cause") and not (cleaned.get("new_root_cause") or "").strip():
            self.add_error("root_cause", "Pick a root cause or type a new one.")
        return cleaned


class ReopenForm(forms.Form):
    reason = forms.CharField(max_length=500)


class BulkForm(forms.Form):
    ACTIONS = [
        ("assign_me", "Assign to me"),
        ("assign", "Assign to…"),
        ("priority", "Set priority"),
        ("close", "Close"),
    ]
    action = forms.ChoiceField(choices=ACTIONS)
    tickets = forms.TypedMultipleChoiceField(coerce=int, choices=[])
    agent = forms.ModelChoiceField(queryset=None, required=False)
    priority = forms.TypedChoiceField(
        choices=[("", "Priority…"), *Ticket.Priority.choices], coerce=int, empty_value=None, required=False
    )
    # Closing open tickets resolves them first, which needs a root cause and a method.
    root_cause = forms.ModelChoiceField(
        queryset=RootCause.objects.filter(is_active=True), required=False, empty_label="Root cause…"
    )
    new_root_cause = forms.CharField(required=False, max_length=120, label="New root cause")
    resolution_method = forms.ChoiceField(
        choices=[("", "Resolution…"), *Ticket.ResolutionMethod.choices], required=False
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        assign = AssignForm().fields["agent"]
        self.fields["agent"].queryset = assign.queryset
        self.fields["agent"].label_from_instance = assign.label_from_instance
        # Ids are checked against what the user may see by the view, not by a choice list.
        self.fields["tickets"].valid_value = lambda value: str(value).isdigit()

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("action") == "assign" and not cleaned.get("agent"):
            self.add_error("agent", "Choose who gets the tickets.")
        if cleaned.get("action") == "priority" and not cleaned.get("priority"):
            self.add_error("priority", "Choose a priority.")
        if cleaned.get("action") == "close":
            if not cleaned.get("root_cause") and not (cleaned.get("new_root_cause") or "").strip():
                self.add_error("root_cause", "Closing open tickets needs a root cause.")
            if not cleaned.get("resolution_method"):
                self.add_error("resolution_method", "Closing open tickets needs a resolution method.")
        return cleaned


class AvailabilityForm(forms.Form):
    availability = forms.ChoiceField(choices=[("online", "Online"), ("away", "Away"), ("offline", "Offline")])


class TagsField(forms.CharField):
    """Comma-separated tags in a text input; the cleaned value is the list of tags."""

    def prepare_value(self, value):
        return ", ".join(value) if isinstance(value, list | tuple) else value

    def to_python(self, value):
        text = super().to_python(value)
        try:
            return normalize_tags(text)
        except InvalidInput as error:
            raise forms.ValidationError(error.message) from error


class TagEditForm(forms.Form):
    add = TagsField(required=False, max_length=500, label="Add tags")
    remove = TagsField(required=False, max_length=500, label="Remove tags")


class MacroForm(forms.ModelForm):
    """A manager's macro editor: text plus what applying it changes."""

    add_tags = TagsField(required=False, max_length=500, help_text="Comma-separated.")
    remove_tags = TagsField(required=False, max_length=500, help_text="Comma-separated.")

    class Meta:
        model = Macro
        fields = [
            "name",
            "body",
            "issue_type",
            "set_status",
            "set_priority",
            "add_tags",
            "remove_tags",
            "assign_agent",
            "assign_tier",
            "followup_hours",
            "is_active",
        ]
        widgets = {"body": forms.Textarea(attrs={"rows": 6})}
        labels = {
            "set_status": "Set status",
            "set_priority": "Set priority",
            "assign_agent": "Assign to agent",
            "assign_tier": "Or move to tier",
            "followup_hours": "Follow up after (hours)",
        }

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["assign_agent"].queryset = assignable_agents().order_by("first_name", "username")
        self.fields["assign_agent"].label_from_instance = lambda u: u.get_full_name() or u.get_username()
        self.fields["issue_type"] = forms.ChoiceField(
            choices=[("", "Any"), *issue_type_choices()], required=False, label="Issue type"
        )

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("assign_agent") and cleaned.get("assign_tier"):
            self.add_error("assign_tier", "Assign to an agent or to a tier, not both.")
        if set(cleaned.get("add_tags") or []) & set(cleaned.get("remove_tags") or []):
            self.add_error("remove_tags", "A tag cannot be both added and removed.")
        return cleaned


# --- snooze, merge and split (tickets.snooze, tickets.merging) --------------------------------


class SnoozeForm(forms.Form):
    """Until a preset time, a chosen local time, or until the customer replies."""

    PRESETS = [
        ("1h", "1 hour"),
        ("4h", "4 hours"),
        ("tomorrow", "Tomorrow 9:00"),
        ("next_week", "Next Monday 9:00"),
        ("reply", "Until the customer replies"),
        ("custom", "Until…"),
    ]
    preset = forms.ChoiceField(choices=PRESETS, label="Snooze", initial="reply", widget=forms.RadioSelect)
    until = forms.DateTimeField(
        required=False,
        label="Wake at",
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )

    def wake_time(self, now):
        """The chosen wake-up time (aware), or None for "until the customer replies"."""
        from datetime import timedelta

        from django.utils import timezone

        preset = self.cleaned_data["preset"]
        local = timezone.localtime(now)
        morning = local.replace(hour=9, minute=0, second=0, microsecond=0)
        return {
            "1h": lambda: now + timedelta(hours=1),
            "4h": lambda: now + timedelta(hours=4),
            "tomorrow": lambda: morning + timedelta(days=1),
            "next_week": lambda: morning + timedelta(days=7 - local.weekday()),
            "reply": lambda: None,
            "custom": lambda: self.cleaned_data["until"],
        }[preset]()

    def clean(self):
        data = super().clean()
        if data.get("preset") == "custom" and not data.get("until"):
            self.add_error("until", "Give the date and time to wake the ticket.")
        return data


class MergeForm(forms.Form):
    target = forms.CharField(
        max_length=20, label="Merge into ticket", help_text="Its reference, e.g. HD-123."
    )

    def clean_target(self) -> int:
        raw = self.cleaned_data["target"].strip().upper().removeprefix("HD-").removeprefix("#")
        if not raw.isdigit():
            raise forms.ValidationError("Give a ticket reference such as HD-123.")
        return int(raw)


class SplitForm(forms.Form):
    """The ids of the ticked messages (``messages``, repeated) and the new ticket's subject."""

    subject = forms.CharField(max_length=300, required=False, label="Subject of the new ticket")

    def clean(self):
        data = super().clean()
        raw = (
            self.data.getlist("messages") if hasattr(self.data, "getlist") else self.data.get("messages", [])
        )
        if not raw:
            raise forms.ValidationError("Tick the messages to move into the new ticket.")
        if not all(str(value).isdigit() for value in raw):
            raise forms.ValidationError("The ticked messages are not valid message ids.")
        data["messages"] = [int(value) for value in raw]
        return data
