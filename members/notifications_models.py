"""Saved searches, message preferences and the record of every message sent
(issue 19). Imported by members/models.py; the behaviour lives in
members/notifications.py."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class AlertFrequency(models.TextChoices):
    INSTANT = "instant", _("As soon as they appear")
    DAILY = "daily", _("Once a day")
    WEEKLY = "weekly", _("Once a week")


class SearchDocument(models.TextChoices):
    MEMBER = "member", _("Members")
    PROJECT = "project", _("Experiments")


class MessageKind(models.TextChoices):
    """The kinds of non-transactional message a person may turn off."""

    ALERT = "alert", _("Alerts for my saved searches")
    DIGEST = "digest", _("Weekly digest of suggestions and news")
    FOLLOW = "follow", _("News of the members and experiments I follow")
    CALL = "call", _("Calls that fit a member I manage")


class FollowEvent(models.TextChoices):
    """What a followed member or experiment announces to its followers."""

    NEED = "need", _("New partner sought")
    STAGE = "stage", _("New stage")
    PARTNER = "partner", _("New partner")
    NEWS = "news", _("News")
    EXPERIMENT = "experiment", _("New experiment")


class SavedSearch(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="saved_searches",
    )
    name = models.CharField(_("name"), max_length=120)
    document = models.CharField(
        _("searched"), max_length=16, choices=SearchDocument.choices
    )
    query = models.CharField(_("query"), max_length=200, blank=True)
    filters = models.JSONField(_("filters"), default=dict, blank=True)
    frequency = models.CharField(
        _("frequency"),
        max_length=16,
        choices=AlertFrequency.choices,
        default=AlertFrequency.DAILY,
    )
    # Results already known (found when saved, or announced since): only the
    # others are news.
    known_ids = models.JSONField(default=list, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    last_alerted_at = models.DateTimeField(_("last alert"), null=True, blank=True)

    class Meta:
        verbose_name = _("saved search")
        verbose_name_plural = _("saved searches")
        ordering = ["created_at", "pk"]

    def __str__(self):
        return self.name


class MessagePreference(models.Model):
    """A person's choice for one kind of message; no row means "send"."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="message_preferences",
    )
    kind = models.CharField(_("kind"), max_length=16, choices=MessageKind.choices)
    email = models.BooleanField(_("by e-mail"), default=True)
    site = models.BooleanField(_("in the site"), default=True)
    updated_at = models.DateTimeField(_("updated at"), default=timezone.now)

    class Meta:
        verbose_name = _("message preference")
        verbose_name_plural = _("message preferences")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "kind"], name="unique_message_preference"
            )
        ]

    def __str__(self):
        return f"{self.user} {self.kind}: {self.email}/{self.site}"


class SentMessage(models.Model):
    """One message sent (or being sent). The key names what it announces and
    for which period, so a retried job or a second scheduler finds the row and
    sends nothing."""

    key = models.CharField(max_length=200, unique=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="sent_messages",
    )
    kind = models.CharField(max_length=16, choices=MessageKind.choices)
    language = models.CharField(max_length=8)
    # What it announced ("project:12", "member:7", ...): the next digest
    # leaves them out.
    items = models.JSONField(default=list, blank=True)
    sent_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("sent message")
        verbose_name_plural = _("sent messages")
        ordering = ["sent_at", "pk"]
        indexes = [models.Index(fields=["user", "kind"])]

    def __str__(self):
        return self.key


class Notification(models.Model):
    """What the bell in the site's header shows: the same items as the
    e-mails, written in the person's language when they were sent."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="notifications",
    )
    kind = models.CharField(_("kind"), max_length=16, choices=MessageKind.choices)
    text = models.CharField(_("text"), max_length=300)
    url = models.CharField(_("link"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["user", "read_at"])]

    def __str__(self):
        return self.text


class Follow(models.Model):
    """A person following one member or one experiment."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="follows"
    )
    member = models.ForeignKey(
        "members.Member",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="followers",
    )
    project = models.ForeignKey(
        "projects.Project",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="followers",
    )
    created_at = models.DateTimeField(_("followed since"), default=timezone.now)

    class Meta:
        verbose_name = _("follow")
        verbose_name_plural = _("follows")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "member"], name="unique_follow_member"
            ),
            models.UniqueConstraint(
                fields=["user", "project"], name="unique_follow_project"
            ),
            models.CheckConstraint(
                condition=(
                    models.Q(member__isnull=False, project__isnull=True)
                    | models.Q(member__isnull=True, project__isnull=False)
                ),
                name="follow_one_subject",
            ),
        ]

    def __str__(self):
        return f"{self.user} → {self.member or self.project}"


class FollowUpdate(models.Model):
    """Something that happened to a member or an experiment, for its
    followers. Only references are kept: the text is written when it is sent,
    in each follower's language, and only if everything it names may appear
    then."""

    member = models.ForeignKey(
        "members.Member",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="follow_updates",
    )
    project = models.ForeignKey(
        "projects.Project",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="follow_updates",
    )
    event = models.CharField(_("event"), max_length=16, choices=FollowEvent.choices)
    # {"need": pk} | {"seek_text": text} | {"stage": "pilot"} |
    # {"partner": member pk} | {"page": page pk} | {"project": pk}
    ref = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("follow update")
        verbose_name_plural = _("follow updates")
        ordering = ["created_at", "pk"]
        indexes = [models.Index(fields=["created_at"])]

    def __str__(self):
        return f"{self.event} {self.member or self.project}"
