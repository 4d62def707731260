from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from wagtail.admin.panels import FieldPanel, InlinePanel

from modelcluster.fields import ParentalKey
from modelcluster.models import ClusterableModel

from members.models import Member, unique_slug
from search.models import IndexedModel


class ProjectStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted")
    PUBLISHED = "published", _("Published")
    ARCHIVED = "archived", _("Archived")


class PartnerRole(models.TextChoices):
    COORDINATOR = "coordinator", _("Coordinator")
    PARTNER = "partner", _("Partner")
    ASSOCIATED = "associated", _("Associated partner")


class ProjectQuerySet(models.QuerySet):
    def published(self):
        return self.filter(status=ProjectStatus.PUBLISHED)


class Project(IndexedModel, ClusterableModel):
    title = models.CharField(_("title"), max_length=250)
    slug = models.SlugField(_("slug"), max_length=120, unique=True, blank=True)
    summary = models.TextField(_("summary"))
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
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = ProjectQuerySet.as_manager()

    panels = [
        FieldPanel("title"),
        FieldPanel("slug"),
        FieldPanel("summary"),
        FieldPanel("status"),
        InlinePanel("partnerships", label=_("Partners")),
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

    @property
    def is_public(self) -> bool:
        return self.status == ProjectStatus.PUBLISHED


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

    panels = [FieldPanel("member"), FieldPanel("role")]

    class Meta:
        verbose_name = _("partner")
        verbose_name_plural = _("partners")
        constraints = [
            models.UniqueConstraint(fields=["project", "member"], name="unique_partner")
        ]

    def __str__(self):
        return f"{self.member} – {self.project} ({self.get_role_display()})"
