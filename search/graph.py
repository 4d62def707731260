"""The collaboration graph: who took part in which published experiment.

Held in memory per process (about 50 bytes an edge: 40k partnerships take a
few MB) and reloaded when the partnership table changes.

A contact request that its members marked as having led to a collaboration
is a *private* tie: it is kept apart from the published partnerships
(`private_ties`), and only `neighbours(member, private=True)` adds it, as a
virtual two-member project whose id is the request's primary key negated
(`-contact_request.pk`). Only a member's own suggestions, shown to its
logged-in managers, ask for it; rankings anyone else can see (the public API,
a project's matches, another member's suggestions) never contain it, so it can
be neither cited nor inferred from ranks or scores.
"""

import gc
import math
import threading
import time
from collections import defaultdict
from dataclasses import dataclass, field

from django.conf import settings
from django.db.models import Count, Max, Q

from members.models import ContactRequest, ContactStatus, Member
from members.permissions import member_appearing_q, project_appearing_q
from projects.models import Project, ProjectPartner

RELOAD_CHECK_SECONDS = 30
# Members whose published ties a graph keeps once read (`ties`): a partner's
# ties are read again for each of its partners' rankings.
TIES_KEPT = 2000


@dataclass
class CollaborationGraph:
    projects_of: dict[int, list[int]]
    members_of: dict[int, list[int]]
    signature: tuple
    # member -> [(contact request id, the other member)]: private ties.
    private_ties: dict[int, list[tuple[int, int]]] = field(default_factory=dict)
    _ties: dict = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def load(cls) -> "CollaborationGraph":
        projects_of: dict[int, list[int]] = defaultdict(list)
        members_of: dict[int, list[int]] = defaultdict(list)
        rows = ProjectPartner.objects.filter(
            project_appearing_q("project__"),
            member_appearing_q("member__"),
            confirmed=True,
        ).values_list("member_id", "project_id")
        for member_id, project_id in rows.iterator(chunk_size=10_000):
            projects_of[member_id].append(project_id)
            members_of[project_id].append(member_id)
        private_ties: dict[int, list[tuple[int, int]]] = defaultdict(list)
        for pk, sender_id, receiver_id in _collaborations().values_list(
            "pk", "sender_id", "receiver_id"
        ):
            private_ties[sender_id].append((pk, receiver_id))
            private_ties[receiver_id].append((pk, sender_id))
        return cls(
            dict(projects_of), dict(members_of), _signature(), dict(private_ties)
        )

    def degree(self, member_id: int) -> int:
        """Published experiments of `member_id` (private ties do not count)."""
        return len(self.projects_of.get(member_id, ()))

    def neighbours(
        self, member_id: int, *, private: bool = False
    ) -> dict[int, tuple[float, list[int]]]:
        """Co-partners of `member_id`: tie strength and the shared projects.

        A shared project of n partners adds 1/log2(n+1): being two of three
        partners says more than being two of forty. `private=True` adds the
        member's own private ties (as projects of two, ids negated): only for
        suggestions its own logged-in managers see.
        """
        projects = list(self.projects_of.get(member_id, ()))
        virtual = {}
        if private:
            for pk, other in self.private_ties.get(member_id, ()):
                virtual[-pk] = (member_id, other)
                projects.append(-pk)
        out: dict[int, tuple[float, list[int]]] = {}
        for project_id in projects:
            members = virtual.get(project_id) or self.members_of.get(project_id, ())
            weight = 1 / math.log2(len(members) + 1)
            for other in members:
                if other == member_id:
                    continue
                strength, shared = out.get(other, (0.0, []))
                out[other] = (strength + weight, [*shared, project_id])
        return out

    def ties(self, member_id: int) -> dict[int, tuple[float, int]]:
        """Published co-partners of `member_id`: the tie strength of
        `neighbours` and the first shared project (read-only; the latest
        members asked are kept, the graph never changes once loaded)."""
        found = self._ties.get(member_id)
        if found is not None:
            return found
        found = {}
        for project_id in self.projects_of.get(member_id, ()):
            members = self.members_of.get(project_id, ())
            weight = 1 / math.log2(len(members) + 1)
            for other in members:
                if other != member_id:
                    strength, first = found.get(other, (0.0, project_id))
                    found[other] = (strength + weight, first)
        if len(self._ties) >= TIES_KEPT:
            self._ties.clear()
        self._ties[member_id] = found
        return found


def _collaborations():
    """Accepted contact requests that led to a collaboration, between two
    members that may still appear."""
    return ContactRequest.objects.filter(
        member_appearing_q("sender__"),
        member_appearing_q("receiver__"),
        status=ContactStatus.ACCEPTED,
        led_to_collaboration=True,
    )


def _signature() -> tuple:
    """Changes whenever an edge may have: partnerships added, removed or
    confirmed, projects published or archived, members suspended or
    published, collaborations recorded."""
    partners = ProjectPartner.objects.aggregate(
        n=Count("id"), last=Max("id"), confirmed=Count("id", filter=Q(confirmed=True))
    )
    projects = Project.objects.aggregate(changed=Max("updated_at"))
    # Not every profile edit: how many members appear, and the last change
    # among those that do not (a suspension, a refusal, a new pending one).
    members = Member.objects.aggregate(
        appearing=Count("id", filter=member_appearing_q()),
        hidden_changed=Max("updated_at", filter=~member_appearing_q()),
    )
    contacts = _collaborations().aggregate(n=Count("id"), last=Max("id"))
    return (
        partners["n"],
        partners["last"],
        partners["confirmed"],
        projects["changed"],
        members["appearing"],
        members["hidden_changed"],
        contacts["n"],
        contacts["last"],
    )


_lock = threading.Lock()
_cache: dict = {"graph": None, "checked": 0.0}


def collaboration_graph() -> CollaborationGraph:
    """The current graph, reloaded at most every RELOAD_CHECK_SECONDS if changed."""
    with _lock:
        graph = _cache["graph"]
        now = time.monotonic()
        if graph is None or now - _cache["checked"] > RELOAD_CHECK_SECONDS:
            _cache["checked"] = now
            if graph is None or graph.signature != _signature():
                graph = _cache["graph"] = CollaborationGraph.load()
                _settle_long_lived()
        return graph


def _settle_long_lived() -> None:
    """Take what lives as long as the process out of the cyclic collector's scans.

    The graph's lists (one per member and per experiment), Django's registries
    and the encoder stay for the process's life, yet every full collection
    walks them all: on the CORDIS benchmark (14.5k members) those pauses put
    about 100 ms on one match in twenty (p95 179 ms; 104 ms once frozen).
    Frozen objects are still freed by reference counting, so a replaced graph
    goes as before. `HUB_GC_FREEZE` turns it off.
    """
    if settings.HUB_GC_FREEZE:
        gc.collect()
        gc.freeze()


def graph_reset() -> None:
    with _lock:
        _cache["graph"] = None
