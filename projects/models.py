from django.core.exceptions import ValidationError
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from wagtail.admin.panels import FieldPanel, InlinePanel
from wagtail.images import get_image_model_string

from modelcluster.fields import ParentalKey
from modelcluster.models import ClusterableModel

from hub.taxonomy import Commune, Discipline, Sector
from hub.validators import one_line_errors
from members.models import Member, MemberKind, unique_slug
from members.permissions import project_appearing_q, project_may_appear
from search.models import IndexedModel


class ProjectStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted")
    PUBLISHED = "published", _("Published")
    ARCHIVED = "archived", _("Archived")


class Stage(models.TextChoices):
    IDEA = "idea", _("Idea")
    DESIGN = "design", _("Design")
    PILOT = "pilot", _("Pilot")
    EVALUATION = "evaluation", _("Evaluation")
    SCALING = "scaling", _("Scaling")
    COMPLETED = "completed", _("Completed")


class NeedStatus(models.TextChoices):
    OPEN = "open", _("Open")
    FILLED = "filled", _("Filled")


class PartnerRole(models.TextChoices):
    COORDINATOR = "coordinator", _("Coordinator")
    PARTNER = "partner", _("Partner")
    ASSOCIATED = "associated", _("Associated partner")


class ProjectQuerySet(models.QuerySet):
    def published(self):
        """Experiments that may appear anywhere public: published, by a member
        that may appear (members.permissions)."""
        return self.filter(project_appearing_q())


class Project(IndexedModel, ClusterableModel):
    title = models.CharField(_("title"), max_length=250)
    slug = models.SlugField(_("slug"), max_length=120, unique=True, blank=True)
    summary = models.TextField(_("summary"))
    description = models.TextField(_("description"), blank=True)
    stage = models.CharField(
        _("stage"), max_length=16, choices=Stage.choices, default=Stage.IDEA
    )
    sectors = models.ManyToManyField(
        Sector, blank=True, related_name="projects", verbose_name=_("sectors")
    )
    disciplines = models.ManyToManyField(
        Discipline, blank=True, related_name="projects", verbose_name=_("disciplines")
    )
    keywords = models.JSONField(_("keywords"), default=list, blank=True)
    commune = models.CharField(
        _("Brussels commune"), max_length=32, choices=Commune.choices, blank=True
    )
    city = models.CharField(_("city"), max_length=120, blank=True)
    country = models.CharField(_("country"), max_length=2, blank=True)
    start_date = models.DateField(_("start date"), null=True, blank=True)
    end_date = models.DateField(_("end date"), null=True, blank=True)
    languages = models.JSONField(_("languages"), default=list, blank=True)
    image = models.ForeignKey(
        get_image_model_string(),
        verbose_name=_("image"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    sdgs = models.JSONField(
        _("UN sustainable development goals"), default=list, blank=True
    )
    owner = models.ForeignKey(
        Member,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="owned_projects",
        verbose_name=_("published by"),
        help_text=_("The member whose managers manage this experiment."),
    )
    status = models.CharField(
        _("status"),
        max_length=16,
        choices=ProjectStatus.choices,
        default=ProjectStatus.PUBLISHED,
        db_index=True,
    )
    partners = models.ManyToManyField(
        Member,
        through="ProjectPartner",
        related_name="projects",
        verbose_name=_("partners"),
    )
    external_id = models.CharField(
        _("external id"), max_length=100, unique=True, null=True, blank=True
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = ProjectQuerySet.as_manager()

    panels = [
        FieldPanel("title"),
        FieldPanel("slug"),
        FieldPanel("summary"),
        FieldPanel("description"),
        FieldPanel("stage"),
        FieldPanel("status"),
        FieldPanel("owner"),
        FieldPanel("sectors"),
        FieldPanel("disciplines"),
        FieldPanel("keywords"),
        FieldPanel("commune"),
        FieldPanel("city"),
        FieldPanel("country"),
        FieldPanel("start_date"),
        FieldPanel("end_date"),
        FieldPanel("languages"),
        FieldPanel("image"),
        FieldPanel("sdgs"),
        InlinePanel("partnerships", label=_("Partners")),
        InlinePanel("needs", label=_("Partners sought")),
    ]

    class Meta:
        verbose_name = _("experiment project")
        verbose_name_plural = _("experiment projects")
        ordering = ["-created_at"]

    def __str__(self):
        return self.title

    def save(self, *args, **kwargs):
        if not self.slug:
            self.slug = unique_slug(Project, self.title)
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return reverse("projects:detail", kwargs={"slug": self.slug})

    def clean(self):
        errors = one_line_errors(self, ("title", "city"))
        if errors:
            raise ValidationError(errors)

    @property
    def is_public(self) -> bool:
        return project_may_appear(self)


class ProjectPartner(IndexedModel):
    project = ParentalKey(
        Project, on_delete=models.CASCADE, related_name="partnerships"
    )
    member = models.ForeignKey(
        Member, on_delete=models.CASCADE, related_name="partnerships"
    )
    role = models.CharField(
        _("role"),
        max_length=16,
        choices=PartnerRole.choices,
        default=PartnerRole.PARTNER,
    )
    # A member added by someone else appears only once it confirms.
    confirmed = models.BooleanField(_("confirmed by the partner"), default=True)

    panels = [FieldPanel("member"), FieldPanel("role"), FieldPanel("confirmed")]

    class Meta:
        verbose_name = _("partner")
        verbose_name_plural = _("partners")
        constraints = [
            models.UniqueConstraint(fields=["project", "member"], name="unique_partner")
        ]

    def __str__(self):
        return f"{self.member} – {self.project} ({self.get_role_display()})"


class ProjectNeed(models.Model):
    """A kind of partner the experiment still seeks, and what for."""

    project = ParentalKey(Project, on_delete=models.CASCADE, related_name="needs")
    kind = models.CharField(
        _("kind of partner"), max_length=32, choices=MemberKind.choices, blank=True
    )
    text = models.CharField(_("what for"), max_length=300)
    status = models.CharField(
        _("status"), max_length=8, choices=NeedStatus.choices, default=NeedStatus.OPEN
    )

    panels = [FieldPanel("kind"), FieldPanel("text"), FieldPanel("status")]

    class Meta:
        verbose_name = _("partner sought")
        verbose_name_plural = _("partners sought")
        ordering = ["id"]

    def __str__(self):
        return self.text
