"""Signing up, logging in and out, the member's account page (their email address, a copy of
their data, deleting the account) and API tokens page (create one, shown once; see them; revoke
them); getting back into an account (a reset link by email, or a recovery code: accounts/recovery.py
says which and why) and changing one's password. A member's public profile is a page of pages/: it
lists pledges and projects."""

import json

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login, logout, update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.serializers.json import DjangoJSONEncoder
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse, reverse_lazy
from django.utils import timezone, translation
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_POST
from django.views.i18n import set_language

from accounts import languages, privacy, recovery, selectors, services
from accounts.forms import (
    DeleteAccountForm,
    EmailForm,
    LoginForm,
    PasswordChangeForm,
    PasswordConfirmForm,
    PasswordResetRequestForm,
    RecoveryForm,
    SetPasswordForm,
    SignupForm,
    TokenForm,
)
from accounts.models import ApiToken
from core import rates
from core.errors import DomainError, NotAllowed, TooManyAttempts, add_to_form

BACKEND = "accounts.backends.HandleOrEmailBackend"

EMAIL_SENT = gettext_lazy(
    "If this address can be used, we sent it a link that attaches it to your account: check your inbox."
)
# The same words whatever the sign-up: whether or not an address was given, or is taken.
WELCOME = gettext_lazy("Welcome to Tiwizi! Your account is ready.")
# In the session of a member who just signed up without an email: their recovery codes page makes
# and shows their codes once, on its first reading (accounts.views.recovery_codes).
CODES_DUE = "accounts.recovery_codes_due"


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
                    handle=form.cleaned_data["handle"],
                    password=form.cleaned_data["password1"],
                    email=email,
                    language=translation.get_language(),
                )
            except DomainError as error:
                add_to_form(form, error)
            else:
                login(request, member, backend=BACKEND)
                messages.success(request, WELCOME)
                if email:
                    # The same words, page and redirect whether or not another account has it.
                    messages.info(request, EMAIL_SENT)
                    return redirect(_safe_next(request) or "pages:home")
                # No way to mail a reset link: the recovery codes, shown next, are the way back.
                request.session[CODES_DUE] = member.pk
                next_url = _safe_next(request)
                query = f"?{urlencode({'next': next_url})}" if next_url else ""
                return redirect(reverse("accounts:recovery_codes") + query)
    else:
        form = SignupForm()
    return render(request, "accounts/signup.html", {"form": form, "next": _safe_next(request) or ""})


class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    authentication_form = LoginForm
    redirect_authenticated_user = True


class LogoutView(auth_views.LogoutView):
    """POST only (Django's own); the header's button posts here."""


# --- Getting back into an account (accounts/recovery.py) ---------------------------------------------


class PasswordResetView(auth_views.PasswordResetView):
    """A handle or an email; the same answer (the "done" page) whatever it names."""

    template_name = "accounts/password_reset.html"
    form_class = PasswordResetRequestForm
    success_url = reverse_lazy("accounts:password_reset_done")


# Per address, every request: the page and the API (api/views/passwords.py) count together. The
# emails each account gets are limited too, by accounts.recovery, without a word.
password_reset = rates.limit_posts("password_reset", per="address")(PasswordResetView.as_view())


class PasswordResetDoneView(auth_views.PasswordResetDoneView):
    template_name = "accounts/password_reset_done.html"

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), "answer": recovery.RESET_REQUESTED}


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    """Django's: the link's token moves to the session, then a form asks for the new password. The
    token is checked again, with the password set, by accounts.recovery under the member's lock."""

    template_name = "accounts/password_reset_confirm.html"
    form_class = SetPasswordForm
    success_url = reverse_lazy("accounts:password_reset_complete")

    def form_valid(self, form):
        token = self.request.session.get(auth_views.INTERNAL_RESET_SESSION_TOKEN)
        try:
            recovery.password_reset_confirm(
                uid=self.kwargs["uidb64"], token=token, new_password=form.cleaned_data["new_password1"]
            )
        except DomainError as error:
            add_to_form(form, error)
            return self.form_invalid(form)
        del self.request.session[auth_views.INTERNAL_RESET_SESSION_TOKEN]
        return redirect(self.success_url)


class PasswordResetCompleteView(auth_views.PasswordResetCompleteView):
    template_name = "accounts/password_reset_complete.html"


@sensitive_post_parameters("recovery_code", "new_password1", "new_password2")
@rates.limit_posts("recovery", per="address")
def recover(request):
    """Forgot your password? A handle, one of its recovery codes, and a new password. Tries are
    limited per address (here) and per handle typed (accounts.recovery)."""
    form = RecoveryForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            member = recovery.password_recover_with_code(
                handle=form.cleaned_data["handle"],
                code=form.cleaned_data["recovery_code"],
                new_password=form.cleaned_data["new_password1"],
            )
        except TooManyAttempts as error:
            return rates.too_many_requests(request, error.retry_after, message=error.message)
        except DomainError as error:
            add_to_form(form, error)
        else:
            left = selectors.recovery_codes_summary(member=member)["unused"]
            messages.success(request, _("Your password is changed: log in with it."))
            messages.info(request, _codes_left_message(left))
            return redirect("accounts:login")
    status = 400 if request.method == "POST" else 200
    return render(request, "accounts/recover.html", {"form": form}, status=status)


def _codes_left_message(left):
    if left == 0:
        return _("You have no recovery code left: make new ones on your account page.")
    return ngettext("You have %(count)d recovery code left.", "You have %(count)d recovery codes left.", left) % {
        "count": left
    }


def _new_codes_page(request, codes, *, continue_url):
    # Rendered, not redirected, and kept by no cache: the codes exist nowhere else.
    context = {"codes": codes, "continue_url": continue_url, "made_at": timezone.now()}
    return render(request, "accounts/recovery_codes_new.html", context)


@never_cache
@sensitive_post_parameters("password")
@login_required
# New codes could open the account to whoever holds them: the password is asked, and guesses are
# limited like sign-ups, per member.
@rates.limit_posts("signup", per="member")
def recovery_codes(request):
    """The member's recovery codes: how many are left, and new ones (which replace them all), made
    once the member typed their password, and shown once.

    Right after a sign-up without email the codes are made by the first reading of this page (the
    session says it is due, and only once): so they are never kept anywhere in clear, not even in
    the session, and the sign-up still redirects where the member was going, through here."""
    if request.method == "POST":
        form = PasswordConfirmForm(request.user, request.POST)
        if form.is_valid():
            codes = recovery.recovery_codes_replace(member=request.user)
            return _new_codes_page(request, codes, continue_url=reverse("accounts:account"))
        status = 400
    elif request.session.pop(CODES_DUE, None) == request.user.pk:
        codes = recovery.recovery_codes_replace(member=request.user)
        return _new_codes_page(request, codes, continue_url=_safe_next(request) or reverse("pages:home"))
    else:
        form, status = PasswordConfirmForm(request.user), 200
    context = {"form": form, "summary": selectors.recovery_codes_summary(member=request.user)}
    return render(request, "accounts/recovery_codes.html", context, status=status)


class PasswordChangeView(auth_views.PasswordChangeView):
    """Django's (the current password, then the new one twice), the password set by accounts.recovery;
    this session stays logged in, every other one of the account ends."""

    template_name = "accounts/password_change.html"
    form_class = PasswordChangeForm
    success_url = reverse_lazy("accounts:account")

    def form_valid(self, form):
        try:
            member = recovery.password_set(member=form.user, new_password=form.cleaned_data["new_password1"])
        except DomainError as error:
            add_to_form(form, error)
            return self.form_invalid(form)
        update_session_auth_hash(self.request, member)
        messages.success(self.request, _("Your password is changed."))
        return redirect(self.success_url)


# The form checks the current password: guesses are limited like sign-ups, per member.
password_change = login_required(rates.limit_posts("signup", per="member")(PasswordChangeView.as_view()))


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
    context = {
        "email_form": form,
        "recovery_codes": selectors.recovery_codes_summary(member=request.user),
        "member_language": languages.language_of(request.user),
    }
    return render(request, "accounts/account.html", context, status=status)


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


def _same_origin(request):
    """A post from one of this site's pages (browsers send Origin with every POST, and
    Sec-Fetch-Site): the language switcher carries no CSRF token (config/urls.py), so only such a
    post may change what is stored on the account."""
    if request.headers.get("Sec-Fetch-Site") == "same-origin":
        return True
    return request.headers.get("Origin") == f"{request.scheme}://{request.get_host()}"


@csrf_exempt
def language_switch(request):
    """The language switcher of every page (Django's set_language: the cookie and the redirect).
    A signed-in member's choice is also kept on their account, for their pages and emails."""
    response = set_language(request)
    if request.method == "POST" and request.user.is_authenticated and _same_origin(request):
        language = languages.supported(request.POST.get("language"))
        if language is not None:
            services.member_language_set(member=request.user, language=language)
    return response


@require_POST
@login_required
def language_choose(request):
    """The account page's choice of language (with a CSRF token, unlike the switcher)."""
    try:
        services.member_language_set(member=request.user, language=request.POST.get("language", ""))
    except DomainError as error:
        messages.error(request, error.message)
        return redirect("accounts:account")
    translation.activate(request.user.language)
    messages.success(request, _("Your pages and emails are now in this language."))
    response = redirect("accounts:account")
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME, request.user.language, max_age=settings.LANGUAGE_COOKIE_AGE, samesite="Lax"
    )
    return response
