from django.http import HttpResponse


def _todo(request, *args, **kwargs):
    return HttpResponse("todo")


project_list = project_create = community_detail = community_join = project_detail = project_edit = _todo
dashboard = project_move = need_add = need_edit = need_close = reception_add = lead_pledge_cancel = _todo
