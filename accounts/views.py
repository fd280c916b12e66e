"""Signing up, logging in and out, and the member's API tokens page (create one, shown once;
see them; revoke them). A member's public profile is a page of pages/: it lists pledges and
projects."""

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_POST

from accounts import services
from accounts.forms import LoginForm, SignupForm, TokenForm
from accounts.models import ApiToken
from core.errors import DomainError, NotAllowed, add_to_form

BACKEND = "accounts.backends.HandleOrEmailBackend"


def _safe_next(request):
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return None


@sensitive_post_parameters("password1", "password2")
def signup(request):
    if request.method == "POST":
        form = SignupForm(request.POST)
        if form.is_valid():
            try:
                with transaction.atomic():
                    member = form.save()
            except IntegrityError:
                # Someone took the handle or the email between our check and our insert: the
                # database constraint decided, the member gets the same message as before.
                form.add_error(None, _("This handle or email was taken a moment ago. Please choose another."))
            else:
                login(request, member, backend=BACKEND)
                return redirect(_safe_next(request) or "pages:home")
    else:
        form = SignupForm()
    return render(request, "accounts/signup.html", {"form": form, "next": _safe_next(request) or ""})


class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    authentication_form = LoginForm
    redirect_authenticated_user = True


class LogoutView(auth_views.LogoutView):
    """POST only (Django's own); the header's button posts here."""


def _page(request, form, new_key=None, status=200):
    tokens = ApiToken.objects.filter(member=request.user).only(
        "id", "name", "shown_start", "created_at", "last_used_at", "revoked_at", "member_id"
    )
    context = {"form": form, "tokens": tokens, "new_key": new_key}
    return render(request, "accounts/tokens.html", context, status=status)


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
    return redirect("accounts:tokens")
