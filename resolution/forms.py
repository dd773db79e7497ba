from django import forms

from resolution.models import AiReview


class ReviewForm(forms.Form):
    verdict = forms.ChoiceField(choices=AiReview.Verdict.choices, widget=forms.RadioSelect)
    reason = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}), max_length=2000)
    correct_issue_type = forms.SlugField(required=False, max_length=50)


class SamplingForm(forms.Form):
    share = forms.FloatField(min_value=0, max_value=1)


class TakeOverForm(forms.Form):
    reason = forms.CharField(required=False, max_length=500)
