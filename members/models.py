from django.db import models
from django.urls import reverse
from django.utils.text import slugify
from django.utils.translation import gettext_lazy as _

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


class MemberQuerySet(models.QuerySet):
    def published(self):
        return self.filter(status=MemberStatus.PUBLISHED)


class Member(IndexedModel):
    name = models.CharField(_("name"), max_length=200)
    slug = models.SlugField(_("slug"), max_length=120, unique=True, blank=True)
    kind = models.CharField(_("kind"), max_length=32, choices=MemberKind.choices)
    description = models.TextField(_("description"), blank=True)
    status = models.CharField(
        _("status"),
        max_length=16,
        choices=MemberStatus.choices,
        default=MemberStatus.PUBLISHED,
        db_index=True,
    )
    external_id = models.CharField(
        _("external id"), max_length=100, unique=True, null=True, blank=True
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = MemberQuerySet.as_manager()

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

    @property
    def is_public(self) -> bool:
        return self.status == MemberStatus.PUBLISHED


def unique_slug(model, text: str, *, max_length: int = 110) -> str:
    base = slugify(text)[:max_length].strip("-") or "item"
    slug, n = base, 2
    while model._default_manager.filter(slug=slug).exists():
        slug = f"{base}-{n}"
        n += 1
    return slug
