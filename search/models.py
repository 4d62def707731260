from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class OutboxEntry(models.Model):
    """One pending change of an indexed record, written in the saving transaction.

    The row says only *which* document to refresh: the indexer reads the
    record's current state when it drains, so replaying a row is idempotent
    and the newest state always wins.
    """

    document = models.CharField(_("document"), max_length=32)
    object_id = models.BigIntegerField(_("object id"))
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt at"), default=timezone.now)
    last_error = models.TextField(_("last error"), blank=True)

    class Meta:
        verbose_name = _("search outbox entry")
        verbose_name_plural = _("search outbox entries")
        ordering = ["id"]
        indexes = [models.Index(fields=["next_attempt_at", "id"])]

    def __str__(self):
        return f"{self.document}:{self.object_id}"


class IndexedModel(models.Model):
    """Base for models whose changes reach the search index through the outbox.

    Saving runs in a transaction so the outbox rows that the post_save handler
    writes commit or roll back together with the record.
    """

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        with transaction.atomic(using=kwargs.get("using")):
            super().save(*args, **kwargs)


class EmbeddingCache(models.Model):
    """Sentence embeddings by content hash, so unchanged text is never re-encoded."""

    key = models.CharField(_("content hash"), max_length=64, primary_key=True)
    vector = models.BinaryField(_("vector (float32)"))
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("cached embedding")
        verbose_name_plural = _("cached embeddings")

    def __str__(self):
        return self.key
