"""API tokens of the logged-in user: make one (its key shown once), list, revoke."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from diagnoser.access import member_workspaces, own_api_token
from diagnoser.inventory.models import Workspace
from diagnoser.inventory.selectors import user_tokens
from diagnoser.inventory.tokens import api_token_create, api_token_revoke


class TokenForm(forms.Form):
    name = forms.CharField(max_length=100, help_text="What uses it, e.g. 'GitHub Actions'.")
    workspace = forms.ModelChoiceField(queryset=Workspace.objects.none(), empty_label=None)

    def __init__(self, *args: object, user: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        workspace = self.fields["workspace"]
        assert isinstance(workspace, forms.ModelChoiceField)
        workspace.queryset = member_workspaces(user)  # type: ignore[arg-type]


@require_http_methods(["GET", "POST"])
@login_required
def api_tokens(request: HttpRequest) -> HttpResponse:
    form = TokenForm(request.POST if request.method == "POST" else None, user=request.user)
    key = None
    if form.is_valid():
        try:
            _, key = api_token_create(
                user=request.user,  # type: ignore[arg-type]
                workspace=form.cleaned_data["workspace"],
                name=form.cleaned_data["name"],
            )
        except ValidationError as error:
            for field, errors in error.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
        else:
            form = TokenForm(user=request.user)
    context = {"form": form, "key": key, "tokens": user_tokens(user=request.user)}  # type: ignore[arg-type]
    return render(request, "web/setup/api_tokens.html", context)


@require_http_methods(["GET", "POST"])
@login_required
def api_token_revoke_confirm(request: HttpRequest, token_id: int) -> HttpResponse:
    """GET asks (what stops working), POST revokes."""
    token = own_api_token(request, token_id)
    if request.method == "POST":
        api_token_revoke(token=token)
        messages.success(request, f"Revoked {token.name}: calls with its key now get 401.")
        return redirect("web:api_tokens")
    return render(request, "web/setup/api_token_revoke.html", {"token": token})
