"""The overview's GET parameters, parsed: a bookmarked or shared link with a stale or
mistyped value shows the overview without that filter rather than an error."""

from django import forms
from django.http import QueryDict

from diagnoser.monitoring.selectors.overview import SEVERITIES, SORTS, OverviewQuery


class OverviewFilters(forms.Form):
    q = forms.CharField(required=False, max_length=200, strip=True)
    service = forms.IntegerField(required=False, min_value=1)
    env = forms.CharField(required=False, max_length=50)
    severity = forms.ChoiceField(required=False, choices=[(s, s) for s in SEVERITIES])
    rule = forms.SlugField(required=False, max_length=64)
    drifting = forms.BooleanField(required=False)
    sort = forms.ChoiceField(required=False, choices=list(SORTS.items()))
    page = forms.IntegerField(required=False, min_value=1)


def overview_query(params: QueryDict) -> OverviewQuery:
    form = OverviewFilters(params)
    form.is_valid()
    data = form.cleaned_data  # the fields that parsed; the others are left out
    return OverviewQuery(
        search=data.get("q") or "",
        service=data.get("service"),
        environment=data.get("env") or "",
        severity=data.get("severity") or "",
        rule=data.get("rule") or "",
        drifting=bool(data.get("drifting")),
        sort=data.get("sort") or "severity",
        page=data.get("page") or 1,
    )
