from rest_framework import pagination


class PageNumberPagination(pagination.PageNumberPagination):
    page_size_query_param = "page_size"
    max_page_size = 100


class CursorPagination(pagination.CursorPagination):
    """For pledges and receptions: stable pages while new rows arrive, no COUNT over a big table."""

    ordering = ("-created_at", "-id")
    page_size_query_param = "page_size"
    max_page_size = 100


class ReceptionCursorPagination(CursorPagination):
    ordering = ("-recorded_at", "-id")
