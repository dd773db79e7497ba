"""Validation of the metric filters (HTML and API alike) and of a policy revision."""

from __future__ import annotations

from datetime import timedelta

from django import forms
from django.utils import timezone

from analytics.queries.filters import VIP_ANY, VIP_NONE, MetricFilters
from helpdesk.errors import InvalidInput
from routing.models import Policy
from tickets.models import Channel

MAX_DAYS = 731


class MetricFiltersForm(forms.Form):
    start = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))
    end = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))
    channel = forms.ChoiceField(required=False, choices=[("", "All channels"), *Channel.choices])
    issue_type = forms.SlugField(required=False, max_length=50)
    team = forms.IntegerField(required=False, min_value=1)
    tier = forms.IntegerField(required=False, min_value=1)
    vip = forms.RegexField(required=False, regex=r"^[\w-]{0,30}$", max_length=30)
    grain = forms.ChoiceField(required=False, choices=[("day", "Daily"), ("week", "Weekly")])

    def clean(self) -> dict:
        data = super().clean()
        today = timezone.localdate()
        end = data.get("end") or today
        start = data.get("start") or end - timedelta(days=29)
        if start > end:
            self.add_error("start", "The start date is after the end date.")
        elif (end - start).days >= MAX_DAYS:
            self.add_error("start", f"Choose at most {MAX_DAYS} days.")
        data["start"], data["end"] = start, end
        return data

    def filters(self) -> MetricFilters:
        """The validated filters; raises ``InvalidInput`` naming the first bad field."""
        if not self.is_valid():
            field, errors = next(iter(self.errors.items()))
            raise InvalidInput(f"{field}: {errors[0]}", field=field)
        data = self.cleaned_data
        return MetricFilters(
            start=data["start"],
            end=data["end"],
            channel=data.get("channel") or "",
            issue_type=data.get("issue_type") or "",
            team=data.get("team"),
            tier=data.get("tier"),
            vip=data.get("vip") or "",
            grain=data.get("grain") or "day",
        )


VIP_CHOICES = [("", "Everyone"), (VIP_ANY, "Any VIP level"), (VIP_NONE, "Not VIP")]


class RevisionForm(forms.Form):
    policy = forms.ModelChoiceField(queryset=Policy.objects.filter(is_active=True))
    body = forms.CharField(widget=forms.Textarea(attrs={"rows": 10}), strip=False)
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}))
    alert = forms.IntegerField(required=False, widget=forms.HiddenInput)


class DismissForm(forms.Form):
    reason = forms.CharField(max_length=500)
