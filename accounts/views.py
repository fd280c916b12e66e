"""Signing up, logging in and out, the member's account page (their email address, a copy of
their data, deleting the account) and API tokens page (create one, shown once; see them; revoke
them). A member's public profile is a page of pages/: it lists pledges and projects."""

import json

from django.contrib import messages
from django.contrib.auth import login, logout
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.serializers.json import DjangoJSONEncoder
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_POST

from accounts import privacy, services
from accounts.forms import DeleteAccountForm, EmailForm, LoginForm, SignupForm, TokenForm
from accounts.models import ApiToken
from core import rates
from core.errors import DomainError, NotAllowed, add_to_form

BACKEND = "accounts.backends.HandleOrEmailBackend"

EMAIL_SENT = gettext_lazy(
    "If this address can be used, we sent it a link that attaches it to your account: check your inbox."
)


def _safe_next(request):
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return None


@sensitive_post_parameters("password1", "password2")
@rates.limit_posts("signup", per="address")
def signup(request):
    if request.method == "POST":
        form = SignupForm(request.POST)
        if form.is_valid():
            email = form.cleaned_data["email"]
            try:
                member = services.member_sign_up(
                    handle=form.cleaned_data["handle"], password=form.cleaned_data["password1"], email=email
                )
            except DomainError as error:
                add_to_form(form, error)
            else:
                login(request, member, backend=BACKEND)
                if email:
                    # The same words, page and redirect whether or not another account has it.
                    messages.info(request, EMAIL_SENT)
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


@login_required
# An address asked for here sends an email, as at sign-up: the same budget, per member.
@rates.limit_posts("signup", per="member")
def account(request):
    """The member's own account: their address (private), their data, their tokens, deletion."""
    form = EmailForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        email = form.cleaned_data["email"]
        if email == request.user.email:
            messages.info(request, _("This is already your address."))
        else:
            services.email_attach_request(member=request.user, email=email)
            messages.info(request, EMAIL_SENT)
        return redirect("accounts:account")
    status = 400 if request.method == "POST" else 200
    return render(request, "accounts/account.html", {"email_form": form}, status=status)


@require_POST
@login_required
def email_remove(request):
    services.email_remove(member=request.user)
    messages.success(request, _("Your account has no email address any more."))
    return redirect("accounts:account")


def email_confirm(request, token):
    """The link mailed to an address: a page that asks, and a button that attaches it (a GET
    changes nothing: mail scanners follow links)."""
    try:
        member, email = services.email_link_read(token)
    except DomainError as error:
        return render(request, "accounts/email_confirm.html", {"error": error.message}, status=400)
    if request.method == "POST":
        try:
            services.email_attach_confirm(token=token)
        except DomainError as error:
            return render(request, "accounts/email_confirm.html", {"error": error.message}, status=409)
        messages.success(request, _("Your address is attached to your account."))
        return redirect("accounts:account" if request.user.pk == member.pk else "accounts:login")
    return render(request, "accounts/email_confirm.html", {"member": member, "email": email})


@login_required
def my_data(request):
    """Everything held about the member, as a JSON file to keep (accounts/privacy.py)."""
    data = privacy.member_data(member=request.user)
    body = json.dumps(data, cls=DjangoJSONEncoder, ensure_ascii=False, indent=2)
    response = HttpResponse(body, content_type="application/json; charset=utf-8")
    filename = f"tiwizi-{request.user.handle}-{timezone.localdate().isoformat()}.json"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "private, no-store"
    return response


@sensitive_post_parameters("password")
@login_required
# The form checks a password: guesses are limited like sign-ups, per member.
@rates.limit_posts("signup", per="member")
def delete_account(request):
    """Deleting the account, once the member typed their handle and password."""
    form = DeleteAccountForm(request.user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            privacy.member_erase(member=request.user)
        except DomainError as error:
            add_to_form(form, error)
        else:
            logout(request)
            messages.success(request, _("Your account is deleted."))
            return redirect("pages:home")
    status = 400 if request.method == "POST" else 200
    return render(request, "accounts/delete_account.html", {"form": form}, status=status)
