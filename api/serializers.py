"""The API's shapes. Read serializers present what selectors computed; write serializers check the
shape of the input only (types, lengths, choices): every rule is the services' (they raise
DomainError, which api/errors.py turns into the API's error shape).

Nothing here reads a member's email or a donor's identity except through the rules:
`Pledge.donor_shown_to(viewer)` decides whether an anonymous donor's handle is shown.
"""

from django.urls import reverse
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from accounts.models import Member
from core.currencies import Currency
from donations.models import QUANTITY_FIELD, Need, Pledge, Reception
from projects.models import Category, Community, Project
from publishing.models import Expense, Milestone, Update
from receipts.models import Receipt

QUANTITY = {"max_digits": QUANTITY_FIELD["max_digits"], "decimal_places": QUANTITY_FIELD["decimal_places"]}
PERCENT = {"max_digits": 6, "decimal_places": 2}


def _api_url(request, name, **kwargs):
    path = reverse(f"api:{name}", kwargs=kwargs)
    return request.build_absolute_uri(path) if request is not None else path


# Communities ---------------------------------------------------------------------------------


class CommunityBriefSerializer(serializers.ModelSerializer):
    class Meta:
        model = Community
        fields = ["slug", "name", "hashtag"]


class CommunitySerializer(serializers.ModelSerializer):
    member_count = serializers.IntegerField(read_only=True)
    project_count = serializers.IntegerField(read_only=True)

    class Meta:
        model = Community
        fields = ["slug", "name", "hashtag", "description", "member_count", "project_count", "created_at"]


class CommunityDetailSerializer(CommunitySerializer):
    moderators = serializers.SerializerMethodField()
    viewer_role = serializers.CharField(read_only=True, allow_null=True, help_text="Your role here, if a member.")

    class Meta(CommunitySerializer.Meta):
        fields = ["slug", "name", "hashtag", "description", "member_count", "created_at", "moderators", "viewer_role"]

    @extend_schema_field(serializers.ListField(child=serializers.CharField()))
    def get_moderators(self, community):
        return [membership.member.handle for membership in community.moderator_memberships]


class MembershipSerializer(serializers.Serializer):
    community = serializers.SlugField()
    role = serializers.ChoiceField(choices=["member", "moderator"])


# Needs and projects --------------------------------------------------------------------------


class NeedSerializer(serializers.ModelSerializer):
    project = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    target_quantity = serializers.DecimalField(**QUANTITY, read_only=True)
    estimated_unit_value = serializers.DecimalField(**QUANTITY, read_only=True, allow_null=True)
    pledged = serializers.DecimalField(**QUANTITY, read_only=True)
    received = serializers.DecimalField(**QUANTITY, read_only=True)
    missing = serializers.DecimalField(**QUANTITY, read_only=True)
    supporters = serializers.IntegerField(read_only=True)

    class Meta:
        model = Need
        fields = [
            "id",
            "project",
            "kind",
            "label",
            "unit",
            "target_quantity",
            "estimated_unit_value",
            "position",
            "status",
            "pledged",
            "received",
            "missing",
            "supporters",
        ]


class NeedInProjectSerializer(NeedSerializer):
    class Meta(NeedSerializer.Meta):
        fields = [name for name in NeedSerializer.Meta.fields if name not in ("project", "position")]


class ProgressSerializer(serializers.Serializer):
    """A project's totals over its cash needs (in its currency), and the bar's two percentages."""

    cash_target = serializers.DecimalField(**QUANTITY)
    cash_pledged = serializers.DecimalField(**QUANTITY)
    cash_received = serializers.DecimalField(**QUANTITY)
    cash_missing = serializers.DecimalField(**QUANTITY)
    supporters = serializers.IntegerField()
    pledged_percent = serializers.DecimalField(**PERCENT)
    received_percent = serializers.DecimalField(**PERCENT)


class ProjectSerializer(serializers.ModelSerializer):
    url = serializers.SerializerMethodField()
    page_url = serializers.SerializerMethodField()
    community = CommunityBriefSerializer(read_only=True)
    progress = serializers.SerializerMethodField()
    needs = NeedInProjectSerializer(many=True, read_only=True)

    class Meta:
        model = Project
        fields = [
            "slug",
            "url",
            "page_url",
            "title",
            "summary",
            "community",
            "category",
            "status",
            "currency",
            "village",
            "region",
            "country",
            "hashtag",
            "deadline",
            "created_at",
            "opened_at",
            "progress",
            "needs",
        ]

    def get_url(self, project) -> str:
        return _api_url(self.context.get("request"), "project-detail", slug=project.slug)

    def get_page_url(self, project) -> str:
        request = self.context.get("request")
        path = project.get_absolute_url()
        return request.build_absolute_uri(path) if request is not None else path

    @extend_schema_field(ProgressSerializer)
    def get_progress(self, project):
        return ProgressSerializer(project).data


class ProjectDetailSerializer(ProjectSerializer):
    story_html = serializers.SerializerMethodField()
    cover_image = serializers.SerializerMethodField()
    leads = serializers.SerializerMethodField()

    class Meta(ProjectSerializer.Meta):
        fields = [
            *ProjectSerializer.Meta.fields,
            "story",
            "story_html",
            "cover_image",
            "latitude",
            "longitude",
            "cancellation_reason",
            "leads",
        ]

    def get_story_html(self, project) -> str:
        return str(project.story_html)

    @extend_schema_field(serializers.URLField(allow_null=True))
    def get_cover_image(self, project):
        if not project.cover_image:
            return None
        request = self.context.get("request")
        return request.build_absolute_uri(project.cover_image.url) if request else project.cover_image.url

    @extend_schema_field(serializers.ListField(child=serializers.CharField()))
    def get_leads(self, project):
        return [lead.handle for lead in project.leads.all()]


class ProjectWriteSerializer(serializers.ModelSerializer):
    """What a member gives to propose a project (a draft they will lead)."""

    community = serializers.SlugRelatedField(slug_field="slug", queryset=Community.objects.all())
    category = serializers.ChoiceField(choices=Category.choices)
    currency = serializers.ChoiceField(choices=Currency.choices)

    class Meta:
        model = Project
        fields = [
            "community",
            "title",
            "summary",
            "story",
            "category",
            "currency",
            "village",
            "region",
            "country",
            "latitude",
            "longitude",
            "deadline",
            "hashtag",
        ]


class ProjectUpdateSerializer(ProjectWriteSerializer):
    """What a lead may change (any subset). The community is fixed once proposed."""

    class Meta(ProjectWriteSerializer.Meta):
        fields = [name for name in ProjectWriteSerializer.Meta.fields if name != "community"]
        extra_kwargs = {name: {"required": False} for name in fields}


class TransitionSerializer(serializers.Serializer):
    to_status = serializers.ChoiceField(choices=Project.Status.choices)
    note = serializers.CharField(required=False, allow_blank=True, max_length=2000)


class NeedWriteSerializer(serializers.Serializer):
    project = serializers.SlugField(max_length=140, help_text="The project's slug.")
    kind = serializers.ChoiceField(choices=Need.Kind.choices)
    label = serializers.CharField(max_length=120)
    unit = serializers.CharField(max_length=40, required=False, allow_blank=True, default="")
    target_quantity = serializers.DecimalField(**QUANTITY)
    estimated_unit_value = serializers.DecimalField(**QUANTITY, required=False, allow_null=True, default=None)


class NeedUpdateSerializer(NeedWriteSerializer):
    project = None

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            field.required = False


# Pledges and receptions ----------------------------------------------------------------------


class ProjectBriefSerializer(serializers.ModelSerializer):
    class Meta:
        model = Project
        fields = ["slug", "title", "currency"]


class NeedBriefSerializer(serializers.ModelSerializer):
    class Meta:
        model = Need
        fields = ["id", "kind", "label", "unit"]


def _shown_donor(serializer, pledge):
    request = serializer.context.get("request")
    donor = pledge.donor_shown_to(request.user) if request is not None else None
    return donor.handle if donor is not None else None


class PledgeSerializer(serializers.ModelSerializer):
    """A pledge in full, for its donor and the project's dashboard (leads, moderators)."""

    project = ProjectBriefSerializer(source="need.project", read_only=True)
    need = NeedBriefSerializer(read_only=True)
    donor = serializers.SerializerMethodField(help_text="The donor's handle; null when anonymous to you.")
    quantity = serializers.DecimalField(**QUANTITY, read_only=True)
    received = serializers.DecimalField(**QUANTITY, read_only=True)

    class Meta:
        model = Pledge
        fields = [
            "id",
            "project",
            "need",
            "donor",
            "quantity",
            "received",
            "status",
            "visibility",
            "channel",
            "message",
            "cancellation_reason",
            "created_at",
        ]

    def get_donor(self, pledge) -> str | None:
        return _shown_donor(self, pledge)


class SupporterSerializer(serializers.ModelSerializer):
    """A standing pledge as anyone sees it on the project's page."""

    donor = serializers.SerializerMethodField(help_text="The donor's handle; null when the pledge is anonymous.")
    anonymous = serializers.BooleanField(source="is_anonymous", read_only=True)
    need = NeedBriefSerializer(read_only=True)
    quantity = serializers.DecimalField(**QUANTITY, read_only=True)

    class Meta:
        model = Pledge
        fields = ["id", "donor", "anonymous", "need", "quantity", "status", "message", "created_at"]

    def get_donor(self, pledge) -> str | None:
        return _shown_donor(self, pledge)


class PledgeWriteSerializer(serializers.Serializer):
    need = serializers.IntegerField(min_value=1, max_value=2**63 - 1, help_text="The need's id.")
    quantity = serializers.DecimalField(
        **QUANTITY, help_text="An amount in the project's currency, or a number of units."
    )
    channel = serializers.ChoiceField(choices=Pledge.Channel.choices)
    visibility = serializers.ChoiceField(choices=Pledge.Visibility.choices, default=Pledge.Visibility.PUBLIC)
    message = serializers.CharField(max_length=280, required=False, allow_blank=True, default="")


class CheckoutSerializer(serializers.Serializer):
    checkout_url = serializers.URLField(help_text="Stripe's payment page for this pledge; send the donor there.")


class PledgeCancelSerializer(serializers.Serializer):
    reason = serializers.CharField(
        max_length=2000, required=False, allow_blank=True, default="", help_text="Required from a lead."
    )


class ReceptionSerializer(serializers.ModelSerializer):
    project = serializers.SlugRelatedField(source="need.project", slug_field="slug", read_only=True)
    need = NeedBriefSerializer(read_only=True)
    quantity = serializers.DecimalField(**QUANTITY, read_only=True)

    class Meta:
        model = Reception
        fields = ["id", "pledge", "project", "need", "quantity", "received_on", "note", "recorded_at"]


class ReceptionWriteSerializer(serializers.Serializer):
    pledge = serializers.IntegerField(min_value=1, max_value=2**63 - 1, help_text="The pledge's id.")
    quantity = serializers.DecimalField(**QUANTITY)
    received_on = serializers.DateField(required=False, allow_null=True, default=None)
    note = serializers.CharField(max_length=280, required=False, allow_blank=True, default="")


# Members -------------------------------------------------------------------------------------


class PublicPledgeSerializer(serializers.ModelSerializer):
    project = ProjectBriefSerializer(source="need.project", read_only=True)
    need = NeedBriefSerializer(read_only=True)
    quantity = serializers.DecimalField(**QUANTITY, read_only=True)

    class Meta:
        model = Pledge
        fields = ["id", "project", "need", "quantity", "status", "created_at"]


class MemberSerializer(serializers.ModelSerializer):
    """A member as anyone sees them: the handle, never the email."""

    member_since = serializers.DateTimeField(source="date_joined", read_only=True)
    projects_led = serializers.SerializerMethodField()
    public_pledges = serializers.SerializerMethodField()

    class Meta:
        model = Member
        fields = ["handle", "member_since", "projects_led", "public_pledges"]

    @extend_schema_field(ProjectBriefSerializer(many=True))
    def get_projects_led(self, member):
        return ProjectBriefSerializer(self.context["projects_led"], many=True).data

    @extend_schema_field(PublicPledgeSerializer(many=True))
    def get_public_pledges(self, member):
        return PublicPledgeSerializer(self.context["public_pledges"], many=True).data


class MeSerializer(serializers.ModelSerializer):
    """The logged-in member's own account: the only response that carries an email, theirs."""

    member_since = serializers.DateTimeField(source="date_joined", read_only=True)

    class Meta:
        model = Member
        fields = ["handle", "email", "member_since"]


# Receipts ------------------------------------------------------------------------------------


class ReceiptSerializer(serializers.ModelSerializer):
    """One of your receipts. Its PDF carries your legal name if you gave one: download it, the
    API does not repeat it."""

    issuer = serializers.CharField(source="issuer.legal_name", read_only=True, help_text="The issuing association.")
    pdf_url = serializers.SerializerMethodField()
    verification_url = serializers.SerializerMethodField()

    class Meta:
        model = Receipt
        fields = [
            "id",
            "number",
            "kind",
            "year",
            "status",
            "is_tax_receipt",
            "issued_at",
            "pledge",
            "issuer",
            "pdf_url",
            "verification_url",
        ]

    def get_pdf_url(self, receipt) -> str:
        return _api_url(self.context.get("request"), "receipt-pdf", pk=receipt.pk)

    def get_verification_url(self, receipt) -> str:
        path = reverse("receipts:verify", args=[receipt.code])
        request = self.context.get("request")
        return request.build_absolute_uri(path) if request is not None else path


class ReceiptCashSerializer(serializers.Serializer):
    amount = serializers.DecimalField(**QUANTITY)
    currency = serializers.CharField()


class ReceiptItemSerializer(serializers.Serializer):
    label = serializers.CharField()
    quantity = serializers.DecimalField(**QUANTITY)
    unit = serializers.CharField(allow_blank=True)


class ReceiptIssuerSerializer(serializers.Serializer):
    name = serializers.CharField(source="legal_name")
    registration_number = serializers.CharField()


class ReceiptVerificationSerializer(serializers.Serializer):
    """What anyone holding a receipt may check: as the verification page, never the donor."""

    number = serializers.CharField()
    kind = serializers.ChoiceField(choices=Receipt.Kind.choices)
    status = serializers.ChoiceField(choices=Receipt.Status.choices)
    is_tax_receipt = serializers.BooleanField()
    issuer = ReceiptIssuerSerializer()
    issued_on = serializers.DateField(source="public.issued_on")
    gift_dates = serializers.ListField(child=serializers.DateField(), source="public.gift_dates")
    projects = serializers.ListField(child=serializers.CharField(), source="public.projects")
    cash = ReceiptCashSerializer(many=True, source="public.cash")
    items = ReceiptItemSerializer(many=True, source="public.items")
    replaced_by = serializers.CharField(source="replaced_by_number", allow_null=True)
    void_reason = serializers.CharField(allow_blank=True)


# What projects publish: updates, milestones, expenses ---------------------------------------


def _file_url(request, file):
    if not file:
        return None
    return request.build_absolute_uri(file.url) if request is not None else file.url


class PhotoSerializer(serializers.Serializer):
    url = serializers.SerializerMethodField()
    width = serializers.IntegerField()
    height = serializers.IntegerField()
    caption = serializers.CharField(allow_blank=True)

    def get_url(self, photo) -> str:
        return _file_url(self.context.get("request"), photo.image)


class UpdateSerializer(serializers.ModelSerializer):
    """A published update. Who may read a supporters-only one is the views' question (the rules)."""

    author = serializers.CharField(source="author.handle", read_only=True, help_text="The lead's handle.")
    body = serializers.CharField(read_only=True, help_text="Markdown, as the lead wrote it.")
    body_html = serializers.SerializerMethodField(help_text="The text rendered and sanitised.")
    photos = PhotoSerializer(many=True, read_only=True)
    page_url = serializers.SerializerMethodField()

    class Meta:
        model = Update
        fields = ["id", "title", "body", "body_html", "audience", "author", "published_at", "photos", "page_url"]

    def get_body_html(self, update) -> str:
        return str(update.body_html)

    def get_page_url(self, update) -> str:
        path = reverse("publishing:update", args=[update.project.slug, update.pk])
        request = self.context.get("request")
        return request.build_absolute_uri(path) if request is not None else path


class MilestoneSerializer(serializers.ModelSerializer):
    photos = PhotoSerializer(many=True, read_only=True, help_text="Evidence photos.")

    class Meta:
        model = Milestone
        fields = [
            "id",
            "position",
            "title",
            "description",
            "target_date",
            "status",
            "done_on",
            "evidence_note",
            "photos",
        ]


class ExpenseSerializer(serializers.ModelSerializer):
    amount = serializers.DecimalField(**QUANTITY, read_only=True, help_text="Negative for a correction.")
    need = NeedBriefSerializer(read_only=True, allow_null=True)
    scan = serializers.SerializerMethodField(help_text="The supplier's receipt (image or PDF), if any.")
    reverses = serializers.PrimaryKeyRelatedField(
        read_only=True, allow_null=True, help_text="The expense this entry corrects."
    )

    class Meta:
        model = Expense
        fields = [
            "id",
            "description",
            "supplier",
            "amount",
            "currency",
            "spent_on",
            "need",
            "scan",
            "reverses",
            "recorded_at",
        ]

    @extend_schema_field(serializers.URLField(allow_null=True))
    def get_scan(self, expense):
        return _file_url(self.context.get("request"), expense.scan)
