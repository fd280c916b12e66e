"""Receipts: the donor's own list, a receipt's PDF, and checking one by the code on it."""

from django.http import FileResponse, Http404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import permissions, viewsets
from rest_framework.decorators import action
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response

from api.serializers.receipts import ReceiptSerializer, ReceiptVerificationSerializer
from api.views.lookups import ID_PATTERN, as_id
from receipts import selectors as receipt_selectors
from receipts.delivery import receipt_pdf_file
from receipts.models import Receipt
from receipts.permissions import can_download_receipt
from receipts.selectors import receipt_public_view


class ReceiptViewSet(viewsets.GenericViewSet):
    queryset = Receipt.objects.all()
    permission_classes = [permissions.IsAuthenticated]
    serializer_class = ReceiptSerializer
    lookup_value_regex = ID_PATTERN

    def perform_content_negotiation(self, request, force=False):
        if self.action == "pdf":
            # The PDF is a file response of its own; errors are JSON, whatever the client accepts.
            return JSONRenderer(), JSONRenderer.media_type
        return super().perform_content_negotiation(request, force)

    @extend_schema(summary="My receipts, valid and void, latest first.")
    def list(self, request):
        page = self.paginate_queryset(receipt_selectors.donor_receipts(donor=request.user))
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    @extend_schema(responses={(200, "application/pdf"): OpenApiTypes.BINARY})
    @action(detail=True, methods=["get"])
    def pdf(self, request, pk):
        """The receipt's PDF: for its donor, the leads of its project and superusers; a 404 for
        anybody else, moderators included (that it exists is none of their business)."""
        receipt = (
            Receipt.objects.select_related("issuer__community", "pledge__need__project")
            .prefetch_related("pledge__need__project__leads")
            .filter(pk=as_id(pk))
            .first()
        )
        if receipt is None or not can_download_receipt(request.user, receipt):
            raise Http404
        pdf = receipt_pdf_file(receipt=receipt)
        response = FileResponse(pdf.open("rb"), content_type="application/pdf", filename=f"{receipt.number}.pdf")
        response["Cache-Control"] = "private, no-store"  # legal names inside: no shared cache keeps it
        return response

    @extend_schema(responses=ReceiptVerificationSerializer)
    @action(
        detail=False,
        methods=["get"],
        url_path=r"verify/(?P<code>[A-Za-z0-9_-]{1,64})",
        permission_classes=[permissions.AllowAny],
    )
    def verify(self, request, code):
        """Check a receipt by the code on it (its QR code): genuine, valid or void, and what it says;
        never who gave."""
        receipt = (
            Receipt.objects.select_related("issuer", "replaced_by", "replaced_by_yearly").filter(code=code).first()
        )
        if receipt is None:
            raise Http404
        receipt.public = receipt_public_view(receipt)
        # A correction names its replacement; a per-gift receipt taken over by a yearly one names that.
        replacement = getattr(receipt, "replaced_by", None) or receipt.replaced_by_yearly
        receipt.replaced_by_number = replacement.number if replacement is not None else None
        return Response(ReceiptVerificationSerializer(receipt).data)
