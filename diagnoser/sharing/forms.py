from django import forms

from diagnoser.sharing.models import Expiry


class ShareForm(forms.Form):
    expires_in = forms.TypedChoiceField(
        label="Link works for",
        choices=Expiry.choices,
        coerce=int,
        initial=Expiry.WEEK,
        help_text="Anyone with the link can read the snapshot until then, or until revoked.",
    )
