"""The demo `make run` loads: idempotent, consistent with its audit trail, and covering every
state a newcomer should be able to see."""

from decimal import Decimal
from io import StringIO

import pytest
from django.apps import apps
from django.contrib.auth import authenticate
from django.contrib.auth.models import AnonymousUser
from django.core.management import call_command
from django.test import RequestFactory

from accounts.models import Member
from demo.loader import DEMO_PASSWORD
from donations.models import Need, Pledge, Reception
from donations.progress import needs_with_progress, project_progress_annotations
from projects import permissions
from projects.models import Community, Project
from publishing.models import TimelineEntry, Update
from receipts.models import Receipt

pytestmark = pytest.mark.django_db

OUR_APPS = ("accounts", "projects", "donations")


def load_demo(*args):
    """What the command lists with -v 2: each record created or skipped (by default it prints a
    single line: test_load_demo_output.py)."""
    out = StringIO()
    call_command("load_demo", *args, verbosity=2, stdout=out)
    return out.getvalue()


def row_counts():
    return {
        model._meta.label: model.objects.count()
        for app_label in OUR_APPS
        for model in apps.get_app_config(app_label).get_models()
    }


@pytest.fixture
def demo():
    return load_demo()


def test_loading_the_demo_twice_creates_nothing_the_second_time(demo):
    first = row_counts()

    output = load_demo()

    assert row_counts() == first
    assert "created " not in output
    assert "skipped  project Classe préscolaire à Tighzit" in output
    assert "nothing created" in output


def test_first_load_reports_what_it_created(demo):
    assert "created  community Twittoma" in demo
    assert "created  project #InstantRésilience Lomé" in demo
    assert "created  member @donatrice" in demo


def test_dry_run_saves_nothing():
    output = load_demo("--dry-run")

    assert "created  project Classe préscolaire à Tighzit" in output
    assert "Dry run" in output
    assert not Project.objects.exists()
    assert not Member.objects.exists()


def test_demo_has_the_spec_communities_and_projects(demo):
    assert set(Community.objects.values_list("name", "hashtag")) == {
        ("Twittoma", "Twittoma"),
        ("#InstantRésilience", "InstantRésilience"),
    }
    titles = set(Project.objects.values_list("title", flat=True))
    assert {
        "Classe préscolaire à Tighzit",
        "Vêtements chauds pour Aghbar",
        "Bibliothèque du lycée d'Erfoud",
        "Ftours collectifs à Agadir",
        "#InstantRésilience Lomé",
    } <= titles
    tighzit = Project.objects.get(title="Classe préscolaire à Tighzit")
    assert (tighzit.village, tighzit.region, tighzit.country, tighzit.currency) == ("Tighzit", "Al Haouz", "MA", "MAD")
    assert tighzit.needs.get(label="Construction de la classe").target_quantity == Decimal("60000")
    assert tighzit.needs.get(label="terrain").unit == "m²"
    lome = Project.objects.get(title="#InstantRésilience Lomé")
    assert (lome.country, lome.currency, lome.community.slug) == ("TG", "XOF", "instant-resilience")


def test_demo_has_a_project_written_in_arabic_whose_receipts_are_in_arabic_and_french(demo):
    project = Project.objects.get(title="خزان ماء لدوار تاشديرت")
    assert (project.status, project.currency, project.community.slug) == (Project.Status.OPEN, "MAD", "twittoma")
    assert set(project.needs.values_list("kind", flat=True)) == {Need.Kind.CASH, Need.Kind.MATERIAL}
    receipts = list(Receipt.objects.valid().filter(pledge__need__project=project))
    assert receipts
    languages = {(receipt.snapshot["language"], receipt.snapshot.get("second_language")) for receipt in receipts}
    # Twittoma's issuer writes in Arabic and French; Nadia's tax receipt is in French only.
    assert languages == {("ar", "fr"), ("fr", None)}
    assert all(receipt.is_tax_receipt for receipt in receipts if receipt.snapshot["language"] == "fr")


def test_demo_projects_are_in_different_states_most_of_them_open(demo):
    statuses = list(Project.objects.values_list("status", flat=True))

    assert statuses.count(Project.Status.OPEN) > len(statuses) / 2
    assert Project.Status.COMPLETED in statuses
    assert Project.Status.IN_REVIEW in statuses
    assert Project.Status.DRAFT in statuses


def test_demo_has_pledges_in_every_status(demo):
    # Refunds are made through Stripe, which the demo runs without (no keys, no card pledges).
    card_only = {Pledge.Status.PARTIALLY_REFUNDED, Pledge.Status.REFUNDED}
    assert set(Pledge.objects.values_list("status", flat=True)) == set(Pledge.Status.values) - card_only


def test_demo_has_an_over_delivered_pledge_and_cancellations_by_donor_and_by_lead(demo):
    pledges = list(Pledge.objects.select_related("need__project").prefetch_related("receptions", "events__actor"))

    def received(pledge):
        return sum((reception.quantity for reception in pledge.receptions.all()), Decimal(0))

    def cancelled_by(pledge):
        return list(pledge.events.all())[-1].actor

    assert any(pledge.status == Pledge.Status.FULFILLED and received(pledge) > pledge.quantity for pledge in pledges)
    cancelled = [pledge for pledge in pledges if pledge.status == Pledge.Status.CANCELLED]
    assert any(cancelled_by(pledge) == pledge.donor for pledge in cancelled)
    by_lead = [pledge for pledge in cancelled if permissions.is_lead(cancelled_by(pledge), pledge.need.project)]
    assert by_lead
    assert all(pledge.cancellation_reason for pledge in by_lead)
    # A pledge released by a lead after part of it arrived still counts for what arrived.
    assert any(received(pledge) > 0 for pledge in by_lead)


def test_demo_covers_both_currencies_every_channel_and_both_visibilities(demo):
    assert set(Project.objects.values_list("currency", flat=True)) == {"MAD", "XOF"}
    # Card pledges need Stripe keys, which the demo runs without.
    assert set(Pledge.objects.values_list("channel", flat=True)) == set(Pledge.Channel.values) - {Pledge.Channel.CARD}
    assert set(Pledge.objects.values_list("visibility", flat=True)) == set(Pledge.Visibility.values)
    assert Pledge.objects.filter(need__kind=Need.Kind.CASH, need__project__currency="XOF").exists()


def test_anonymous_demo_pledges_hide_their_donor_from_visitors(demo):
    anonymous = Pledge.objects.filter(visibility=Pledge.Visibility.ANONYMOUS).select_related("need__project")

    assert anonymous
    for pledge in anonymous:
        assert pledge.donor_shown_to(AnonymousUser()) is None
        assert pledge.donor_shown_to(pledge.donor) == pledge.donor


def test_demo_totals_equal_the_sums_of_its_rows(demo):
    for need in needs_with_progress().prefetch_related("pledges__receptions", "receptions"):
        received = sum((reception.quantity for reception in need.receptions.all()), Decimal(0))
        pledged = Decimal(0)
        for pledge in need.pledges.all():
            arrived = sum((reception.quantity for reception in pledge.receptions.all()), Decimal(0))
            pledged += arrived if pledge.status == Pledge.Status.CANCELLED else max(pledge.quantity, arrived)
        assert (need.received, need.pledged) == (received, pledged), need
        assert need.missing == max(need.target_quantity - pledged, Decimal(0))

    for project in Project.objects.annotate(**project_progress_annotations()):
        cash = needs_with_progress(Need.objects.filter(project=project, kind=Need.Kind.CASH))
        assert project.cash_received == sum((need.received for need in cash), Decimal(0))
        assert project.cash_pledged == sum((need.pledged for need in cash), Decimal(0))
    tighzit = Project.objects.annotate(**project_progress_annotations()).get(title="Classe préscolaire à Tighzit")
    assert (tighzit.cash_received, tighzit.cash_pledged) == (Decimal("9000"), Decimal("20500"))


def test_every_demo_status_is_explained_by_its_audit_trail(demo):
    for pledge in Pledge.objects.prefetch_related("events"):
        events = list(pledge.events.all())
        assert events[0].to_status == Pledge.Status.PLEDGED
        assert events[-1].to_status == pledge.status
    for project in Project.objects.exclude(status=Project.Status.DRAFT).prefetch_related("transitions"):
        assert list(project.transitions.all())[-1].to_status == project.status
    assert not Reception.objects.filter(need__project__status__in=(Project.Status.DRAFT, Project.Status.IN_REVIEW))


def test_demo_accounts_log_in_with_the_documented_password(demo):
    for handle in ("tiwizi_admin", "moderatrice", "lead_tighzit", "lead_lome", "donatrice", "amine_tw"):
        request = RequestFactory().post("/accounts/login/")  # the log-in limits (axes) need it
        assert authenticate(request, username=handle, password=DEMO_PASSWORD) is not None, handle

    admin = Member.objects.get(handle="tiwizi_admin")
    assert admin.is_superuser and admin.is_staff
    moderator = Member.objects.get(handle="moderatrice")
    # A moderator moderates on the site; the admin is the superusers'.
    assert not moderator.is_staff and not moderator.is_superuser
    assert all(permissions.is_moderator(moderator, community) for community in Community.objects.all())
    assert Project.objects.filter(leads__handle="lead_tighzit").exists()
    assert Project.objects.filter(leads__handle="lead_lome", currency="XOF").exists()


def test_demo_emails_are_in_the_invalid_domain(demo):
    emails = list(Member.objects.exclude(email=None).values_list("email", flat=True))

    assert emails
    assert all(email.endswith(".invalid") for email in emails)


def test_demo_projects_publish_milestones_updates_and_expenses_on_their_timeline(demo):
    aghbar = Project.objects.get(slug="vetements-chauds-pour-aghbar")
    assert list(aghbar.milestones.values_list("status", flat=True)) == ["done", "done", "done"]
    assert aghbar.updates.filter(published_at__isnull=False).count() == 3
    assert aghbar.updates.filter(audience=Update.Audience.SUPPORTERS).count() == 1
    lome = Project.objects.get(slug="instantresilience-lome")
    assert sum(expense.amount for expense in lome.expenses.all()) == Decimal("51500")
    # Every published thing has its one timeline entry, and the demo's history is spread over weeks.
    kinds = set(TimelineEntry.objects.filter(project=aghbar).values_list("kind", flat=True))
    assert kinds == {"update", "milestone", "threshold"}
    entry_dates = TimelineEntry.objects.filter(project=aghbar, kind="update").values_list("at__date", flat=True)
    assert len(set(entry_dates)) == 3
