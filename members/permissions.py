"""Whether a member may act, and whether it and what it publishes may appear.

The one place that decides (issue 16): views, services, querysets, the
indexer, matchmaking and the API ask here, never compare a status
themselves.

- A *published* member appears everywhere public (pages, search, suggestions
  and their reasons, the collaboration graph, the API, exports, e-mails to
  others) and its managers act on its behalf: contact requests, partnerships,
  publishing experiments.
- A member *awaiting review* appears nowhere; its managers may prepare: edit
  the profile and its drafts, add members they also manage, submit a draft
  for an editor's review. Nothing of it reaches anyone but editors.
- A *suspended* or *refused* member appears nowhere and its managers act on
  nothing, preparation included; its records are kept for the editors. A
  refused profile's managers may still revise the profile itself: saving it
  asks the editors for a new review (it becomes *awaiting review*).

An experiment appears when it is published and its owner (if it has one)
appears. Site editors are not members: they keep their moderation rights.

This module imports no model, so that models can ask it too.
"""

from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.utils.translation import gettext as _

# MemberStatus and ProjectStatus values, as plain strings (a test guards them).
PUBLISHED = "published"
PENDING = "pending"
REFUSED = "refused"
APPEARING = frozenset({PUBLISHED})
ACTING = frozenset({PUBLISHED})
PREPARING = frozenset({PUBLISHED, PENDING})
REVISING = PREPARING | {REFUSED}
PROJECT_PUBLISHED = "published"


def member_may_appear(member) -> bool:
    """Whether `member` may be shown, found, suggested, cited or exported."""
    return member is not None and member_status_may_appear(member.status)


def member_status_may_appear(status: str) -> bool:
    """The same, from a status column read with `values_list`."""
    return status in APPEARING


def member_may_act(member) -> bool:
    """Whether `member`'s managers may do what reaches other members or the
    public on its behalf."""
    return member is not None and member.status in ACTING


def member_may_prepare(member) -> bool:
    """Whether `member`'s managers may edit its profile and its drafts."""
    return member is not None and member.status in PREPARING


def member_may_revise(member) -> bool:
    """Whether `member`'s managers may edit its profile (not its drafts):
    those who may prepare, and those of a refused profile, whose save asks
    for a new review."""
    return member is not None and member.status in REVISING


def member_appearing_q(path: str = "") -> Q:
    """Filter on the members that may appear; `path` leads from another model
    (e.g. "owner__", "partnerships__member__")."""
    return Q(**{f"{path}status__in": sorted(APPEARING)})


def member_preparing_q(path: str = "") -> Q:
    """Filter on the members whose managers may edit them and their drafts."""
    return Q(**{f"{path}status__in": sorted(PREPARING)})


def project_appearing_q(path: str = "") -> Q:
    """Filter on the experiments that may appear: published, with an owner
    that may appear (or none: imported experiments)."""
    return Q(**{f"{path}status": PROJECT_PUBLISHED}) & (
        Q(**{f"{path}owner__isnull": True}) | member_appearing_q(f"{path}owner__")
    )


def project_may_appear(project) -> bool:
    return project_status_may_appear(
        project.status, project.owner.status if project.owner_id else None
    )


def project_status_may_appear(status: str, owner_status: str | None) -> bool:
    """The same, from the experiment's status and its owner's (None: no
    owner), read with `values_list`."""
    return status == PROJECT_PUBLISHED and (
        owner_status is None or member_status_may_appear(owner_status)
    )


def member_require_act(member) -> None:
    """PermissionDenied unless `member` may act."""
    if not member_may_act(member):
        raise PermissionDenied(
            _("This profile is not published: nothing can be done on its behalf.")
        )


def member_require_revise(member) -> None:
    """PermissionDenied unless `member`'s profile may be edited."""
    if not member_may_revise(member):
        raise PermissionDenied(
            _("This profile is suspended: nothing can be done on its behalf.")
        )


def member_require_prepare(member) -> None:
    """PermissionDenied unless `member` may prepare (published or pending)."""
    if not member_may_prepare(member):
        raise PermissionDenied(
            _(
                "This profile is suspended or was refused: nothing can be done "
                "on its behalf."
            )
        )
