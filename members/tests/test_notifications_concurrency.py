"""Two schedulers sending the same week's digests at the same instant, on
PostgreSQL, from two processes: every account gets its digest once. The
idempotency key (a unique `SentMessage.key`, written in the transaction that
sends) makes the second sender wait for the first's commit, then refuse."""

import logging
import multiprocessing
import traceback
from datetime import date

from django.contrib.auth import get_user_model
from django.core import mail
from django.db import connections

import pytest

from members.models import AccountSettings, Member, MemberManager, Offer, SentMessage
from members.notifications import digests_send
from projects.models import Project, ProjectNeed
from search.services import index_refresh

ACCOUNTS = 12
SENDERS = 2
DAY = date(2026, 3, 2)

pytestmark = pytest.mark.django_db(transaction=True)


class _Refusals(logging.Handler):
    """Counts the sends the unique key refused (members.notifications logs
    them), in the process that tried."""

    def __init__(self):
        super().__init__()
        self.count = 0

    def emit(self, record):
        if "was already sent" in record.getMessage():
            self.count += 1


def _send(start, results) -> None:
    connections.close_all()
    mail.outbox = []
    refusals = _Refusals()
    logger = logging.getLogger("members.notifications")
    logger.addHandler(refusals)
    logger.setLevel(logging.INFO)
    start.wait(timeout=60)
    try:
        sent = digests_send(day=DAY)
    except Exception:  # reported to the test, which fails with it
        results.put({"error": traceback.format_exc()})
        return
    finally:
        connections.close_all()
    results.put(
        {
            "sent": sent,
            "to": [message.to[0] for message in mail.outbox],
            "refused": refusals.count,
        }
    )


def _seed() -> list[str]:
    User = get_user_model()
    addresses = []
    for n in range(ACCOUNTS):
        address = f"account-{n}@people.example.org"
        user = User.objects.create_user(f"account-{n}", address, "pw-secret-1")
        AccountSettings.objects.create(user=user, language=("fr", "nl", "en")[n % 3])
        member = Member.objects.create(
            name=f"Atelier bois {n}",
            slug=f"atelier-bois-{n}",
            kind="entrepreneur",
            status="published",
            description="menuiserie et travail du bois",
        )
        MemberManager.objects.create(member=member, user=user)
        Offer.objects.create(member=member, text="menuiserie et travail du bois")
        addresses.append(address)
    project = Project.objects.create(
        title="Meubles de quartier",
        slug="meubles-de-quartier",
        summary="fabriquer des meubles avec les voisins",
        status="published",
    )
    ProjectNeed.objects.create(project=project, text="menuiserie et travail du bois")
    index_refresh()
    return addresses


def test_two_senders_at_once_send_each_digest_once(postgresql, search_index):
    addresses = _seed()
    connections.close_all()
    context = multiprocessing.get_context("fork")
    start, results = context.Barrier(SENDERS), context.Queue()
    senders = [
        context.Process(target=_send, args=(start, results)) for _ in range(SENDERS)
    ]
    for sender in senders:
        sender.start()
    outcomes = [results.get(timeout=300) for _ in senders]
    assert not [o["error"] for o in outcomes if "error" in o]
    for sender in senders:
        sender.join(timeout=60)
        assert sender.exitcode == 0

    delivered = sorted(to for outcome in outcomes for to in outcome["to"])
    assert delivered == sorted(addresses)
    assert sum(outcome["sent"] for outcome in outcomes) == ACCOUNTS
    keys = list(SentMessage.objects.values_list("key", flat=True))
    assert len(keys) == len(set(keys)) == ACCOUNTS
    print(
        f"\n{ACCOUNTS} digests from {SENDERS} senders at once: sent "
        f"{[o['sent'] for o in outcomes]}, refused by the unique key "
        f"{sum(o['refused'] for o in outcomes)}"
    )
