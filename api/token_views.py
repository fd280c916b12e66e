"""The member's API tokens page: create one (shown once), see them, revoke them."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from api import services
from api.forms import TokenForm
from api.models import ApiToken
from projects.errors import DomainError, NotAllowed, add_to_form


def _page(request, form, new_key=None, status=200):
    tokens = ApiToken.objects.filter(member=request.user).only(
        "id", "name", "shown_start", "created_at", "last_used_at", "revoked_at", "member_id"
    )
    context = {"form": form, "tokens": tokens, "new_key": new_key}
    return render(request, "api/tokens.html", context, status=status)


@login_required
def tokens(request):
    if request.method != "POST":
        return _page(request, TokenForm())
    form = TokenForm(request.POST)
    if form.is_valid():
        try:
            _token, raw = services.token_create(member=request.user, name=form.cleaned_data["name"])
        except DomainError as error:
            add_to_form(form, error)
        else:
            # Rendered, not redirected: the key exists nowhere else and is shown this once.
            return _page(request, TokenForm(), new_key=raw)
    return _page(request, form, status=400)


@require_POST
@login_required
def token_revoke(request, token_id):
    # Someone else's token does not exist on this page.
    token = get_object_or_404(ApiToken, pk=token_id, member=request.user)
    try:
        services.token_revoke(token=token, actor=request.user)
    except NotAllowed as error:
        raise PermissionDenied(error.message) from None
    messages.success(request, _("The token “%(name)s” is revoked.") % {"name": token.name})
    return redirect("api:tokens")
