from django.http import HttpResponse


def _todo(request, *args, **kwargs):
    return HttpResponse("todo")


signup = profile = _todo
from django.contrib.auth.views import LoginView, LogoutView  # noqa
