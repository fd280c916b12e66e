"""The demo that `make run` shows, written from one data file (demo/demo.toml, in French).

Guarantees:
- the file is read and checked before anything is written: a malformed one raises
  DemoDataError naming the record and the field, and the database is left alone;
- everything with rules is written through the services (communities and memberships, drafts,
  needs, lifecycle moves, pledges, receptions, cancellations, milestones, updates, expenses),
  in the file's order, so the audit trail (pledge events, project transitions, thresholds,
  receipts, the timeline) is what real use would leave. Receipt issuers (set in the admin) and
  tax identities are plain rows, written before any gift arrives so receipts are issued with
  them; an identity already there is left as it is;
- the history spans weeks while the services date what they write "now": afterwards only the
  timeline's dates are moved (thresholds, published updates, expenses), so every rule the
  services enforce still held when writing;
- loading is idempotent: members are found by handle whatever its case, communities and
  projects by slug, and skipped when they exist, with everything that hangs off them;
- all in one transaction, rolled back with dry_run.

About 420 lines, a hundred of them checking the data file: reading and writing the demo stay in
this one loader, the only code that knows the file's shape.
"""

import tomllib
from datetime import timedelta
from decimal import Decimal, InvalidOperation
from pathlib import Path

from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.text import slugify

from accounts.models import Member
from core.formatting import quantity as in_unit
from donations.models import Need, Pledge, ProgressThreshold
from donations.progress import needs_with_progress
from donations.services import need_create, pledge_cancel, pledge_create, reception_record
from projects.models import Category, Community, Project
from projects.services import (
    community_create,
    community_join,
    project_add_lead,
    project_create_draft,
    project_transition,
)
from publishing.expenses import expense_record
from publishing.milestones import milestone_create, milestone_update
from publishing.models import Expense, Milestone, TimelineEntry, Update
from publishing.updates import update_create, update_publish
from receipts.models import DonorTaxIdentity, Issuer

DEMO_PASSWORD = "tiwizi-demo"
DATA_FILE = Path(__file__).with_name("demo.toml")

# Each kind of record in the file: its required fields, then its optional ones with their defaults.
FIELDS = {
    "demo": ({"email_domain", "review_note", "members", "communities", "projects"}, {"tax_identities": {}}),
    "member": ({"role"}, {"email": True}),
    "tax identity": ({"legal_name", "address"}, {}),
    "community": ({"name", "slug", "hashtag", "description", "moderators", "members"}, {"issuer": {}}),
    "project": (
        {"title", "community", "lead", "status", "country", "category", "currency", "village", "region"}
        | {"hashtag", "days_ago", "deadline_in_days", "summary", "story", "needs"},
        {"co_leads": [], "pledges": [], "milestones": [], "updates": [], "expenses": []}
        | {"closing_note": "", "completion_note": ""},
    ),
    # whole_units: omitted, a material need is counted whole unless its unit is a measure (kg, m²…).
    "need": ({"kind", "label", "target_quantity"}, {"unit": "", "estimated_unit_value": None, "whole_units": None}),
    "pledge": (
        {"donor", "need", "quantity", "channel"},
        {"visibility": Pledge.Visibility.PUBLIC, "message": "", "receptions": []}
        | {"cancelled_by": "", "cancellation_reason": ""},
    ),
    "reception": ({"quantity"}, {"note": ""}),
    "milestone": (
        {"title"},
        {"description": "", "status": Milestone.Status.PLANNED, "evidence": ""}
        | {"target_in_days": None, "done_days_ago": None},
    ),
    "update": ({"title", "body", "days_ago"}, {"audience": Update.Audience.PUBLIC}),
    "expense": ({"description", "supplier", "amount", "days_ago"}, {"need": ""}),
}
# Statuses a project reaches only after it was open and took pledges.
COLLECTED_STATUSES = (Project.Status.OPEN, Project.Status.CLOSED, Project.Status.COMPLETED)
# What the loader can walk a project to and pledge with (card pledges need Stripe: the demo has none).
PROJECT_STATUSES = (Project.Status.DRAFT, Project.Status.IN_REVIEW, *COLLECTED_STATUSES)
CHANNELS = [channel for channel in Pledge.Channel.values if channel != Pledge.Channel.CARD]
CHOICES = {
    ("member", "role"): ("superuser", "moderator", "member"),
    ("project", "status"): PROJECT_STATUSES,
    ("project", "category"): Category.values,
    ("need", "kind"): Need.Kind.values,
    ("pledge", "channel"): CHANNELS,
    ("pledge", "visibility"): Pledge.Visibility.values,
    ("pledge", "cancelled_by"): ("", "donor", "lead"),
    ("milestone", "status"): Milestone.Status.values,
    ("update", "audience"): Update.Audience.values,
}
# Read as Decimal by the services: whole numbers or decimal strings, never floats.
QUANTITIES = {"target_quantity", "estimated_unit_value", "quantity", "amount"}
DAYS = {"days_ago", "deadline_in_days", "target_in_days", "done_days_ago"}
ISSUER_FIELDS = {field.name for field in Issuer._meta.concrete_fields} - {"id", "community", "created_at"}


class DemoDataError(ValueError):
    """The demo's data file is malformed; the message says where."""


def _record(kind, raw, where):
    """One record with its defaults filled in, its choices, quantities and days checked."""
    if not isinstance(raw, dict):
        raise DemoDataError(f"{where}: expected a table of fields, found {raw!r}")
    required, optional = FIELDS[kind]
    if unknown := sorted(raw.keys() - required - optional.keys()):
        known = ", ".join(sorted(required | optional.keys()))
        raise DemoDataError(f"{where}: unknown {', '.join(unknown)} (the fields are {known})")
    if missing := sorted(required - raw.keys()):
        raise DemoDataError(f"{where}: missing {', '.join(missing)}")
    record = optional | raw
    for name, value in record.items():
        allowed = CHOICES.get((kind, name))
        if allowed is not None and value not in allowed:
            raise DemoDataError(f"{where}: {name} is {value!r}, not one of {', '.join(map(repr, allowed))}")
        if name in DAYS and not (value is None or _is_whole(value)):
            raise DemoDataError(f"{where}: {name} must be a whole number of days, not {value!r}")
        if name in QUANTITIES and value is not None:
            record[name] = _quantity(value, f"{where}: {name}")
    return record


def _is_whole(value):
    return isinstance(value, int) and not isinstance(value, bool)


def _quantity(value, where):
    if not (_is_whole(value) or isinstance(value, str)):
        raise DemoDataError(f'{where} must be a whole number or a decimal string such as "12.5", not {value!r}')
    try:
        Decimal(value)
    except InvalidOperation:
        raise DemoDataError(f"{where}: {value!r} is not a number") from None
    return str(value)  # the services take the text, as a form would send it


def _named(where, field, names, among, what="in the file"):
    for name in [names] if isinstance(names, str) else names:
        if name not in among:
            raise DemoDataError(f"{where}: {field} {name!r} is not {what}")


def read_demo(path=DATA_FILE):
    """The demo's data, checked: every record has its fields and every member, community and
    need it names is in the file."""
    try:
        with open(path, "rb") as file:
            raw = tomllib.load(file)
    except tomllib.TOMLDecodeError as error:
        raise DemoDataError(f"{path.name}: {error}") from error
    demo = _record("demo", raw, path.name)
    members = {handle: _record("member", spec, f"member @{handle}") for handle, spec in demo["members"].items()}
    demo["members"] = members
    demo["tax_identities"] = {
        handle: _record("tax identity", spec, f"tax identity of @{handle}")
        for handle, spec in demo["tax_identities"].items()
    }
    _named("tax_identities", "member", demo["tax_identities"], members)
    communities = {}
    for number, spec in enumerate(demo["communities"], start=1):
        community = _record("community", spec, f"community {spec.get('name', number)!r}")
        where = f"community {community['name']!r}"
        _named(where, "member", community["moderators"] + community["members"], members)
        if unknown := sorted(community["issuer"].keys() - ISSUER_FIELDS):
            raise DemoDataError(f"{where}: issuer: unknown {', '.join(unknown)}")
        communities[community["slug"]] = community
    demo["communities"] = communities
    demo["projects"] = [_project(spec, number, members, communities) for number, spec in enumerate(demo["projects"], 1)]
    return demo


def _project(spec, number, members, communities):
    project = _record("project", spec, f"project {spec.get('title', number)!r}")
    where = f"project {project['title']!r}"
    _named(where, "community", project["community"], communities)
    _named(where, "lead", [project["lead"], *project["co_leads"]], members)
    for kind in ("need", "pledge", "milestone", "update", "expense"):
        project[f"{kind}s"] = [
            _record(kind, item, f"{where}, {kind} {n}") for n, item in enumerate(project[f"{kind}s"], 1)
        ]
    labels = {need["label"] for need in project["needs"]}
    for n, pledge in enumerate(project["pledges"], 1):
        _named(f"{where}, pledge {n}", "donor", pledge["donor"], members)
        _named(f"{where}, pledge {n}", "need", pledge["need"], labels, "one of the project's needs")
        pledge["receptions"] = [
            _record("reception", reception, f"{where}, pledge {n}, reception {r}")
            for r, reception in enumerate(pledge["receptions"], 1)
        ]
    for n, expense in enumerate(project["expenses"], 1):
        _named(f"{where}, expense {n}", "need", expense["need"] or [], labels, "one of the project's needs")
    return project


class DemoLoader:
    def __init__(self, log, demo):
        self.log = log
        self.demo = demo
        self.members = {}
        self.created = 0
        self.skipped = 0

    def _created(self, what):
        self.created += 1
        self.log(f"created  {what}")

    def _skipped(self, what):
        self.skipped += 1
        self.log(f"skipped  {what} (already there)")

    def load(self):
        self.load_members()
        self.load_communities()
        self.load_receipt_details()
        for spec in self.demo["projects"]:
            self.load_project(spec)

    def load_members(self):
        # Handles are unique whatever their case, so look them up that way.
        specs = self.demo["members"]
        existing = {
            member.handle.lower(): member
            for member in Member.objects.annotate(handle_lower=Lower("handle")).filter(
                handle_lower__in=[handle.lower() for handle in specs]
            )
        }
        password_hash = None
        for handle, spec in specs.items():
            member = existing.get(handle.lower())
            if member is not None:
                self.members[handle] = member
                self._skipped(f"member @{handle}")
                continue
            password_hash = password_hash or make_password(DEMO_PASSWORD)
            email = f"{handle}@{self.demo['email_domain']}" if spec["email"] else None
            if spec["role"] == "superuser":
                member = Member.objects.create_superuser(handle, None, email=email)
            else:
                # Moderators moderate on the site (their community's queue), not in the admin.
                member = Member.objects.create_user(handle, None, email=email)
            # One Argon2 hash for the one documented password: hashing it per account would
            # make every load (and every test that loads the demo) take seconds.
            member.password = password_hash
            member.save(update_fields=["password"])
            self.members[handle] = member
            self._created(f"member @{handle}")

    def load_communities(self):
        for spec in self.demo["communities"].values():
            if Community.objects.filter(slug=spec["slug"]).exists():
                self._skipped(f"community {spec['name']}")
                continue
            community = community_create(
                name=spec["name"],
                slug=spec["slug"],
                hashtag=spec["hashtag"],
                description=spec["description"],
                moderators=[self.members[handle] for handle in spec["moderators"]],
            )
            for handle in spec["members"]:
                community_join(community=community, member=self.members[handle])
            self._created(f"community {community.name}")

    def load_receipt_details(self):
        """Issuers for the demo communities and the donors' tax identities, before any gift arrives."""
        issuers = {slug: spec["issuer"] for slug, spec in self.demo["communities"].items() if spec["issuer"]}
        for community in Community.objects.filter(slug__in=issuers).exclude(receipt_issuer__isnull=False):
            Issuer.objects.create(community=community, **issuers[community.slug])
            self._created(f"receipt issuer for {community.name}")
        for handle, identity in self.demo["tax_identities"].items():
            _identity, was_created = DonorTaxIdentity.objects.get_or_create(
                member=self.members[handle], defaults=identity
            )
            (self._created if was_created else self._skipped)(f"legal identity of @{handle} (for her tax receipts)")

    def load_project(self, spec):
        title, status = spec["title"], spec["status"]
        if Project.objects.filter(slug=slugify(title)).exists():
            self._skipped(f"project {title}")
            return
        lead = self.members[spec["lead"]]
        project = project_create_draft(
            creator=lead,
            community=Community.objects.get(slug=spec["community"]),
            title=title,
            country=spec["country"],
            category=spec["category"],
            currency=spec["currency"],
            summary=spec["summary"],
            story=spec["story"],
            village=spec["village"],
            region=spec["region"],
            hashtag=spec["hashtag"],
            deadline=timezone.localdate() + timedelta(days=spec["deadline_in_days"]),
            created_at=timezone.now() - timedelta(days=spec["days_ago"]),
        )
        for handle in spec["co_leads"]:
            project_add_lead(project=project, actor=lead, member=self.members[handle])
        needs = {need["label"]: need_create(project=project, actor=lead, **need) for need in spec["needs"]}

        # The lifecycle as it is lived: the lead submits, a moderator opens, donors pledge while
        # it is open, then the leads close the collection and complete the project.
        if status != Project.Status.DRAFT:
            project_transition(project=project, actor=lead, to_status=Project.Status.IN_REVIEW)
        if status in COLLECTED_STATUSES:
            project_transition(
                project=project,
                # The first of its community's moderators reviews it.
                actor=self.members[self.demo["communities"][spec["community"]]["moderators"][0]],
                to_status=Project.Status.OPEN,
                note=self.demo["review_note"],
            )
        for pledge in spec["pledges"]:
            self.load_pledge(pledge, need=needs[pledge["need"]], lead=lead)
        published = self.load_publishing(spec, project=project, lead=lead, needs=needs)
        if status in (Project.Status.CLOSED, Project.Status.COMPLETED):
            project_transition(project=project, actor=lead, to_status=Project.Status.CLOSED, note=spec["closing_note"])
        if status == Project.Status.COMPLETED:
            project_transition(
                project=project, actor=lead, to_status=Project.Status.COMPLETED, note=spec["completion_note"]
            )
        self._created(f"project {title} ({len(needs)} needs, {len(spec['pledges'])} pledges, {published} published)")

    def load_pledge(self, spec, *, need, lead):
        donor = self.members[spec["donor"]]
        pledge = pledge_create(
            donor=donor,
            need=need,
            quantity=spec["quantity"],
            channel=spec["channel"],
            visibility=spec["visibility"],
            message=spec["message"],
        )
        for reception in spec["receptions"]:
            reception_record(pledge=pledge, actor=lead, quantity=reception["quantity"], note=reception["note"])
        if spec["cancelled_by"]:
            actor = donor if spec["cancelled_by"] == "donor" else lead
            pledge_cancel(pledge=pledge, actor=actor, reason=spec["cancellation_reason"])

    def load_publishing(self, spec, *, project, lead, needs):
        """What the project published, dated over its life; returns how many things were written."""
        now, today = timezone.now(), timezone.localdate()
        # Its receptions were all recorded now: spread the thresholds they reached over the
        # project's life instead (a quarter of the goal a quarter of the way, and so on).
        lifetime = now - project.created_at
        for threshold in ProgressThreshold.objects.filter(project=project):
            when = project.created_at + lifetime * (threshold.percent / 125)
            ProgressThreshold.objects.filter(pk=threshold.pk).update(reached_at=when)
            TimelineEntry.objects.filter(threshold=threshold).update(at=when)
        for item in spec["milestones"]:
            in_days, days_ago = item["target_in_days"], item["done_days_ago"]
            milestone = milestone_create(
                project=project,
                actor=lead,
                title=item["title"],
                description=item["description"],
                target_date=None if in_days is None else today + timedelta(in_days),
            )
            if item["status"] != Milestone.Status.PLANNED:
                milestone_update(
                    milestone=milestone,
                    actor=lead,
                    title=milestone.title,
                    description=milestone.description,
                    target_date=milestone.target_date,
                    status=item["status"],
                    evidence_note=item["evidence"],
                    done_on=None if days_ago is None else today - timedelta(days_ago),
                )
        for item in spec["updates"]:
            update = update_create(
                project=project, actor=lead, title=item["title"], body=item["body"], audience=item["audience"]
            )
            update_publish(update=update, actor=lead, now=now - timedelta(days=item["days_ago"]))
        for item in spec["expenses"]:
            expense = expense_record(
                project=project,
                actor=lead,
                description=item["description"],
                supplier=item["supplier"],
                amount=Decimal(item["amount"]),
                spent_on=today - timedelta(item["days_ago"]),
                need=needs.get(item["need"]),
            )
            when = now - timedelta(days=item["days_ago"])
            Expense.objects.filter(pk=expense.pk).update(recorded_at=when)
            TimelineEntry.objects.filter(expense=expense).update(at=when)
        return len(spec["milestones"]) + len(spec["updates"]) + len(spec["expenses"])

    def summary(self):
        """Each demo need's progress, summed in SQL as every page sums it (one query)."""
        slugs = [slugify(spec["title"]) for spec in self.demo["projects"]]
        needs = needs_with_progress(Need.objects.filter(project__slug__in=slugs)).select_related("project")
        current = None
        for need in needs.order_by("project__title", "position", "id"):
            if need.project != current:
                current = need.project
                self.log(f"{current.title} [{current.get_status_display()}]")
            self.log(
                f"    {need.label}: {in_unit(need.received, need)} received, "
                f"{in_unit(need.pledged, need)} pledged of {in_unit(need.target_quantity, need)}"
            )


def load_demo(*, log=print, dry_run=False):
    """Load the demo in one transaction; with dry_run, roll it back after reporting."""
    loader = DemoLoader(log, read_demo())
    with transaction.atomic():
        loader.load()
        loader.summary()
        if dry_run:
            transaction.set_rollback(True)
    return loader
