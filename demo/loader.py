"""The demo that `make run` shows, written from one data file (demo/demo.toml, in French, one
project in Arabic).

Guarantees:
- the file is read and checked before anything is written: a malformed one raises
  DemoDataError naming the record and the field, and the database is left alone;
- everything with rules is written through the services (communities and memberships, drafts,
  needs, lifecycle moves, pledges, receptions, cancellations, milestones, updates, expenses),
  so the audit trail (pledge events, project transitions, thresholds, receipts, the timeline)
  is what real use would leave. Receipt issuers (set in the admin) and tax identities are plain
  rows, written before any gift arrives so receipts are issued with them; an identity already
  there is left as it is;
- the history spans weeks: each project's steps are replayed oldest first (replay_order), so the
  services' rules hold in the story's order (a pledge while the project is open, a threshold
  crossed by the reception that crossed it, an update emailed to who supported the project
  then). The services date what they write "now"; right after each step, the rows it wrote get
  its date (DemoLoader.backdate, a queryset update of date fields only: no total depends on a date).
  Receptions get theirs through the service (received_on), so receipts print the gifts' dates;
  receipts themselves keep their issue date, the day of loading (an issued document is never
  rewritten);
- loading is idempotent: members are found by handle whatever its case, communities and
  projects by slug, and skipped when they exist, with everything that hangs off them;
- all in one transaction, rolled back with dry_run; every email it sends (the demo's addresses
  are .invalid) goes to memory and is counted, never to the site's email backend (load_demo).

About 700 lines, 220 of them checking the data file (its fields and its dates): reading and
writing the demo stay in this one loader, the only code that knows the file's shape.
"""

import tomllib
from collections import Counter
from contextlib import contextmanager
from datetime import timedelta
from decimal import Decimal, InvalidOperation
from functools import partial
from itertools import pairwise
from pathlib import Path
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.db.models.functions import Lower
from django.test.utils import override_settings
from django.utils import timezone

from accounts.models import Member
from core.formatting import quantity as in_unit
from demo.covers import cover_jpeg
from donations.models import GivingDetails, Need, Pledge, PledgeEvent, ProgressThreshold, Reception
from donations.progress import needs_with_progress
from donations.services import (
    GIVING_DETAILS_FIELDS,
    giving_details_set,
    need_create,
    pledge_cancel,
    pledge_create,
    reception_record,
)
from projects.models import Category, Community, Membership, Project, ProjectTransition
from projects.services import (
    community_create,
    community_join,
    lead_invitation_create,
    project_add_lead,
    project_create_draft,
    project_transition,
    project_update,
    slug_base,
)
from publishing import update_emails
from publishing.expenses import expense_record
from publishing.milestones import milestone_create, milestone_update
from publishing.models import Expense, Milestone, TimelineEntry, Update, UpdateEmail
from publishing.updates import update_create, update_publish
from receipts.models import DonorTaxIdentity, Issuer, Receipt

DEMO_PASSWORD = "tiwizi-demo"
DATA_FILE = Path(__file__).with_name("demo.toml")

# Each kind of record in the file: its required fields, then its optional ones with their defaults.
FIELDS = {
    "demo": (
        {"email_domain", "review_note", "founded_days_ago", "members", "communities", "projects"},
        {"tax_identities": {}},
    ),
    # language: the member's own (their pages and emails); the site's when omitted.
    "member": ({"role"}, {"email": True, "language": ""}),
    "tax identity": ({"legal_name", "address"}, {}),
    "community": ({"name", "slug", "hashtag", "description", "moderators", "members"}, {"issuer": {}}),
    "project": (
        {"title", "community", "lead", "status", "country", "category", "currency", "village", "region"}
        | {"hashtag", "days_ago", "deadline_in_days", "summary", "story", "needs"},
        {"co_leads": [], "invited": [], "pledges": [], "milestones": [], "updates": [], "expenses": [], "giving": None}
        | {"closing_note": "", "completion_note": ""}
        # Its lifecycle's dates, each needed once its status says it happened (_lifecycle).
        | {"opened_days_ago": None, "closed_days_ago": None, "completed_days_ago": None},
    ),
    # whole_units: omitted, a material need is counted whole unless its unit is a measure (kg, m²…).
    # How to give (the leads' page "How to give"): only what the project has, the rest as the service defaults it.
    "giving": (set(), dict.fromkeys(GIVING_DETAILS_FIELDS) | {"mobile_money": [], "collection_points": []}),
    # unit_plural: omitted, the usual French plural of the unit (donations.models.default_unit_plural).
    "need": (
        {"kind", "label", "target_quantity"},
        {"unit": "", "unit_plural": "", "estimated_unit_value": None, "whole_units": None},
    ),
    "pledge": (
        {"donor", "need", "quantity", "channel", "days_ago"},
        {"visibility": Pledge.Visibility.PUBLIC, "message": "", "receptions": []}
        | {"cancelled_by": "", "cancellation_reason": "", "cancelled_days_ago": None},
    ),
    "reception": ({"quantity", "days_ago"}, {"note": ""}),
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
DAYS = {"deadline_in_days", "target_in_days"}
# How long ago something happened: never negative, so nothing in the demo is in the future.
DAYS_AGO = {"days_ago", "done_days_ago", "founded_days_ago", "cancelled_days_ago"} | {
    f"{step}_days_ago" for step in ("opened", "closed", "completed")
}
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
        if name in DAYS | DAYS_AGO and not (value is None or _is_whole(value)):
            raise DemoDataError(f"{where}: {name} must be a whole number of days, not {value!r}")
        if name in DAYS_AGO and value is not None and value < 0:
            raise DemoDataError(f"{where}: {name} is {value}: nothing in the demo happens in the future")
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


def _in_order(where, *steps):
    """Each (what, days ago) of `steps` on or after the one before it; steps without a date are
    left out."""
    dated = [(what, days) for what, days in steps if days is not None]
    for (before, days_before), (after, days_after) in pairwise(dated):
        if days_after > days_before:
            raise DemoDataError(
                f"{where}: {after} ({days_after} days ago) comes before {before} ({days_before} days ago)"
            )


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
    for project in demo["projects"]:
        _in_order(
            f"project {project['title']!r}",
            ("the communities' founding", demo["founded_days_ago"]),
            ("its draft", project["days_ago"]),
        )
    return demo


def _project(spec, number, members, communities):
    project = _record("project", spec, f"project {spec.get('title', number)!r}")
    where = f"project {project['title']!r}"
    _named(where, "community", project["community"], communities)
    _named(where, "lead", [project["lead"], *project["co_leads"]], members)
    _named(where, "invited", project["invited"], members)
    for kind in ("need", "pledge", "milestone", "update", "expense"):
        project[f"{kind}s"] = [
            _record(kind, item, f"{where}, {kind} {n}") for n, item in enumerate(project[f"{kind}s"], 1)
        ]
    labels = {need["label"] for need in project["needs"]}
    _lifecycle(project, where)
    if project["giving"] is not None:
        project["giving"] = _record("giving", project["giving"], f"{where}, giving")
    for n, pledge in enumerate(project["pledges"], 1):
        _named(f"{where}, pledge {n}", "donor", pledge["donor"], members)
        _named(f"{where}, pledge {n}", "need", pledge["need"], labels, "one of the project's needs")
        pledge["receptions"] = [
            _record("reception", reception, f"{where}, pledge {n}, reception {r}")
            for r, reception in enumerate(pledge["receptions"], 1)
        ]
        _pledge_history(pledge, project, f"{where}, pledge {n}")
    for n, expense in enumerate(project["expenses"], 1):
        _named(f"{where}, expense {n}", "need", expense["need"] or [], labels, "one of the project's needs")
    for kind, days in (("milestone", "done_days_ago"), ("update", "days_ago"), ("expense", "days_ago")):
        for n, item in enumerate(project[f"{kind}s"], 1):
            _in_order(where, ("its draft", project["days_ago"]), (f"{kind} {n}", item[days]))
    return project


def _lifecycle(project, where):
    """The dates of the moves its status says it made: opened once it collected, closed and
    completed after that; none it did not make."""
    status = project["status"]
    made = {
        "opened_days_ago": status in COLLECTED_STATUSES,
        "closed_days_ago": status in (Project.Status.CLOSED, Project.Status.COMPLETED),
        "completed_days_ago": status == Project.Status.COMPLETED,
    }
    for name, needed in made.items():
        if needed != (project[name] is not None):
            raise DemoDataError(f"{where}: a project {status} {'needs' if needed else 'has no'} {name}")
    _in_order(
        where,
        ("its draft", project["days_ago"]),
        ("its opening", project["opened_days_ago"]),
        ("its closing", project["closed_days_ago"]),
        ("its completion", project["completed_days_ago"]),
    )


def _pledge_history(pledge, project, where):
    """A pledge made while its project took pledges, its receptions after it in the file's order,
    and its cancellation (dated exactly when there is one) after what arrived."""
    if bool(pledge["cancelled_by"]) != (pledge["cancelled_days_ago"] is not None):
        raise DemoDataError(f"{where}: cancelled_by and cancelled_days_ago go together")
    if project["opened_days_ago"] is None:
        raise DemoDataError(f"{where}: a project {project['status']} takes no pledges")
    _in_order(
        where,
        ("the project's opening", project["opened_days_ago"]),
        ("the pledge", pledge["days_ago"]),
        ("the project's closing", project["closed_days_ago"]),
    )
    _in_order(
        where,
        ("the pledge", pledge["days_ago"]),
        *((f"reception {r}", reception["days_ago"]) for r, reception in enumerate(pledge["receptions"], 1)),
        ("its cancellation", pledge["cancelled_days_ago"]),
    )


class DemoLoader:
    def __init__(self, log, demo):
        self.log = log
        self.demo = demo
        self.members = {}
        self.created = 0
        self.skipped = 0
        # What this load created, by kind ("members", "pledges"…), and its projects.
        self.loaded = Counter()
        self.projects = []
        self.receipts = 0
        self.emails = 0
        # The story's today: everything is dated so many days before it, and whatever the services
        # write afterwards carries a later time until backdate gives it its step's.
        self.now = timezone.now()

    def _created(self, what, kind=None):
        self.created += 1
        if kind:
            self.loaded[kind] += 1
        self.log(f"created  {what}")

    def _skipped(self, what):
        self.skipped += 1
        self.log(f"skipped  {what} (already there)")

    def ago(self, days):
        return self.now - timedelta(days=days)

    def backdate(self, queryset, field, when):
        """Date `when` the rows of `queryset` that the step just run wrote with the clock (those
        later than the story's today); rows dated by earlier steps keep their dates."""
        queryset.filter(**{f"{field}__gt": self.now}).update(**{field: when})

    def load(self):
        self.load_members()
        self.load_communities()
        self.load_receipt_details()
        for spec in self.demo["projects"]:
            self.load_project(spec)
        self.receipts = Receipt.objects.valid().filter(pledge__need__project__in=self.projects).count()

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
                member = Member.objects.create_superuser(handle, None, email=email, language=spec["language"])
            else:
                # Moderators moderate on the site (their community's queue), not in the admin.
                member = Member.objects.create_user(handle, None, email=email, language=spec["language"])
            # One Argon2 hash for the one documented password: hashing it per account would
            # make every load (and every test that loads the demo) take seconds.
            member.password = password_hash
            member.date_joined = self.ago(self.demo["founded_days_ago"])
            member.save(update_fields=["password", "date_joined"])
            self.members[handle] = member
            self._created(f"member @{handle}", "members")

    def load_communities(self):
        founded = self.ago(self.demo["founded_days_ago"])
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
            Community.objects.filter(pk=community.pk).update(created_at=founded)
            self.backdate(Membership.objects.filter(community=community), "joined_at", founded)
            self._created(f"community {community.name}", "communities")

    def load_receipt_details(self):
        """Issuers for the demo communities and the donors' tax identities, before any gift arrives."""
        founded = self.ago(self.demo["founded_days_ago"])
        issuers = {slug: spec["issuer"] for slug, spec in self.demo["communities"].items() if spec["issuer"]}
        for community in Community.objects.filter(slug__in=issuers).exclude(receipt_issuer__isnull=False):
            Issuer.objects.create(community=community, created_at=founded, **issuers[community.slug])
            self._created(f"receipt issuer for {community.name}")
        for handle, identity in self.demo["tax_identities"].items():
            _identity, was_created = DonorTaxIdentity.objects.get_or_create(
                member=self.members[handle], defaults=identity | {"updated_at": founded}
            )
            (self._created if was_created else self._skipped)(f"legal identity of @{handle} (for her tax receipts)")

    @staticmethod
    def _project_exists(spec):
        # The address projects.services gives the title (an Arabic title in Latin letters).
        return Project.objects.filter(slug=slug_base(spec["title"])).exists()

    def load_project(self, spec):
        title, status = spec["title"], spec["status"]
        if self._project_exists(spec):
            self._skipped(f"project {title}")
            return
        lead = self.members[spec["lead"]]
        drafted = self.ago(spec["days_ago"])
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
            created_at=drafted,
        )
        # A drawn cover (demo/covers.py), through the upload path a lead's photo takes.
        cover = cover_jpeg(slug=project.slug, category=spec["category"], region=spec["region"])
        project = project_update(
            project=project,
            actor=lead,
            cover_image=SimpleUploadedFile(f"{project.slug}.jpg", cover, content_type="image/jpeg"),
        )
        for handle in spec["co_leads"]:
            project_add_lead(project=project, actor=lead, member=self.members[handle])
        # Invited to co-lead, not answered yet: on the member's invitations page and the team page.
        for handle in spec["invited"]:
            lead_invitation_create(project=project, actor=lead, handle=handle)
        needs = {need["label"]: need_create(project=project, actor=lead, **need) for need in spec["needs"]}
        if giving := spec["giving"]:
            giving_details_set(
                project=project,
                actor=lead,
                details={name: giving[name] for name in GIVING_DETAILS_FIELDS if giving[name] is not None},
                mobile_money=giving["mobile_money"],
                collection_points=giving["collection_points"],
            )
            GivingDetails.objects.filter(project=project).update(updated_at=drafted)
        milestones = [self.load_milestone(item, project=project, lead=lead) for item in spec["milestones"]]
        self.backdate(Membership.objects.filter(community=project.community), "joined_at", drafted)  # co-leads
        self.backdate(Need.objects.filter(project=project), "created_at", drafted)
        self.backdate(Milestone.objects.filter(project=project), "created_at", drafted)
        self.backdate(Milestone.objects.filter(project=project), "updated_at", drafted)

        # The lifecycle as it is lived: the lead submits, a moderator opens, donors pledge while
        # it is open, then the leads close the collection and complete the project.
        if status != Project.Status.DRAFT:
            project_transition(project=project, actor=lead, to_status=Project.Status.IN_REVIEW)
            self.backdate(ProjectTransition.objects.filter(project=project), "at", drafted)
        if status in COLLECTED_STATUSES:
            opened = self.ago(spec["opened_days_ago"])
            project_transition(
                project=project,
                # The first of its community's moderators reviews it.
                actor=self.members[self.demo["communities"][spec["community"]]["moderators"][0]],
                to_status=Project.Status.OPEN,
                note=self.demo["review_note"],
            )
            self.backdate(ProjectTransition.objects.filter(project=project), "at", opened)
            self.backdate(Project.objects.filter(pk=project.pk), "opened_at", opened)
        steps = self.steps(spec, project=project, lead=lead, needs=needs, milestones=milestones)
        for days_ago, step in replay_order(steps):
            step(when=self.ago(days_ago))
        self.projects.append(project)
        published = len(spec["milestones"]) + len(spec["updates"]) + len(spec["expenses"])
        self._created(
            f"project {title} ({len(needs)} needs, {len(spec['pledges'])} pledges, {published} published)", "projects"
        )

    def steps(self, spec, *, project, lead, needs, milestones):
        """What happened to the project once open, as (days ago, step): each step writes what
        happened through a service, then dates it."""
        steps = []
        made = {}  # the project's pledges by their position in the file, once made

        def at(days_ago, load, *args, **kwargs):
            steps.append((days_ago, partial(load, *args, **kwargs)))

        for n, item in enumerate(spec["pledges"]):
            at(item["days_ago"], self.load_pledge, item, need=needs[item["need"]], made=made, n=n)
            for reception in item["receptions"]:
                at(reception["days_ago"], self.load_reception, reception, made=made, n=n, lead=lead)
            if item["cancelled_by"]:
                at(item["cancelled_days_ago"], self.load_cancellation, item, made=made, n=n, lead=lead)
        for item, milestone in zip(spec["milestones"], milestones, strict=True):
            if item["status"] == Milestone.Status.DONE:
                at(item["done_days_ago"], self.load_milestone_done, item, milestone=milestone, lead=lead)
        for item in spec["updates"]:
            at(item["days_ago"], self.load_update, item, project=project, lead=lead)
        for item in spec["expenses"]:
            at(item["days_ago"], self.load_expense, item, project=project, lead=lead, needs=needs)
        for move, note in ((Project.Status.CLOSED, "closing_note"), (Project.Status.COMPLETED, "completion_note")):
            if spec[f"{move}_days_ago"] is not None:
                at(spec[f"{move}_days_ago"], self.load_move, move, spec[note], project=project, lead=lead)
        return steps

    def load_pledge(self, spec, *, need, made, n, when):
        pledge = pledge_create(
            donor=self.members[spec["donor"]],
            need=need,
            quantity=spec["quantity"],
            channel=spec["channel"],
            visibility=spec["visibility"],
            message=spec["message"],
        )
        Pledge.objects.filter(pk=pledge.pk).update(created_at=when)
        self.backdate(PledgeEvent.objects.filter(pledge=pledge), "at", when)
        made[n] = pledge
        self.loaded["pledges"] += 1

    def load_reception(self, spec, *, made, n, lead, when):
        pledge = made[n]
        reception = reception_record(
            pledge=pledge,
            actor=lead,
            quantity=spec["quantity"],
            received_on=timezone.localdate(when),
            note=spec["note"],
        )
        Reception.objects.filter(pk=reception.pk).update(recorded_at=when)
        self.backdate(PledgeEvent.objects.filter(pledge=pledge), "at", when)
        # The thresholds this reception crossed, and their lines on the timeline.
        project_id = pledge.need.project_id
        self.backdate(ProgressThreshold.objects.filter(project_id=project_id), "reached_at", when)
        self.backdate(TimelineEntry.objects.filter(project_id=project_id, threshold__isnull=False), "at", when)
        self.loaded["receptions"] += 1

    def load_cancellation(self, spec, *, made, n, lead, when):
        pledge = made[n]
        actor = pledge.donor if spec["cancelled_by"] == "donor" else lead
        pledge_cancel(pledge=pledge, actor=actor, reason=spec["cancellation_reason"])
        self.backdate(PledgeEvent.objects.filter(pledge=pledge), "at", when)

    def load_milestone(self, spec, *, project, lead):
        """A milestone as the lead plans it with the draft; in progress already if it is."""
        in_days = spec["target_in_days"]
        milestone = milestone_create(
            project=project,
            actor=lead,
            title=spec["title"],
            description=spec["description"],
            target_date=None if in_days is None else timezone.localdate() + timedelta(in_days),
        )
        if spec["status"] == Milestone.Status.IN_PROGRESS:
            self._milestone_update(milestone, lead=lead, status=spec["status"], evidence="")
        return milestone

    def load_milestone_done(self, spec, *, milestone, lead, when):
        # The service puts its timeline entry on the day it was done.
        self._milestone_update(
            milestone, lead=lead, status=spec["status"], evidence=spec["evidence"], done_on=timezone.localdate(when)
        )
        self.backdate(Milestone.objects.filter(pk=milestone.pk), "updated_at", when)
        self.backdate(TimelineEntry.objects.filter(milestone=milestone), "at", when)

    def _milestone_update(self, milestone, *, lead, status, evidence, done_on=None):
        milestone_update(
            milestone=milestone,
            actor=lead,
            title=milestone.title,
            description=milestone.description,
            target_date=milestone.target_date,
            status=status,
            evidence_note=evidence,
            done_on=done_on,
        )

    def load_update(self, spec, *, project, lead, when):
        # Emailed to whoever supports the project on that day (see load_demo for where they go).
        update = update_create(
            project=project, actor=lead, title=spec["title"], body=spec["body"], audience=spec["audience"]
        )
        update_publish(update=update, actor=lead, now=when)
        Update.objects.filter(pk=update.pk).update(created_at=when)

    def load_expense(self, spec, *, project, lead, needs, when):
        expense = expense_record(
            project=project,
            actor=lead,
            description=spec["description"],
            supplier=spec["supplier"],
            amount=Decimal(spec["amount"]),
            spent_on=timezone.localdate(when),
            need=needs.get(spec["need"]),
        )
        Expense.objects.filter(pk=expense.pk).update(recorded_at=when)
        TimelineEntry.objects.filter(expense=expense).update(at=when)

    def load_move(self, to_status, note, *, project, lead, when):
        project_transition(project=project, actor=lead, to_status=to_status, note=note)
        self.backdate(ProjectTransition.objects.filter(project=project), "at", when)

    def send_update_emails(self):
        """The emails of the updates this load published that are still queued (see load_demo),
        and all of them dated as if sent when their update was published."""
        queued = UpdateEmail.objects.filter(update__project__in=self.projects, status=UpdateEmail.Status.PENDING)
        for email_id in queued.values_list("pk", flat=True):
            update_emails.send_one(email_id)
        for update in Update.objects.filter(project__in=self.projects, published_at__isnull=False):
            sent = UpdateEmail.objects.filter(update=update, status=UpdateEmail.Status.SENT)
            sent.update(claimed_at=update.published_at, sent_at=update.published_at)

    def receipts_elsewhere(self):
        """The site the demo's receipts lead to (their QR codes), when it is not SITE_URL: the demo
        was loaded before with another one, and a scan would not reach this server."""
        slugs = [slug_base(spec["title"]) for spec in self.demo["projects"]]
        receipt = (
            Receipt.objects.filter(pledge__need__project__slug__in=slugs)
            .exclude(snapshot__verification_url__startswith=settings.SITE_URL + "/")
            .first()
        )
        if receipt is None:
            return None
        url = urlsplit(receipt.snapshot["verification_url"])
        return f"{url.scheme}://{url.netloc}"

    def summary(self):
        """Each demo need's progress, summed in SQL as every page sums it (one query)."""
        slugs = [slug_base(spec["title"]) for spec in self.demo["projects"]]
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


def replay_order(steps):
    """(days ago, step) oldest first; the steps of one day in the order given (sorted is stable)."""
    return sorted(steps, key=lambda entry: -entry[0])


@contextmanager
def emails_counted(loader):
    """Every email sent inside goes to memory and is counted in loader.emails, whatever the
    site's EMAIL_BACKEND: the demo's addresses are .invalid, and two dozen emails printed by the
    console backend would bury the server's address that `make run` prints next. The tasks the
    load enqueues run when it commits, inside, with no broker (as `make run` has; with one, the
    workers may send some update emails first, through the site's EMAIL_BACKEND, each once).
    Afterwards the site sends as before."""
    kept = getattr(mail, "outbox", None)
    mail.outbox = []
    try:
        with override_settings(EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend"):
            yield
    finally:
        loader.emails = len(mail.outbox)
        if kept is None:
            del mail.outbox
        else:
            mail.outbox = kept


def load_demo(*, log=print, dry_run=False):
    """Load the demo in one transaction; with dry_run, roll it back after reporting. The emails
    it sends are counted (loader.emails), not sent (emails_counted)."""
    loader = DemoLoader(log, read_demo())
    with emails_counted(loader):
        with transaction.atomic():
            loader.load()
            loader.summary()
            if dry_run:
                transaction.set_rollback(True)
        # After the commit, like the receipts' and the giving instructions' emails.
        if not dry_run:
            loader.send_update_emails()
    return loader
