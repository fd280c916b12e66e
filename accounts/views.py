from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.db import IntegrityError, transaction
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.debug import sensitive_post_parameters

from accounts import selectors
from accounts.forms import LoginForm, SignupForm
from accounts.models import Member

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
                return redirect(_safe_next(request) or "projects:list")
    else:
        form = SignupForm()
    return render(request, "accounts/signup.html", {"form": form, "next": _safe_next(request) or ""})


class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    authentication_form = LoginForm
    redirect_authenticated_user = True


class LogoutView(auth_views.LogoutView):
    """POST only (Django's own); the header's button posts here."""


def profile(request, handle):
    try:
        member = selectors.member_by_handle(handle=handle)
    except Member.DoesNotExist:
        raise Http404(_("No member has this handle.")) from None
    if member.handle != handle:
        return redirect(member.get_absolute_url(), permanent=True)
    context = {
        "member": member,
        "pledges": selectors.member_public_pledges(member=member),
        "projects": selectors.member_led_projects(member=member, viewer=request.user),
        "is_self": request.user.is_authenticated and request.user.pk == member.pk,
    }
    return render(request, "accounts/profile.html", context)
