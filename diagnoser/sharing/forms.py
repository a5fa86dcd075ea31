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
    include_bodies = forms.BooleanField(
        label="Include response bodies",
        required=False,
        help_text=(
            "This target is probed with secret headers. Bodies are left out of the snapshot "
            "unless you include them: secret values are redacted wherever they can be "
            "recognised, but a server can echo one in a form no scrubber knows."
        ),
    )
