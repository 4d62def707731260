from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext_lazy as _

from wagtail.images import get_image_model_string
from wagtail.search import index

from modelcluster.fields import ParentalKey
from modelcluster.models import ClusterableModel

from hub.taxonomy import Commune, Discipline, Sector
from hub.validators import one_line_errors
from members.enterprise import EnterpriseNumberField, enterprise_number_display
from members.permissions import member_appearing_q, member_may_appear
from search.models import IndexedModel


class MemberKind(models.TextChoices):
    ENTREPRENEUR = "entrepreneur", _("Social entrepreneur")
    RESEARCHER = "researcher", _("Researcher")
    PUBLIC_AUTHORITY = "public_authority", _("Public authority")
    FEDERATION = "federation", _("Federation, NGO or network")


class MemberStatus(models.TextChoices):
    PENDING = "pending", _("Pending review")
    PUBLISHED = "published", _("Published")
    SUSPENDED = "suspended", _("Suspended")
    REFUSED = "refused", _("Refused")


class LegalForm(models.TextChoices):
    NONPROFIT = "nonprofit", _("Non-profit (ASBL/VZW)")
    COOPERATIVE = "cooperative", _("Cooperative")
    SOCIAL_COMPANY = "social_company", _("Social-purpose company")
    FOUNDATION = "foundation", _("Foundation")
    MUTUAL = "mutual", _("Mutual")
    PUBLIC_BODY = "public_body", _("Public body")
    UNIVERSITY = "university", _("University")
    RESEARCH_CENTRE = "research_centre", _("Research centre")
    COMPANY = "company", _("Company")
    OTHER = "other", _("Other")


class Visibility(models.TextChoices):
    PUBLIC = "public", _("Public")
    MEMBERS = "members", _("Members only")
    MATCHING = "matching", _("Private, used for matching only")


# Profile sections whose visibility the member chooses. Contact data (e-mail,
# phone) is always private: it is revealed only through an accepted contact
# request.
VISIBILITY_SECTIONS = {
    "location": _("Place (commune, city)"),
    "website": _("Website"),
    "skills": _("Skills"),
    "offers": _("What we offer"),
    "seeks": _("What we seek"),
    "languages": _("Languages"),
    "emes": _("EMES self-assessment"),
    "recognition": _("Regional recognition"),
}

# The EMES bound on the gap between the highest and the lowest wage.
EMES_MAX_WAGE_RATIO = 4

# The answers an editor verifies, per badge: a member's edit of any of them
# clears that verification and sends the profile back for review.
EMES_ANSWERS = (
    "emes_social_aim",
    "emes_limited_profit",
    "emes_wage_ratio",
    "emes_economic_viability",
    "emes_democratic_governance",
)
RECOGNITION_ANSWERS = ("regional_recognition", "recognition_date", "recognition_number")


class MemberQuerySet(models.QuerySet):
    def published(self):
        """Members that may appear anywhere public (members.permissions)."""
        return self.filter(member_appearing_q())

    def managed_by(self, user):
        if not user.is_authenticated:
            return self.none()
        return self.filter(managers__user=user)


class Member(index.Indexed, IndexedModel, ClusterableModel):
    kind = models.CharField(_("kind"), max_length=32, choices=MemberKind.choices)
    is_organisation = models.BooleanField(_("is an organisation"), default=True)
    name = models.CharField(_("name"), max_length=250)
    slug = models.SlugField(_("slug"), max_length=120, unique=True, blank=True)
    headline = models.CharField(_("headline"), max_length=300, blank=True)
    description = models.TextField(_("description"), blank=True)
    legal_form = models.CharField(
        _("legal form"), max_length=32, choices=LegalForm.choices, blank=True
    )
    sectors = models.ManyToManyField(
        Sector, blank=True, related_name="members", verbose_name=_("sectors")
    )
    disciplines = models.ManyToManyField(
        Discipline, blank=True, related_name="members", verbose_name=_("disciplines")
    )
    skills = models.JSONField(_("skills"), default=list, blank=True)
    languages = models.JSONField(
        _("languages"), default=list, blank=True, help_text=_("ISO 639-1 codes")
    )
    commune = models.CharField(
        _("Brussels commune"), max_length=32, choices=Commune.choices, blank=True
    )
    city = models.CharField(_("city"), max_length=120, blank=True)
    postcode = models.CharField(_("postcode"), max_length=16, blank=True)
    country = models.CharField(_("country"), max_length=2, blank=True, default="BE")
    website = models.URLField(_("website"), max_length=500, blank=True)
    logo = models.ForeignKey(
        get_image_model_string(),
        verbose_name=_("logo or photo"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    sme = models.BooleanField(_("SME"), null=True, blank=True)
    # Private contact data: never indexed, exported or shown publicly.
    email = models.EmailField(_("contact e-mail"), blank=True)
    phone = models.CharField(_("contact phone"), max_length=40, blank=True)
    visibility = models.JSONField(
        _("visibility of profile sections"), default=dict, blank=True
    )
    open_to_collaboration = models.BooleanField(
        _("open to collaboration"), default=True
    )
    status = models.CharField(
        _("status"),
        max_length=16,
        choices=MemberStatus.choices,
        default=MemberStatus.PUBLISHED,
        db_index=True,
    )
    # The last moderation decision (hub admin): who took it, when, and the
    # reason given to the member when the profile was refused or suspended.
    reviewed_at = models.DateTimeField(_("reviewed at"), null=True, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("reviewed by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    moderation_reason = models.TextField(
        _("reason given to the member"), blank=True, max_length=2000
    )
    # EMES self-assessment (social enterprises).
    emes_social_aim = models.BooleanField(
        _("explicit social or environmental aim"), default=False
    )
    emes_limited_profit = models.BooleanField(
        _("limited profit distribution"), default=False
    )
    emes_wage_ratio = models.DecimalField(
        _("highest-to-lowest wage ratio"),
        max_digits=5,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(1)],
        help_text=_("EMES bound: at most 1 to 4."),
    )
    emes_economic_viability = models.BooleanField(
        _("continuous economic activity, taking economic risk, paid work"),
        default=False,
    )
    emes_democratic_governance = models.BooleanField(
        _("democratic governance, decisions not tied to capital"), default=False
    )
    # Verifications are set by the system when an editor ticks them in the
    # admin, and cleared when the member edits the answers they verified.
    emes_verified = models.BooleanField(_("EMES verified by an editor"), default=False)
    emes_verified_at = models.DateTimeField(_("verified at"), null=True, blank=True)
    emes_verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("EMES verified by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    # Recognition as a social enterprise by the Brussels-Capital Region.
    regional_recognition = models.BooleanField(
        _("recognised as a social enterprise by the Brussels-Capital Region"),
        default=False,
    )
    recognition_date = models.DateField(_("recognition date"), null=True, blank=True)
    recognition_number = models.CharField(
        _("recognition number"), max_length=64, blank=True
    )
    recognition_verified = models.BooleanField(
        _("recognition verified by an editor"), default=False
    )
    recognition_verified_at = models.DateTimeField(
        _("recognition verified at"), null=True, blank=True
    )
    recognition_verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recognition verified by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    external_id = models.CharField(
        _("external id"), max_length=100, unique=True, null=True, blank=True
    )
    # Public, as the register it comes from.
    enterprise_number = EnterpriseNumberField(
        _("enterprise number (BCE/KBO)"),
        unique=True,
        null=True,
        blank=True,
        error_messages={
            "unique": _(
                "Another profile already has this enterprise number. If that "
                "profile is yours, claim it from its page instead."
            )
        },
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = MemberQuerySet.as_manager()

    # Wagtail's own (database) search over members, only as the baseline that
    # bench/side_by_side.py compares with; the site searches members in
    # Elasticsearch, so saves do not write to Wagtail's index.
    search_fields = [
        index.SearchField("name", boost=3),
        index.SearchField("headline", boost=2),
        index.SearchField("description"),
        index.SearchField("city"),
        index.AutocompleteField("name"),
        index.FilterField("kind"),
        index.FilterField("status"),
        index.FilterField("country"),
    ]
    search_auto_update = False

    class Meta:
        verbose_name = _("member")
        verbose_name_plural = _("members")
        ordering = ["name"]

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        if not self.slug:
            self.slug = unique_slug(Member, self.name)
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return reverse("members:detail", kwargs={"slug": self.slug})

    def clean(self):
        errors = one_line_errors(self, ("name", "headline", "city", "postcode"))
        if errors:
            raise ValidationError(errors)
        if self.emes_wage_ratio is not None and self.emes_wage_ratio < 1:
            raise ValidationError({"emes_wage_ratio": _("A ratio is at least 1.")})
        if self.regional_recognition and not self.recognition_date:
            raise ValidationError(
                {"recognition_date": _("Give the date of the regional recognition.")}
            )

    @property
    def is_public(self) -> bool:
        return member_may_appear(self)

    def visibility_of(self, section: str) -> str:
        return self.visibility.get(section, Visibility.PUBLIC)

    def section_visible(self, section: str, *, to_member: bool) -> bool:
        """Whether a visitor (or, with `to_member`, a logged-in member) sees it."""
        visibility = self.visibility_of(section)
        return visibility == Visibility.PUBLIC or (
            to_member and visibility == Visibility.MEMBERS
        )

    @property
    def enterprise_number_display(self) -> str:
        return enterprise_number_display(self.enterprise_number or "")

    @property
    def recognition_badge(self) -> bool:
        """The regional recognition, as a badge: only once an editor checked it."""
        return self.regional_recognition and self.recognition_verified

    @property
    def emes_within_wage_bound(self) -> bool | None:
        if self.emes_wage_ratio is None:
            return None
        return self.emes_wage_ratio <= EMES_MAX_WAGE_RATIO

    @property
    def emes_criteria_met(self) -> bool:
        return (
            self.emes_social_aim
            and self.emes_limited_profit
            and bool(self.emes_within_wage_bound)
            and self.emes_economic_viability
            and self.emes_democratic_governance
        )


class ManagerRole(models.TextChoices):
    OWNER = "owner", _("Owner")
    EDITOR = "editor", _("Editor")


class MemberManager(models.Model):
    """A user account that may edit a member profile."""

    member = ParentalKey(Member, on_delete=models.CASCADE, related_name="managers")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="managed"
    )
    role = models.CharField(
        _("role"), max_length=16, choices=ManagerRole.choices, default=ManagerRole.OWNER
    )

    class Meta:
        verbose_name = _("manager")
        verbose_name_plural = _("managers")
        constraints = [
            models.UniqueConstraint(fields=["member", "user"], name="unique_manager")
        ]

    def __str__(self):
        return f"{self.user} → {self.member} ({self.get_role_display()})"


class ManagerInvitation(models.Model):
    """An owner's offer to a verified account to manage a profile; the account
    becomes a manager only when it accepts."""

    member = models.ForeignKey(
        Member, on_delete=models.CASCADE, related_name="manager_invitations"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="manager_invitations",
    )
    role = models.CharField(
        _("role"),
        max_length=16,
        choices=ManagerRole.choices,
        default=ManagerRole.EDITOR,
    )
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("manager invitation")
        verbose_name_plural = _("manager invitations")
        constraints = [
            models.UniqueConstraint(
                fields=["member", "user"], name="unique_manager_invitation"
            )
        ]

    def __str__(self):
        return f"{self.user} → {self.member} ({self.get_role_display()}, invited)"


class Affiliation(models.Model):
    """A person member affiliated to an organisation member."""

    person = models.ForeignKey(
        Member, on_delete=models.CASCADE, related_name="affiliations"
    )
    organisation = models.ForeignKey(
        Member, on_delete=models.CASCADE, related_name="affiliated_people"
    )
    title = models.CharField(_("title or role"), max_length=120, blank=True)

    class Meta:
        verbose_name = _("affiliation")
        verbose_name_plural = _("affiliations")
        constraints = [
            models.UniqueConstraint(
                fields=["person", "organisation"], name="unique_affiliation"
            )
        ]

    def __str__(self):
        return f"{self.person} @ {self.organisation}"


class ExpiringItem(models.Model):
    text = models.CharField(_("text"), max_length=300)
    expires_on = models.DateField(_("expires on"), null=True, blank=True)
    reminded_at = models.DateTimeField(
        _("expiry reminder sent at"), null=True, blank=True
    )

    class Meta:
        abstract = True
        ordering = ["id"]

    def __str__(self):
        return self.text

    @property
    def is_expired(self) -> bool:
        return self.expires_on is not None and self.expires_on < timezone.localdate()


class ActiveQuerySet(models.QuerySet):
    def active(self):
        today = timezone.localdate()
        return self.filter(
            models.Q(expires_on__isnull=True) | models.Q(expires_on__gte=today)
        )


class Offer(ExpiringItem):
    member = ParentalKey(Member, on_delete=models.CASCADE, related_name="offers")

    objects = ActiveQuerySet.as_manager()

    class Meta(ExpiringItem.Meta):
        verbose_name = _("offer")
        verbose_name_plural = _("offers")


class Seek(ExpiringItem):
    member = ParentalKey(Member, on_delete=models.CASCADE, related_name="seeks")
    kind = models.CharField(
        _("kind of partner sought"),
        max_length=32,
        choices=MemberKind.choices,
        blank=True,
    )

    objects = ActiveQuerySet.as_manager()

    class Meta(ExpiringItem.Meta):
        verbose_name = _("sought partner or resource")
        verbose_name_plural = _("sought partners or resources")


def unique_slug(model, text: str, *, max_length: int = 110) -> str:
    base = slugify(text)[:max_length].strip("-") or "item"
    slug, n = base, 2
    while model._default_manager.filter(slug=slug).exists():
        slug = f"{base}-{n}"
        n += 1
    return slug


class ContactStatus(models.TextChoices):
    PENDING = "pending", _("Waiting for an answer")
    ACCEPTED = "accepted", _("Accepted")
    DECLINED = "declined", _("Declined")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class ContactOrigin(models.TextChoices):
    """Where the sender found the receiver: the hub's own suggestions are
    told apart so that editors can see how often they lead to a contact."""

    DIRECT = "direct", _("Found directly (profile, search, experiment page)")
    MEMBER_SUGGESTION = "member_suggestion", _("Suggested on the dashboard")
    PARTNER_SUGGESTION = "partner_suggestion", _(
        "Suggested as a partner for an experiment"
    )
    TEAM_SUGGESTION = "team_suggestion", _("Proposed in a team for an experiment")

    @classmethod
    def suggested(cls) -> list[str]:
        return [value for value in cls.values if value != cls.DIRECT]


class ContactRequest(models.Model):
    """A member asks another to get in touch (double opt-in).

    Neither side's e-mail address is shown to the other until the receiver
    accepts.
    """

    sender = models.ForeignKey(
        Member, on_delete=models.CASCADE, related_name="contact_requests_sent"
    )
    receiver = models.ForeignKey(
        Member, on_delete=models.CASCADE, related_name="contact_requests_received"
    )
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="contact_requests_sent",
        verbose_name=_("sent by"),
    )
    project = models.ForeignKey(
        "projects.Project",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="contact_requests",
        verbose_name=_("about the experiment"),
    )
    message = models.TextField(_("message"), max_length=2000)
    status = models.CharField(
        _("status"),
        max_length=16,
        choices=ContactStatus.choices,
        default=ContactStatus.PENDING,
        db_index=True,
    )
    reply = models.TextField(_("reply"), max_length=2000, blank=True)
    created_at = models.DateTimeField(_("sent at"), default=timezone.now)
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True)
    led_to_collaboration = models.BooleanField(
        _("led to a collaboration"), default=False
    )
    origin = models.CharField(
        _("origin"),
        max_length=24,
        choices=ContactOrigin.choices,
        default=ContactOrigin.DIRECT,
    )

    class Meta:
        verbose_name = _("contact request")
        verbose_name_plural = _("contact requests")
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(sender=models.F("receiver")),
                name="contact_not_self",
            )
        ]

    def __str__(self):
        return f"{self.sender} → {self.receiver} ({self.get_status_display()})"

    @property
    def is_accepted(self) -> bool:
        return self.status == ContactStatus.ACCEPTED


class Dismissal(models.Model):
    """A suggestion someone asked never to see again.

    Either a project's managers dismiss a suggested member (the "Suggested
    partners" panel), or a member's managers dismiss a suggested project or
    member (the dashboard). Exactly one side and one suggestion are set.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="dismissals",
        verbose_name=_("dismissed by"),
    )
    project = models.ForeignKey(
        "projects.Project",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="dismissals",
        verbose_name=_("for the experiment"),
    )
    member = models.ForeignKey(
        Member,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="dismissals",
        verbose_name=_("for the member"),
    )
    suggested_member = models.ForeignKey(
        Member,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="dismissed_as_suggestion",
        verbose_name=_("suggested member"),
    )
    suggested_project = models.ForeignKey(
        "projects.Project",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="dismissed_as_suggestion",
        verbose_name=_("suggested experiment"),
    )
    created_at = models.DateTimeField(_("dismissed at"), default=timezone.now)

    class Meta:
        verbose_name = _("dismissed suggestion")
        verbose_name_plural = _("dismissed suggestions")
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    models.Q(
                        project__isnull=False,
                        member__isnull=True,
                        suggested_member__isnull=False,
                        suggested_project__isnull=True,
                    )
                    | models.Q(
                        project__isnull=True,
                        member__isnull=False,
                        suggested_member__isnull=False,
                        suggested_project__isnull=True,
                    )
                    | models.Q(
                        project__isnull=True,
                        member__isnull=False,
                        suggested_member__isnull=True,
                        suggested_project__isnull=False,
                    )
                ),
                name="dismissal_one_pair",
            ),
            models.UniqueConstraint(
                fields=["project", "suggested_member"],
                condition=models.Q(project__isnull=False),
                name="unique_dismissal_project_member",
            ),
            models.UniqueConstraint(
                fields=["member", "suggested_member"],
                condition=models.Q(
                    member__isnull=False, suggested_member__isnull=False
                ),
                name="unique_dismissal_member_member",
            ),
            models.UniqueConstraint(
                fields=["member", "suggested_project"],
                condition=models.Q(
                    member__isnull=False, suggested_project__isnull=False
                ),
                name="unique_dismissal_member_project",
            ),
        ]

    def __str__(self):
        source = self.project or self.member
        target = self.suggested_member or self.suggested_project
        return f"{source} ✕ {target}"


class AccountSettings(models.Model):
    """What a person chose for their own account, whichever members they manage."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="account_settings",
    )
    language = models.CharField(
        _("language"),
        max_length=8,
        choices=settings.LANGUAGES,
        help_text=_("The language of the site and of every e-mail the hub sends you."),
    )

    class Meta:
        verbose_name = _("account settings")
        verbose_name_plural = _("account settings")

    def __str__(self):
        return f"{self.user} ({self.language})"


class ClaimStatus(models.TextChoices):
    PENDING = "pending", _("Waiting for an editor")
    APPROVED = "approved", _("Approved")
    REFUSED = "refused", _("Refused")


class Claim(models.Model):
    """Someone signed in asks to manage a profile nobody manages (often an
    imported one); an editor approves (the person becomes its owner) or
    refuses."""

    member = models.ForeignKey(
        Member,
        on_delete=models.CASCADE,
        related_name="claims",
        verbose_name=_("profile"),
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="member_claims",
        verbose_name=_("claimed by"),
    )
    evidence = models.TextField(
        _("why this profile is yours"),
        max_length=2000,
        help_text=_(
            "Your role in the organisation, an address on its website, its "
            "enterprise number: whatever lets an editor check."
        ),
    )
    status = models.CharField(
        _("status"),
        max_length=16,
        choices=ClaimStatus.choices,
        default=ClaimStatus.PENDING,
        db_index=True,
    )
    created_at = models.DateTimeField(_("sent at"), default=timezone.now)
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("decided by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    reason = models.TextField(
        _("reason given to the claimant"), max_length=2000, blank=True
    )

    class Meta:
        verbose_name = _("claim")
        verbose_name_plural = _("claims")
        ordering = ["created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["member", "user"],
                condition=models.Q(status="pending"),
                name="unique_pending_claim",
            )
        ]

    def __str__(self):
        return f"{self.user} → {self.member} ({self.get_status_display()})"


class MemberRedirect(models.Model):
    """The address of a profile merged into another: it answers 301 there."""

    slug = models.SlugField(_("old slug"), max_length=120, unique=True)
    member = models.ForeignKey(
        Member, on_delete=models.CASCADE, related_name="redirects"
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("profile redirect")
        verbose_name_plural = _("profile redirects")

    def __str__(self):
        return f"{self.slug} → {self.member.slug}"


# Saved searches, message preferences and sent messages (issue 19).
from members.notifications_models import (  # noqa: E402, F401
    AlertFrequency,
    Follow,
    FollowEvent,
    FollowUpdate,
    MessageKind,
    MessagePreference,
    Notification,
    SavedSearch,
    SearchDocument,
    SentMessage,
)
