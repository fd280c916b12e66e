"""The demo that `make run` shows: the SPEC's communities and projects, in French.

Everything with rules is written through the services (drafts, needs, lifecycle moves,
pledges, receptions, cancellations), so the demo's audit trail is what real use would leave.
Loading is idempotent: members, communities and projects are looked up by their stable key
(handle, slug) and skipped when they exist, with everything that hangs off them.
"""

from dataclasses import dataclass, field
from datetime import timedelta

from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.text import slugify

from accounts.models import Member
from core.formatting import quantity as in_unit
from demo.publishing import load_publishing
from demo.receipts import load_receipt_demo
from donations.models import Need, Pledge
from donations.progress import needs_with_progress
from donations.services import need_create, pledge_cancel, pledge_create, reception_record
from projects.admin import moderators_group
from projects.models import Community, Project
from projects.services import (
    community_create,
    community_join,
    project_add_lead,
    project_create_draft,
    project_transition,
)

DEMO_PASSWORD = "tiwizi-demo"
EMAIL_DOMAIN = "demo.tiwizi.invalid"

BANK = Pledge.Channel.BANK_TRANSFER
MOBILE = Pledge.Channel.MOBILE_MONEY
IN_HAND = Pledge.Channel.CASH_IN_HAND
DROP_OFF = Pledge.Channel.DROP_OFF
SHIPPED = Pledge.Channel.SHIPPED
PUBLIC = Pledge.Visibility.PUBLIC
ANONYMOUS = Pledge.Visibility.ANONYMOUS

# handle: (role, has an email). A member's email is optional: two donors go without.
MEMBERS = {
    "tiwizi_admin": ("superuser", True),
    "moderatrice": ("moderator", True),
    "lead_tighzit": ("member", True),
    "lead_lome": ("member", True),
    "donatrice": ("member", True),
    "amine_tw": ("member", False),
    "khadija_m": ("member", True),
    "youssef_rbt": ("member", True),
    "salma_fes": ("member", True),
    "hamid_agadir": ("member", True),
    "nadia_lyon": ("member", True),
    "brahim_tighzit": ("member", True),
    "kossi_lome": ("member", False),
    "afi_tg": ("member", True),
}

COMMUNITIES = [
    {
        "name": "Twittoma",
        "slug": "twittoma",
        "hashtag": "Twittoma",
        "description": (
            "La communauté marocaine de Twitter. Sous pseudonyme, ses twittos ont construit une classe "
            "préscolaire à Tighzit, habillé les enfants d'Aghbar pour l'hiver, ouvert une bibliothèque "
            "au lycée d'Erfoud et servi des ftours collectifs à Agadir."
        ),
        "moderators": ["moderatrice"],
        "members": [
            "donatrice",
            "amine_tw",
            "khadija_m",
            "youssef_rbt",
            "salma_fes",
            "hamid_agadir",
            "nadia_lyon",
            "brahim_tighzit",
        ],
    },
    {
        "name": "#InstantRésilience",
        "slug": "instant-resilience",
        "hashtag": "InstantRésilience",
        "description": (
            "Groupe d'entraide né à Lomé (Togo) sur les réseaux sociaux : vivres, kits d'hygiène et "
            "soutien aux familles les plus touchées par la crise, organisés quartier par quartier."
        ),
        "moderators": ["moderatrice"],
        "members": ["kossi_lome", "afi_tg", "nadia_lyon", "donatrice"],
    },
]


# Statuses a project reaches only after it was open and took pledges.
COLLECTED_STATUSES = (Project.Status.OPEN, Project.Status.CLOSED, Project.Status.COMPLETED)


@dataclass
class DemoPledge:
    donor: str
    need: str  # the need's label in its project
    quantity: str
    channel: str
    visibility: str = PUBLIC
    message: str = ""
    receptions: list = field(default_factory=list)  # (quantity, note), recorded by the first lead
    cancelled_by: str = ""  # "donor" or "lead"
    cancellation_reason: str = ""


@dataclass
class DemoProject:
    title: str
    community: str
    lead: str
    status: str
    country: str
    category: str
    currency: str
    village: str
    region: str
    summary: str
    story: str
    hashtag: str
    days_ago: int
    deadline_in_days: int
    needs: list  # dicts for need_create
    co_leads: list = field(default_factory=list)
    pledges: list = field(default_factory=list)
    # The leads' notes when the collection is closed and when the project is completed.
    closing_note: str = ""
    completion_note: str = ""


def cash(label, amount):
    return {"kind": Need.Kind.CASH, "label": label, "target_quantity": amount}


def material(label, unit, quantity, unit_value=None):
    return {
        "kind": Need.Kind.MATERIAL,
        "label": label,
        "unit": unit,
        "target_quantity": quantity,
        "estimated_unit_value": unit_value,
    }


PROJECTS = [
    DemoProject(
        title="Vêtements chauds pour Aghbar",
        community="twittoma",
        lead="lead_tighzit",
        status=Project.Status.COMPLETED,
        country="MA",
        category="warm_clothing",
        currency="MAD",
        village="Aghbar",
        region="Al Haouz",
        summary="Couvertures, manteaux et chaussures pour les 146 familles d'un village du Haut Atlas.",
        story="""Aghbar est un village de montagne à plus de 1 800 m d'altitude, dans le Haut Atlas.
L'hiver, la neige coupe la piste plusieurs jours d'affilée et les nuits descendent sous −5 °C.

Avec les enseignants de l'école, nous avons recensé **146 familles** et noté pour chaque enfant
une taille et une pointure. Nous collectons :

- une couverture par famille, deux pour les familles nombreuses ;
- un manteau chaud par enfant scolarisé ;
- une paire de chaussures fermées par enfant.

Tout est rassemblé à Marrakech, trié par famille, puis monté en camion jusqu'à Aghbar où la
distribution se fait à l'école, avec les enseignants.

*Mise à jour :* le camion est monté, la distribution est faite. Merci à toutes et à tous !
""",
        hashtag="HiverAghbar",
        days_ago=75,
        deadline_in_days=-20,
        needs=[
            material("couverture", "pièce", "200", "120"),
            material("manteau", "pièce", "150", "200"),
            material("paire de chaussures", "paire", "100", "150"),
        ],
        pledges=[
            # Over-delivered: 50 promised, 60 arrived in two drops.
            DemoPledge(
                "donatrice",
                "couverture",
                "50",
                DROP_OFF,
                message="Des couvertures en laine de Khénifra.",
                receptions=[("30", "Premier dépôt à Daoudiate."), ("30", "Deuxième dépôt, dix de plus que promis.")],
            ),
            DemoPledge("khadija_m", "couverture", "100", SHIPPED, ANONYMOUS, receptions=[("100", "Colis reçu.")]),
            DemoPledge("amine_tw", "manteau", "80", DROP_OFF, receptions=[("80", "")]),
            DemoPledge(
                "nadia_lyon",
                "manteau",
                "40",
                SHIPPED,
                message="Envoyés de Lyon, tailles 6 à 12 ans.",
                receptions=[("25", "Un carton sur deux arrivé ; le second est perdu par le transporteur.")],
            ),
            DemoPledge(
                "hamid_agadir", "paire de chaussures", "60", IN_HAND, receptions=[("60", "Remises en main propre.")]
            ),
            DemoPledge("youssef_rbt", "paire de chaussures", "40", DROP_OFF, ANONYMOUS, receptions=[("40", "")]),
        ],
        closing_note="Collecte terminée : le camion part samedi.",
        completion_note="Distribution faite à l'école d'Aghbar, avec les enseignants.",
    ),
    DemoProject(
        title="Bibliothèque du lycée d'Erfoud",
        community="twittoma",
        lead="lead_tighzit",
        status=Project.Status.OPEN,
        country="MA",
        category="education",
        currency="MAD",
        village="Erfoud",
        region="Drâa-Tafilalet",
        summary="Une vraie bibliothèque pour les 900 élèves du lycée : des livres, des étagères, une salle.",
        story="""Au lycée d'Erfoud, la « bibliothèque » tient dans deux armoires fermées à clé.
Les élèves préparent le baccalauréat sans dictionnaire ni roman à emprunter.

Le proviseur nous confie une salle de 40 m². Avec les professeurs de lettres, nous avons
établi une liste de **600 livres** : romans en arabe et en français, dictionnaires, annales
du bac, livres de sciences.

- les livres sont déposés à Rabat ou à Marrakech, ou envoyés directement au lycée ;
- les étagères sont fabriquées par un menuisier d'Erfoud ;
- le fonds en argent paie la peinture, l'éclairage, les tables et les chaises.

Un club de lecture d'élèves tiendra la bibliothèque, avec un professeur référent.
""",
        hashtag="BiblioErfoud",
        days_ago=40,
        deadline_in_days=120,
        needs=[
            material("livres", "livre", "600", "60"),
            material("étagères", "pièce", "12", "900"),
            cash("Aménagement de la salle", "15000"),
        ],
        pledges=[
            DemoPledge(
                "khadija_m",
                "livres",
                "80",
                SHIPPED,
                message="Des romans en arabe et en français, de la part d'une ancienne élève.",
                receptions=[("80", "Colis arrivé au lycée.")],
            ),
            DemoPledge("salma_fes", "livres", "50", DROP_OFF, ANONYMOUS),
            DemoPledge("hamid_agadir", "étagères", "4", DROP_OFF),
            DemoPledge("amine_tw", "Aménagement de la salle", "2000", MOBILE, receptions=[("2000", "")]),
            DemoPledge(
                "donatrice",
                "Aménagement de la salle",
                "1000",
                BANK,
                cancelled_by="donor",
            ),
        ],
    ),
    DemoProject(
        title="Ftours collectifs à Agadir",
        community="twittoma",
        lead="lead_tighzit",
        co_leads=["hamid_agadir"],
        status=Project.Status.OPEN,
        country="MA",
        category="food_aid",
        currency="MAD",
        village="Agadir",
        region="Souss-Massa",
        summary="Trente soirs de ftour pour les travailleurs saisonniers et les familles d'Anza et de Tikiouine.",
        story="""Chaque Ramadan, des centaines de travailleurs saisonniers et de familles d'Agadir
rompent le jeûne seuls, loin des leurs ou sans de quoi préparer un repas.

Avec une association de quartier d'Anza, nous servons **un ftour collectif chaque soir**
pendant tout le mois : harira, dattes, œufs, pain, lait et un plat chaud.

- le fonds en argent paie les repas, préparés par des femmes du quartier et payées pour cela ;
- les paniers de Ramadan (farine, huile, sucre, thé, lentilles) vont aux familles qui ne
  peuvent pas se déplacer.

Les comptes sont publiés ici, soir après soir.
""",
        hashtag="FtourAgadir",
        days_ago=20,
        deadline_in_days=40,
        needs=[
            cash("Repas de ftour (30 soirs)", "45000"),
            material("panier de Ramadan", "panier", "300", "250"),
        ],
        pledges=[
            DemoPledge(
                "donatrice",
                "Repas de ftour (30 soirs)",
                "3000",
                IN_HAND,
                message="Ramadan Mubarak à toute l'équipe.",
                receptions=[("3000", "Remis à Hamid au local d'Anza.")],
            ),
            DemoPledge("youssef_rbt", "Repas de ftour (30 soirs)", "1000", MOBILE, ANONYMOUS),
            DemoPledge("salma_fes", "panier de Ramadan", "20", DROP_OFF, receptions=[("10", "Dix paniers déposés.")]),
            DemoPledge("nadia_lyon", "panier de Ramadan", "15", SHIPPED, ANONYMOUS),
        ],
    ),
    DemoProject(
        title="#InstantRésilience Lomé",
        community="instant-resilience",
        lead="lead_lome",
        status=Project.Status.OPEN,
        country="TG",
        category="food_aid",
        currency="XOF",
        village="Lomé",
        region="Maritime",
        summary="Des vivres et des kits alimentaires pour 250 familles de Bè, Adakpamé et Agoè.",
        story="""Depuis la crise, beaucoup de familles de Lomé vivent au jour le jour : vendeuses du
marché, conducteurs de zémidjan, journaliers. Un jour sans travail, c'est un jour sans repas.

Le groupe **#InstantRésilience** s'organise quartier par quartier. Des relais connus des
habitants établissent la liste des familles et distribuent :

- des **kits alimentaires** : 5 kg de riz, 1 litre d'huile, sucre, sel, savon ;
- des achats de vivres au marché d'Adawlato avec le fonds en argent.

Les dons arrivent surtout par mobile money (T-Money, Flooz) ; chaque réception est confirmée
ici par les responsables.
""",
        hashtag="InstantRésilience",
        days_ago=30,
        deadline_in_days=60,
        needs=[
            cash("Achat de vivres", "1500000"),
            material("kit alimentaire", "kit", "250", "7500"),
        ],
        pledges=[
            DemoPledge(
                "kossi_lome",
                "Achat de vivres",
                "50000",
                MOBILE,
                message="Courage à toute l'équipe !",
                receptions=[("50000", "Reçu par T-Money.")],
            ),
            DemoPledge(
                "afi_tg", "Achat de vivres", "25000", MOBILE, ANONYMOUS, receptions=[("10000", "Premier envoi Flooz.")]
            ),
            DemoPledge("nadia_lyon", "Achat de vivres", "100000", BANK),
            DemoPledge("afi_tg", "kit alimentaire", "20", DROP_OFF, receptions=[("20", "Déposés à Bè.")]),
            DemoPledge("kossi_lome", "kit alimentaire", "10", IN_HAND),
        ],
    ),
    DemoProject(
        title="Classe préscolaire à Tighzit",
        community="twittoma",
        lead="lead_tighzit",
        status=Project.Status.OPEN,
        country="MA",
        category="education",
        currency="MAD",
        village="Tighzit",
        region="Al Haouz",
        summary="Une classe préscolaire pour les 28 enfants de 4 à 6 ans du douar, à 12 km de la plus proche.",
        story="""## Pourquoi une classe préscolaire ?

À Tighzit, douar de la province d'Al Haouz, les enfants de 4 à 6 ans n'ont aucune classe
préscolaire à moins de 12 km de piste. Ils arrivent en première année sans avoir jamais tenu
un crayon, et beaucoup décrochent dès les premiers mois.

## Ce que nous construisons

- une salle de classe de 48 m², en dur, isolée pour l'hiver ;
- un coin sanitaire et un point d'eau ;
- l'équipement : pupitres, tableau, livres d'éveil.

Le terrain (50 m²) est offert par **Si Brahim**, un habitant du douar. L'association locale
prend en charge le salaire de l'éducatrice pendant trois ans.

## Comment aider

Promettez un montant ou du matériel ci-dessous. L'argent arrive par virement ou par mobile
money ; le matériel est déposé au point de collecte de Marrakech (Daoudiate) ou expédié à Asni.
Chaque réception est confirmée ici par les responsables du projet.
""",
        hashtag="ClasseTighzit",
        days_ago=10,
        deadline_in_days=75,
        needs=[
            cash("Construction de la classe", "60000"),
            material("pupitre", "pièce", "15", "450"),
            material("sac de ciment", "sac", "120", "75"),
            material("terrain", "m²", "50"),
        ],
        pledges=[
            DemoPledge(
                "donatrice",
                "Construction de la classe",
                "5000",
                BANK,
                message="Pour les petits de Tighzit.",
                receptions=[("5000", "Virement reçu.")],
            ),
            DemoPledge(
                "amine_tw",
                "Construction de la classe",
                "10000",
                BANK,
                ANONYMOUS,
                receptions=[("4000", "Premier virement ; le reste le mois prochain.")],
            ),
            DemoPledge("khadija_m", "Construction de la classe", "2500", MOBILE),
            DemoPledge("nadia_lyon", "Construction de la classe", "3000", BANK, ANONYMOUS),
            DemoPledge("youssef_rbt", "Construction de la classe", "1500", IN_HAND, cancelled_by="donor"),
            DemoPledge(
                "brahim_tighzit",
                "terrain",
                "50",
                DROP_OFF,
                message="Le terrain à côté de la mosquée. L'acte de donation est signé chez l'adoul.",
                receptions=[("50", "Acte de donation reçu.")],
            ),
            DemoPledge("salma_fes", "pupitre", "10", SHIPPED, receptions=[("6", "Six pupitres livrés à Asni.")]),
            # Partly delivered, then released by the lead: the 25 bags that arrived still count.
            DemoPledge(
                "donatrice",
                "sac de ciment",
                "40",
                DROP_OFF,
                receptions=[("25", "25 sacs déposés à Daoudiate.")],
                cancelled_by="lead",
                cancellation_reason=(
                    "La commune a offert le ciment restant : les 15 sacs non livrés sont libérés. Merci !"
                ),
            ),
            DemoPledge("hamid_agadir", "sac de ciment", "30", DROP_OFF, ANONYMOUS),
        ],
    ),
    DemoProject(
        title="Cartables pour les écoliers d'Imlil",
        community="twittoma",
        lead="lead_tighzit",
        status=Project.Status.IN_REVIEW,
        country="MA",
        category="education",
        currency="MAD",
        village="Imlil",
        region="Al Haouz",
        summary="Un cartable et une trousse complète pour chaque écolier d'Imlil à la rentrée.",
        story="""À la rentrée, beaucoup d'écoliers d'Imlil portent leurs cahiers dans un sac en plastique.

Nous voulons offrir à chacun des **120 élèves** de l'école primaire un cartable solide et une
trousse complète (crayons, gomme, règle, taille-crayon, crayons de couleur).
""",
        hashtag="CartablesImlil",
        days_ago=3,
        deadline_in_days=90,
        needs=[
            material("cartable", "pièce", "120", "90"),
            material("trousse complète", "pièce", "120", "35"),
        ],
    ),
    DemoProject(
        title="Fournitures scolaires à Bè",
        community="instant-resilience",
        lead="lead_lome",
        status=Project.Status.DRAFT,
        country="TG",
        category="education",
        currency="XOF",
        village="Bè",
        region="Maritime",
        summary="Des kits scolaires pour les enfants des familles que nous aidons déjà.",
        story="Brouillon : la liste des familles est en cours avec les relais de quartier.",
        hashtag="InstantRésilience",
        days_ago=1,
        deadline_in_days=100,
        needs=[material("kit scolaire", "kit", "200", "4000")],
    ),
]


class DemoLoader:
    def __init__(self, log):
        self.log = log
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
        moderators_group().user_set.add(self.members["moderatrice"])
        self.load_communities()
        load_receipt_demo(members=self.members, created=self._created, skipped=self._skipped)
        for demo in PROJECTS:
            self.load_project(demo)

    def load_members(self):
        # Handles are unique whatever their case, so look them up that way.
        existing = {
            member.handle.lower(): member
            for member in Member.objects.annotate(handle_lower=Lower("handle")).filter(
                handle_lower__in=[handle.lower() for handle in MEMBERS]
            )
        }
        password_hash = None
        for handle, (role, has_email) in MEMBERS.items():
            member = existing.get(handle.lower())
            if member is not None:
                self.members[handle] = member
                self._skipped(f"member @{handle}")
                continue
            password_hash = password_hash or make_password(DEMO_PASSWORD)
            email = f"{handle}@{EMAIL_DOMAIN}" if has_email else None
            if role == "superuser":
                member = Member.objects.create_superuser(handle, None, email=email)
            else:
                member = Member.objects.create_user(handle, None, email=email, is_staff=(role == "moderator"))
            # One Argon2 hash for the one documented password: hashing it per account would
            # make every load (and every test that loads the demo) take seconds.
            member.password = password_hash
            member.save(update_fields=["password"])
            self.members[handle] = member
            self._created(f"member @{handle}")

    def load_communities(self):
        for spec in COMMUNITIES:
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

    def load_project(self, demo):
        slug = slugify(demo.title)
        if Project.objects.filter(slug=slug).exists():
            self._skipped(f"project {demo.title}")
            return
        lead = self.members[demo.lead]
        moderator = self.members["moderatrice"]
        project = project_create_draft(
            creator=lead,
            community=Community.objects.get(slug=demo.community),
            title=demo.title,
            country=demo.country,
            category=demo.category,
            currency=demo.currency,
            summary=demo.summary,
            story=demo.story,
            village=demo.village,
            region=demo.region,
            hashtag=demo.hashtag,
            deadline=timezone.localdate() + timedelta(days=demo.deadline_in_days),
            created_at=timezone.now() - timedelta(days=demo.days_ago),
        )
        for handle in demo.co_leads:
            project_add_lead(project=project, actor=lead, member=self.members[handle])
        needs = {spec["label"]: need_create(project=project, actor=lead, **spec) for spec in demo.needs}

        # The lifecycle as it is lived: the lead submits, a moderator opens, donors pledge while
        # it is open, then the leads close the collection and complete the project.
        if demo.status != Project.Status.DRAFT:
            project_transition(project=project, actor=lead, to_status=Project.Status.IN_REVIEW)
        if demo.status in COLLECTED_STATUSES:
            project_transition(
                project=project,
                actor=moderator,
                to_status=Project.Status.OPEN,
                note="Projet vérifié avec les responsables sur place.",
            )
        for spec in demo.pledges:
            self.load_pledge(spec, need=needs[spec.need], lead=lead)
        published = load_publishing(project=project, lead=lead, title=demo.title)
        if demo.status in (Project.Status.CLOSED, Project.Status.COMPLETED):
            project_transition(project=project, actor=lead, to_status=Project.Status.CLOSED, note=demo.closing_note)
        if demo.status == Project.Status.COMPLETED:
            project_transition(
                project=project, actor=lead, to_status=Project.Status.COMPLETED, note=demo.completion_note
            )
        self._created(f"project {demo.title} ({len(needs)} needs, {len(demo.pledges)} pledges, {published} published)")

    def load_pledge(self, spec, *, need, lead):
        donor = self.members[spec.donor]
        pledge = pledge_create(
            donor=donor,
            need=need,
            quantity=spec.quantity,
            channel=spec.channel,
            visibility=spec.visibility,
            message=spec.message,
        )
        for received, note in spec.receptions:
            reception_record(pledge=pledge, actor=lead, quantity=received, note=note)
        if spec.cancelled_by:
            actor = donor if spec.cancelled_by == "donor" else lead
            pledge_cancel(pledge=pledge, actor=actor, reason=spec.cancellation_reason)

    def summary(self):
        """Each demo need's progress, summed in SQL as every page sums it (one query)."""
        slugs = [slugify(demo.title) for demo in PROJECTS]
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
    loader = DemoLoader(log)
    with transaction.atomic():
        loader.load()
        loader.summary()
        if dry_run:
            transaction.set_rollback(True)
    return loader
