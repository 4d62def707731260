from django.db.models.signals import post_save
from django.dispatch import receiver

from events.models import MatchmakingEvent
from events.services import matchmaking_slots_sync


@receiver(post_save, sender=MatchmakingEvent)
def slots_follow_the_event(sender, instance, raw=False, **kwargs):
    """Saving an event (in the admin or elsewhere) lays out its slots."""
    if not raw:
        matchmaking_slots_sync(event=instance)
