"""Facts about every published member, kept beside the collaboration graph."""

from members.models import Member, Visibility

_facts_cache: dict = {"graph": None, "facts": {}, "kinds": {}}


def member_facts(graph) -> dict[int, tuple[str, str]]:
    """(kind, country) of each published member, reloaded with the
    collaboration graph; the country only where its location is public.

    Lets graph and track-record candidates of other kinds be skipped before
    they are fetched, and teams be described by their kinds and countries
    without a round trip; a member missing here is fetched and checked anyway.
    """
    if _facts_cache["graph"] is not graph:
        rows = Member.objects.published().values_list(
            "pk", "kind", "country", "visibility"
        )
        _facts_cache["facts"] = {
            pk: (
                kind,
                country
                if (visibility or {}).get("location", Visibility.PUBLIC)
                == Visibility.PUBLIC
                else "",
            )
            for pk, kind, country, visibility in rows.iterator()
        }
        _facts_cache["kinds"] = {pk: f[0] for pk, f in _facts_cache["facts"].items()}
        _facts_cache["graph"] = graph
    return _facts_cache["facts"]


def member_kinds(graph) -> dict[int, str]:
    """Kind of each published member (see `member_facts`)."""
    member_facts(graph)
    return _facts_cache["kinds"]
