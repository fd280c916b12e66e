"""Who may download a receipt's PDF (it may carry the donor's legal name and address)."""

from projects.permissions import is_lead, is_moderator


def can_download_receipt(member, receipt):
    """A receipt's PDF: its donor, the leads of its project (receipts for one gift), and the
    moderators of the issuing community. Everybody else is told it does not exist."""
    if not member.is_authenticated:
        return False
    if receipt.donor_id == member.pk:
        return True
    if receipt.pledge_id is not None and is_lead(member, receipt.pledge.need.project):
        return True
    return is_moderator(member, receipt.issuer.community)
