"""What the demo projects published: milestones, updates and expenses, in French.

Written through the services like the rest of the demo, then dated: the demo's history spans
weeks, while the services date what they write "now". Only the timeline's dates are moved,
so every rule the services enforce (leads only, one entry per thing) still held when writing.
"""

from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal

from django.utils import timezone

from donations.models import ProgressThreshold
from publishing.expenses import expense_record
from publishing.milestones import milestone_create, milestone_update
from publishing.models import Milestone, TimelineEntry, Update
from publishing.updates import update_create, update_publish


@dataclass
class DemoMilestone:
    title: str
    description: str = ""
    target_in_days: int | None = None
    status: str = Milestone.Status.PLANNED
    done_days_ago: int | None = None
    evidence: str = ""


@dataclass
class DemoUpdate:
    title: str
    body: str
    days_ago: int
    audience: str = Update.Audience.PUBLIC


@dataclass
class DemoExpense:
    description: str
    supplier: str
    amount: str
    days_ago: int
    need: str = ""


@dataclass
class DemoPublishing:
    milestones: list = field(default_factory=list)
    updates: list = field(default_factory=list)
    expenses: list = field(default_factory=list)


DONE = Milestone.Status.DONE
IN_PROGRESS = Milestone.Status.IN_PROGRESS
SUPPORTERS = Update.Audience.SUPPORTERS

# Keyed by project title (projects/demo.py).
PUBLISHING = {
    "Vêtements chauds pour Aghbar": DemoPublishing(
        milestones=[
            DemoMilestone(
                "Recensement des familles",
                "Avec les enseignants : tailles et pointures de chaque enfant.",
                status=DONE,
                done_days_ago=70,
                evidence="146 familles recensées, liste tenue par le directeur de l'école.",
            ),
            DemoMilestone(
                "Collecte à Marrakech", "Tri par famille au local de Daoudiate.", status=DONE, done_days_ago=30
            ),
            DemoMilestone(
                "Distribution à l'école d'Aghbar",
                status=DONE,
                done_days_ago=15,
                evidence="Distribution faite famille par famille, en présence des enseignants.",
            ),
        ],
        updates=[
            DemoUpdate(
                "Le tri a commencé",
                "Les premiers cartons sont arrivés à Daoudiate. Nous trions **par famille** le samedi matin : "
                "toutes les mains sont bienvenues.",
                days_ago=40,
            ),
            DemoUpdate(
                "Le camion est monté à Aghbar",
                "La piste était dégagée : le camion est arrivé vendredi. Distribution samedi à l'école.\n\n"
                "Merci à toutes et à tous !",
                days_ago=16,
            ),
            DemoUpdate(
                "Pour celles et ceux qui ont donné",
                "Les enseignants nous ont transmis des dessins des enfants pour vous remercier. "
                "Nous les apporterons à la prochaine rencontre à Marrakech.",
                days_ago=12,
                audience=SUPPORTERS,
            ),
        ],
    ),
    "Bibliothèque du lycée d'Erfoud": DemoPublishing(
        milestones=[
            DemoMilestone("Salle attribuée par le lycée", status=DONE, done_days_ago=35),
            DemoMilestone("Peinture et électricité", target_in_days=30, status=IN_PROGRESS),
            DemoMilestone("Étagères installées", target_in_days=60),
            DemoMilestone("Ouverture de la bibliothèque", target_in_days=110),
        ],
        updates=[
            DemoUpdate(
                "80 romans sont arrivés",
                "Le premier colis est au lycée : des romans en arabe et en français. "
                "Il manque encore des dictionnaires.",
                days_ago=20,
            ),
        ],
        expenses=[
            DemoExpense("Peinture (4 pots de 20 L)", "Droguerie Erfoud Centre", "1200", 8, "Aménagement de la salle"),
        ],
    ),
    "#InstantRésilience Lomé": DemoPublishing(
        milestones=[
            DemoMilestone("Liste des familles avec le comité de quartier", status=DONE, done_days_ago=25),
            DemoMilestone("Première distribution à Bè", target_in_days=10, status=IN_PROGRESS),
        ],
        updates=[
            DemoUpdate(
                "Achats au marché d'Adawlato",
                "Avec les premiers 60 000 F CFA, nous avons acheté riz, huile et savon pour 20 kits.",
                days_ago=9,
            ),
        ],
        expenses=[
            DemoExpense("Riz, huile et savon pour 20 kits", "Marché d'Adawlato", "48000", 9, "Achat de vivres"),
            DemoExpense("Transport des kits jusqu'à Bè", "Taxi-moto", "3500", 8, "Achat de vivres"),
        ],
    ),
    "Classe préscolaire à Tighzit": DemoPublishing(
        milestones=[
            DemoMilestone(
                "Terrain obtenu",
                "Le terrain à côté de la mosquée, donné par Brahim.",
                status=DONE,
                done_days_ago=6,
                evidence="Acte de donation signé chez l'adoul.",
            ),
            DemoMilestone("Fondations", target_in_days=30),
            DemoMilestone("Équipement réuni", target_in_days=60),
            DemoMilestone("Première rentrée", target_in_days=90),
        ],
        updates=[
            DemoUpdate(
                "Le terrain est à nous",
                "L'acte est signé : la classe sera construite à côté de la mosquée, à deux minutes de l'école.",
                days_ago=6,
            ),
        ],
        expenses=[
            DemoExpense("Frais d'acte chez l'adoul", "Étude de l'adoul, Asni", "650", 6, "Construction de la classe"),
        ],
    ),
}


def _date_thresholds(project, now):
    """The demo's receptions are all recorded now; spread the thresholds they reached over the
    project's life instead (a quarter of the goal a quarter of the way, and so on)."""
    lifetime = now - project.created_at
    for threshold in ProgressThreshold.objects.filter(project=project):
        when = project.created_at + lifetime * (threshold.percent / 125)
        ProgressThreshold.objects.filter(pk=threshold.pk).update(reached_at=when)
        TimelineEntry.objects.filter(threshold=threshold).update(at=when)


def load_publishing(*, project, lead, title):
    """Write what a demo project published; returns how many things were written."""
    now = timezone.now()
    _date_thresholds(project, now)
    spec = PUBLISHING.get(title)
    if spec is None:
        return 0
    today = timezone.localdate()
    needs = {need.label: need for need in project.needs.all()}
    for milestone_spec in spec.milestones:
        milestone = milestone_create(
            project=project,
            actor=lead,
            title=milestone_spec.title,
            description=milestone_spec.description,
            target_date=None
            if milestone_spec.target_in_days is None
            else today + timedelta(milestone_spec.target_in_days),
        )
        if milestone_spec.status != Milestone.Status.PLANNED:
            done_on = None if milestone_spec.done_days_ago is None else today - timedelta(milestone_spec.done_days_ago)
            milestone_update(
                milestone=milestone,
                actor=lead,
                title=milestone.title,
                description=milestone.description,
                target_date=milestone.target_date,
                status=milestone_spec.status,
                evidence_note=milestone_spec.evidence,
                done_on=done_on,
            )
    for update_spec in spec.updates:
        update = update_create(
            project=project, actor=lead, title=update_spec.title, body=update_spec.body, audience=update_spec.audience
        )
        update_publish(update=update, actor=lead, now=now - timedelta(days=update_spec.days_ago))
    for expense_spec in spec.expenses:
        expense = expense_record(
            project=project,
            actor=lead,
            description=expense_spec.description,
            supplier=expense_spec.supplier,
            amount=Decimal(expense_spec.amount),
            spent_on=today - timedelta(expense_spec.days_ago),
            need=needs.get(expense_spec.need),
        )
        when = now - timedelta(days=expense_spec.days_ago)
        type(expense).objects.filter(pk=expense.pk).update(recorded_at=when)
        TimelineEntry.objects.filter(expense=expense).update(at=when)
    return len(spec.milestones) + len(spec.updates) + len(spec.expenses)
