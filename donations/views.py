from django.http import HttpResponse


def _todo(request, *args, **kwargs):
    return HttpResponse("todo")


pledge_create = my_pledges = pledge_cancel = _todo
