"""A member's updates and update emails, in their copy of their data and when their account is
deleted (accounts/hooks.py; connected in PublishingConfig.ready())."""

from core import cache_versions
from projects.models import Project
from publishing.models import Update, UpdateEmail, UpdateEmailOptOut


def member_data(*, member, data):
    """The projects whose update emails the member turned off, the update emails sent or queued
    for them, and the updates they wrote as a lead: three queries."""
    opt_outs = UpdateEmailOptOut.objects.filter(member=member).select_related("project").order_by("at", "id")
    data["update_email_opt_outs"] = [
        {"project": {"slug": opt_out.project.slug, "title": opt_out.project.title}, "at": opt_out.at}
        for opt_out in opt_outs
    ]
    emails = UpdateEmail.objects.filter(member=member).select_related("update__project").order_by("id")
    data["update_emails"] = [
        {
            "project": email.update.project.slug,
            "update": email.update.title,
            "status": email.status,
            "sent_at": email.sent_at,
        }
        for email in emails
    ]
    written = Update.objects.filter(author=member).select_related("project").order_by("created_at", "id")
    data["updates_written"] = [
        {
            "project": update.project.slug,
            "title": update.title,
            "published_at": update.published_at,
            "hidden_at": update.hidden_at,
        }
        for update in written
    ]


def member_erase(*, member):
    """No more update emails: the opt-outs and the queue's rows go, but for one a worker is
    sending at this moment (it finds no address, and fails it). Updates the member wrote stay on
    their projects' timelines, signed "a deleted member"."""
    UpdateEmailOptOut.objects.filter(member=member).delete()
    UpdateEmail.objects.filter(member=member).exclude(status=UpdateEmail.Status.SENDING).delete()
    for project in Project.objects.filter(updates__author=member).distinct().select_related("community"):
        cache_versions.project_changed(project)
