from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

REPORT_TEXT_MAX = 2000


class ReportCategory(models.TextChoices):
    SPAM = "spam", _("Spam or advertising")
    MISLEADING = "misleading", _("False or misleading information")
    IMPERSONATION = "impersonation", _("Impersonation or a profile that is not theirs")
    PRIVATE_DATA = "private_data", _("Someone's private data")
    ABUSE = "abuse", _("Offensive, hateful or illegal content")
    OTHER = "other", _("Something else")


class ReportStatus(models.TextChoices):
    OPEN = "open", _("To review")
    RESOLVED = "resolved", _("Resolved")
    DISMISSED = "dismissed", _("Dismissed")


class Report(models.Model):
    """A visitor's report about a public profile or experiment, waiting in the
    editors' moderation queue. Exactly one of `member` and `project` is set.

    The reporter's account is kept only when they were signed in (so that
    their export shows it and their deletion unlinks it); nothing else about
    the sender is stored.
    """

    member = models.ForeignKey(
        "members.Member",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="reports",
        verbose_name=_("reported member"),
    )
    project = models.ForeignKey(
        "projects.Project",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="reports",
        verbose_name=_("reported experiment"),
    )
    category = models.CharField(
        _("reason"), max_length=20, choices=ReportCategory.choices
    )
    text = models.TextField(_("details"), max_length=REPORT_TEXT_MAX, blank=True)
    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("reported by"),
    )
    status = models.CharField(
        _("status"),
        max_length=16,
        choices=ReportStatus.choices,
        default=ReportStatus.OPEN,
        db_index=True,
    )
    created_at = models.DateTimeField(_("reported at"), default=timezone.now)
    resolved_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("closed by"),
    )
    resolution = models.TextField(_("editor's note"), max_length=2000, blank=True)

    class Meta:
        verbose_name = _("report")
        verbose_name_plural = _("reports")
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    models.Q(member__isnull=False, project__isnull=True)
                    | models.Q(member__isnull=True, project__isnull=False)
                ),
                name="report_one_target",
            ),
        ]

    def __str__(self):
        return f"{self.get_category_display()}: {self.target}"

    @property
    def target(self):
        return self.member or self.project

    @property
    def is_open(self) -> bool:
        return self.status == ReportStatus.OPEN
