"""A large, realistic data set for benchmarks and manual checks of the API at scale.

    manage.py generate_load_data --projects 10000 --pledges 300000

Rows are written with bulk_create in batches (minutes, not hours) rather than through the
services one by one: this is synthetic data, not a history. Each pledge still gets its
creation event, and its receptions match its status (received in full, or part of it), so
progress summed from these rows is what the services would have produced.
Everything it creates hangs off communities whose slug starts with "load-"; running it again
finds them and creates nothing (remove them with --replace). Members get no usable password.
"""

import random
from datetime import timedelta
from decimal import Decimal

from django.contrib.auth.hashers import make_password
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from accounts.models import Member
from core import cache_versions
from donations.models import Need, Pledge, PledgeEvent, Reception
from donations.search import refresh_all_search
from donations.totals import refresh_all_totals
from projects.models import Category, Community, Membership, Project

SLUG_PREFIX = "load-"
HANDLE_PREFIX = "load_"
BATCH = 5000
NEEDS_PER_PROJECT = 3

PLACES = [
    ("MA", "MAD", ["Al Haouz", "Drâa-Tafilalet", "Souss-Massa", "Fès-Meknès", "Oriental"]),
    ("TG", "XOF", ["Maritime", "Plateaux", "Kara"]),
    ("SN", "XOF", ["Dakar", "Thiès", "Kaolack"]),
    ("FR", "EUR", ["Île-de-France", "Auvergne-Rhône-Alpes", "Occitanie"]),
]
VILLAGES = ["Tighzit", "Aghbar", "Erfoud", "Imlil", "Tinghir", "Lomé", "Kpalimé", "Thiès", "Lyon", "Agadir"]
WORKS = ["Classe", "Bibliothèque", "Puits", "Ftours", "Couvertures", "Cantine", "Dispensaire", "Toiture"]
ITEMS = [
    ("couverture", "pièce"),
    ("livres", "pièce"),
    ("sac de ciment", "sac"),
    ("cartable", "pièce"),
    ("farine", "kg"),
    ("table-banc", "pièce"),
]
# Pledge statuses by weight: most promises stand, a quarter arrived, some partly, some withdrawn.
STATUS_WEIGHTS = [
    (Pledge.Status.PLEDGED, 55),
    (Pledge.Status.FULFILLED, 25),
    (Pledge.Status.PARTIALLY_FULFILLED, 10),
    (Pledge.Status.CANCELLED, 10),
]
PROJECT_STATUS_WEIGHTS = [
    (Project.Status.OPEN, 80),
    (Project.Status.CLOSED, 8),
    (Project.Status.COMPLETED, 5),
    (Project.Status.DRAFT, 4),
    (Project.Status.CANCELLED, 3),
]
CASH_CHANNELS = [Pledge.Channel.BANK_TRANSFER, Pledge.Channel.MOBILE_MONEY, Pledge.Channel.CASH_IN_HAND]
MATERIAL_CHANNELS = [Pledge.Channel.DROP_OFF, Pledge.Channel.SHIPPED]


def _weighted(rng, weights):
    return rng.choices([value for value, _weight in weights], [weight for _value, weight in weights])[0]


class Command(BaseCommand):
    help = "Create a large synthetic data set (projects, needs, pledges, receptions) for benchmarks."

    def add_arguments(self, parser):
        parser.add_argument("--projects", type=int, default=10000)
        parser.add_argument("--pledges", type=int, default=300000)
        parser.add_argument("--communities", type=int, default=20)
        parser.add_argument("--seed", type=int, default=20261101)
        parser.add_argument("--dry-run", action="store_true", help="Say what would be created; write nothing.")
        parser.add_argument("--replace", action="store_true", help="Delete an earlier load data set first.")

    def handle(self, *args, projects, pledges, communities, seed, dry_run, replace, **options):
        if projects < 1 or pledges < 0 or communities < 1:
            raise CommandError("--projects and --communities must be positive, --pledges not negative.")
        members = max(50, min(pledges // 60, 20000))
        existing = Project.objects.filter(community__slug__startswith=SLUG_PREFIX).count()
        plan = (
            f"{communities} communities, {members} members, {projects} projects, "
            f"{projects * NEEDS_PER_PROJECT} needs, {pledges} pledges (and their receptions)"
        )
        if dry_run:
            self.stdout.write(f"Would create {plan}." + (f" {existing} load projects exist." if existing else ""))
            return
        if existing and not replace:
            self.stdout.write(f"Load data already present ({existing} projects): nothing to do (--replace to redo).")
            return
        if existing:
            self._delete()
        self.rng = random.Random(seed)
        self.now = timezone.now()
        with transaction.atomic():
            self.stdout.write(f"Creating {plan}…")
            member_ids = self._members(members)
            community_ids = self._communities(communities, member_ids)
            project_rows = self._projects(projects, community_ids, member_ids)
            needs = self._needs(project_rows)
            self._pledges(pledges, needs, member_ids)
            # Bulk rows bypass the services, which keep the stored totals: sum them once here.
            self.stdout.write("Summing the stored totals…")
            refresh_all_totals()
            self.stdout.write("Storing the search words…")
            refresh_all_search(Project.objects.filter(community__slug__startswith=SLUG_PREFIX))
            cache_versions.everything_changed()
        self.stdout.write(self.style.SUCCESS("Done."))

    def _delete(self):
        self.stdout.write("Deleting the earlier load data…")
        with transaction.atomic():
            projects = Project.objects.filter(community__slug__startswith=SLUG_PREFIX)
            Reception.objects.filter(need__project__in=projects).delete()
            PledgeEvent.objects.filter(pledge__need__project__in=projects).delete()
            Pledge.objects.filter(need__project__in=projects).delete()
            Need.objects.filter(project__in=projects).delete()
            projects.delete()
            Community.objects.filter(slug__startswith=SLUG_PREFIX).delete()
            Member.objects.filter(handle__startswith=HANDLE_PREFIX).exclude(pledges__isnull=False).delete()

    def _bulk(self, model, rows, label):
        created = []
        for start in range(0, len(rows), BATCH):
            created += model.objects.bulk_create(rows[start : start + BATCH])
            self.stdout.write(f"  {label}: {min(start + BATCH, len(rows))}/{len(rows)}", ending="\r")
        self.stdout.write("")
        return created

    def _members(self, count):
        unusable = make_password(None)
        taken = set(Member.objects.filter(handle__startswith=HANDLE_PREFIX).values_list("handle", flat=True))
        rows = [
            Member(
                handle=f"{HANDLE_PREFIX}{number:05d}",
                # Half of the members gave a private email: the API must never show it.
                email=f"{HANDLE_PREFIX}{number:05d}@load.tiwizi.invalid" if number % 2 else None,
                password=unusable,
                date_joined=self.now - timedelta(days=self.rng.randint(0, 900)),
            )
            for number in range(count)
            if f"{HANDLE_PREFIX}{number:05d}" not in taken
        ]
        self._bulk(Member, rows, "members")
        return list(Member.objects.filter(handle__startswith=HANDLE_PREFIX).values_list("pk", flat=True))

    def _communities(self, count, member_ids):
        rows = [
            Community(
                name=f"Entraide de charge {number:02d}", slug=f"{SLUG_PREFIX}{number:02d}", hashtag=f"Charge{number}"
            )
            for number in range(count)
        ]
        communities = self._bulk(Community, rows, "communities")
        memberships = []
        for community in communities:
            sample = self.rng.sample(member_ids, min(len(member_ids), 200))
            # The first of each community's members moderates it.
            roles = [Membership.Role.MODERATOR] + [Membership.Role.MEMBER] * (len(sample) - 1)
            memberships += [
                Membership(community=community, member_id=member_id, role=role)
                for member_id, role in zip(sample, roles, strict=True)
            ]
        self._bulk(Membership, memberships, "memberships")
        return [community.pk for community in communities]

    def _projects(self, count, community_ids, member_ids):
        rows = []
        for number in range(count):
            country, currency, regions = self.rng.choice(PLACES)
            status = _weighted(self.rng, PROJECT_STATUS_WEIGHTS)
            created_at = self.now - timedelta(days=self.rng.randint(0, 700), minutes=number)
            village = self.rng.choice(VILLAGES)
            rows.append(
                Project(
                    community_id=self.rng.choice(community_ids),
                    title=f"{self.rng.choice(WORKS)} à {village} n°{number}",
                    slug=f"{SLUG_PREFIX}{number:06d}",
                    summary=f"Projet de charge n°{number} pour {village}.",
                    story="Un projet **synthétique** pour mesurer l'API.",
                    village=village,
                    region=self.rng.choice(regions),
                    country=country,
                    category=self.rng.choice(Category.values),
                    currency=currency,
                    deadline=(self.now + timedelta(days=self.rng.randint(-100, 400))).date(),
                    hashtag=f"Charge{number}",
                    status=status,
                    cancellation_reason="Projet abandonné." if status == Project.Status.CANCELLED else "",
                    created_by_id=self.rng.choice(member_ids),
                    created_at=created_at,
                    opened_at=None if status == Project.Status.DRAFT else created_at + timedelta(days=2),
                )
            )
        projects = self._bulk(Project, rows, "projects")
        leads = [Project.leads.through(project_id=project.pk, member_id=project.created_by_id) for project in projects]
        self._bulk(Project.leads.through, leads, "leads")
        return projects

    def _needs(self, projects):
        rows = []
        for project in projects:
            cash_scale = 100 if project.currency == "XOF" else 1
            rows.append(
                Need(
                    project=project,
                    kind=Need.Kind.CASH,
                    label="Fonds du projet",
                    target_quantity=Decimal(self.rng.randint(5, 200) * 1000 * cash_scale),
                    position=0,
                )
            )
            for position, (label, unit) in enumerate(self.rng.sample(ITEMS, NEEDS_PER_PROJECT - 1), start=1):
                rows.append(
                    Need(
                        project=project,
                        kind=Need.Kind.MATERIAL,
                        label=label,
                        unit=unit,
                        target_quantity=Decimal(self.rng.randint(10, 500)),
                        position=position,
                    )
                )
        needs = self._bulk(Need, rows, "needs")
        # Pledges go to projects that took pledges at some point.
        return [need for need in needs if need.project.status != Project.Status.DRAFT]

    def _pledges(self, count, needs, member_ids):
        rows = []
        for _number in range(count):
            need = self.rng.choice(needs)
            if need.kind == Need.Kind.CASH:
                scale = 100 if need.project.currency == "XOF" else 1
                quantity = Decimal(self.rng.choice([50, 100, 200, 500, 1000, 2500])) * scale
                channel = self.rng.choice(CASH_CHANNELS)
            else:
                quantity = Decimal(self.rng.randint(1, 20))
                channel = self.rng.choice(MATERIAL_CHANNELS)
            status = _weighted(self.rng, STATUS_WEIGHTS)
            if need.project.status == Project.Status.CANCELLED and status == Pledge.Status.PLEDGED:
                status = Pledge.Status.CANCELLED
            if status == Pledge.Status.PARTIALLY_FULFILLED and quantity < 2:
                status = Pledge.Status.FULFILLED
            rows.append(
                Pledge(
                    need=need,
                    donor_id=self.rng.choice(member_ids),
                    quantity=quantity,
                    channel=channel,
                    visibility=Pledge.Visibility.ANONYMOUS if self.rng.random() < 0.2 else Pledge.Visibility.PUBLIC,
                    status=status,
                    cancellation_reason="Annulé." if status == Pledge.Status.CANCELLED else "",
                    created_at=need.project.created_at + timedelta(days=self.rng.randint(2, 60)),
                )
            )
        pledges = self._bulk(Pledge, rows, "pledges")
        events, receptions = [], []
        for pledge in pledges:
            events.append(
                PledgeEvent(
                    pledge=pledge,
                    from_status="",
                    to_status=Pledge.Status.PLEDGED,
                    actor_id=pledge.donor_id,
                    at=pledge.created_at,
                )
            )
            if pledge.status == Pledge.Status.FULFILLED:
                received = pledge.quantity
            elif pledge.status == Pledge.Status.PARTIALLY_FULFILLED:
                received = pledge.quantity // 2
            else:
                continue
            lead_id = pledge.need.project.created_by_id
            receptions.append(
                Reception(
                    pledge=pledge,
                    need=pledge.need,
                    quantity=received,
                    received_on=(pledge.created_at + timedelta(days=5)).date(),
                    recorded_by_id=lead_id,
                )
            )
            events.append(
                PledgeEvent(pledge=pledge, from_status=Pledge.Status.PLEDGED, to_status=pledge.status, actor_id=lead_id)
            )
        self._bulk(PledgeEvent, events, "pledge events")
        self._bulk(Reception, receptions, "receptions")
