"""Who may download a receipt's PDF (it carries the donor's legal name and address)."""

from projects.permissions import is_lead


def can_download_receipt(member, receipt):
    """A receipt's PDF: its donor, the leads of its project (receipts for one gift), and the
    site's operators (superusers). Everybody else is told it does not exist.

    Not the community's moderators: a receipt names the donor, and a moderator never learns who
    an anonymous donor is (SPEC), nor a public donor's legal name and address, which appear only
    on the receipt. They verify a receipt like anyone, by its code (/r/<code>/)."""
    if not member.is_authenticated:
        return False
    if receipt.donor_id == member.pk or member.is_superuser:
        return True
    return receipt.pledge_id is not None and is_lead(member, receipt.pledge.need.project)
