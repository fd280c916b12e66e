"""Background work of receipts (core/background.py; README "Background work")."""

from celery import shared_task

from core.background import TRANSIENT_ERRORS, RetriedTask
from receipts.delivery import receipt_deliver


@shared_task(base=RetriedTask, autoretry_for=TRANSIENT_ERRORS)
def deliver_receipt(receipt_id):
    """Render and store a just-issued receipt's PDF, then email the donor their link: each once,
    however many times this runs (receipt_deliver). An SMTP server or disk that fails is tried
    again later; if all tries fail, the PDF is rendered at the first download."""
    receipt_deliver(receipt_id=receipt_id)
