from django.utils.translation import gettext_lazy as _
from rest_framework import pagination
from rest_framework.exceptions import ValidationError

MAX_PAGE_SIZE = 100


class _StrictPageSize:
    """A page_size that is not a whole number from 1 to 100 is an error, not silently the default."""

    page_size_query_param = "page_size"
    max_page_size = MAX_PAGE_SIZE

    def get_page_size(self, request):
        raw = request.query_params.get(self.page_size_query_param)
        if raw is None:
            return self.page_size
        if not raw.isdigit() or not 1 <= int(raw) <= self.max_page_size:
            raise ValidationError(
                {
                    self.page_size_query_param: [
                        _("Give a whole number from 1 to %(max)d.") % {"max": self.max_page_size}
                    ]
                }
            )
        return int(raw)

    def get_schema_operation_parameters(self, view):
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            if parameter["name"] == self.page_size_query_param:
                parameter["schema"].update(minimum=1, maximum=self.max_page_size)
            elif parameter["name"] == getattr(self, "page_query_param", None):
                parameter["schema"]["minimum"] = 1
        return parameters


class PageNumberPagination(_StrictPageSize, pagination.PageNumberPagination):
    pass


class CursorPagination(_StrictPageSize, pagination.CursorPagination):
    """For pledges and receptions: stable pages while new rows arrive, no COUNT over a big table."""

    ordering = ("-created_at", "-id")


class ReceptionCursorPagination(CursorPagination):
    ordering = ("-recorded_at", "-id")


class UpdateCursorPagination(CursorPagination):
    ordering = ("-published_at", "-id")
