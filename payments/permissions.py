"""Who may pay a card pledge, and who may give card money back."""

from projects.permissions import is_lead


def can_pay_pledge(member, pledge):
    """Only the donor pays their card pledge (Stripe Checkout)."""
    return member.is_authenticated and pledge.donor_id == member.pk


def can_refund_card_payment(member, pledge):
    """Leads give card money back through Stripe (full or partial refunds)."""
    return is_lead(member, pledge.need.project)
