"""Fuzzing: the JSON API against its own OpenAPI schema (schemathesis), and
hypothesis properties for the search parameters and the import validation.

Example counts come from the hypothesis profile: `hub` (default, moderate so
`make test` stays fast) or `hub-deep` (HYPOTHESIS_PROFILE=hub-deep, for a long
local run). Both are derandomised in CI so a run is reproducible.
"""

import json
import os
import re
import uuid

from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from django.urls import reverse
from django.utils import translation

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from hub.tests.test_access import access_world  # noqa: F401 - fixture
from members.importing import ImportRejected, network_import
from members.models import Member, MemberKind
from search.client import SearchUnavailable
from search.models import OutboxEntry
from search.selectors import FACETS, SORTS, documents_search

IN_CI = bool(os.environ.get("CI"))
SUPPRESSED = [HealthCheck.function_scoped_fixture, HealthCheck.too_slow]
settings.register_profile(
    "hub",
    max_examples=25,
    deadline=None,
    derandomize=IN_CI,
    suppress_health_check=SUPPRESSED,
)
settings.register_profile(
    "hub-deep",
    max_examples=500,
    deadline=None,
    derandomize=IN_CI,
    suppress_health_check=SUPPRESSED,
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "hub"))


# -- the API against its schema --------------------------------------------------


@pytest.fixture
def api_schema(db, access_world):  # noqa: F811
    """The live OpenAPI document, served by the WSGI app (no network), over
    the seeded network indexed on the real node."""
    # Around each request the WSGI handler closes connections it finds
    # outside autocommit; inside the test's transaction that is the test's own
    # (PostgreSQL). Django's test client holds the same signals back.
    for signal in (request_started, request_finished):
        signal.disconnect(close_old_connections)
    try:
        yield schemathesis.openapi.from_wsgi("/api/v1/openapi.json", WSGIHandler())
    finally:
        for signal in (request_started, request_finished):
            signal.connect(close_old_connections)


def test_api_conforms_to_its_schema(api_schema):
    """For every operation, no generated request gets a server error, an
    undocumented status, a wrong content type or a body that breaks the
    declared schema."""
    operations = [result.ok() for result in api_schema.get_all_operations()]
    assert len(operations) >= 4
    tried = []

    def fuzz(operation):
        @given(case=operation.as_strategy())
        def check(case):
            tried.append(operation.label)
            case.call_and_validate(
                checks=[
                    not_a_server_error,
                    status_code_conformance,
                    content_type_conformance,
                    response_schema_conformance,
                ]
            )

        check()

    for operation in operations:
        fuzz(operation)
    assert set(tried) == {operation.label for operation in operations}


# -- search parameters -------------------------------------------------------------

TEXT = st.text(
    st.characters(codec="utf-8", exclude_categories=["Cs"]), max_size=300
) | st.sampled_from(
    ['"', "\\", "*", "?", "~", "(", ")", "AND OR NOT", "a:b", "/re.*/", "{}", "[]"]
)


def facet_filters(document):
    names = st.sampled_from(sorted(FACETS[document]) + ["unknown", ""])
    return st.dictionaries(names, st.lists(TEXT, max_size=5), max_size=4)


@given(
    data=st.data(),
    document=st.sampled_from(sorted(FACETS)),
    query=TEXT,
    sort=st.sampled_from([*SORTS, "", "bogus"]),
    offset=st.integers(0, 9_980),
    size=st.integers(1, 20),
)
def test_search_answers_any_query_and_facets(
    db,
    access_world,  # noqa: F811
    data,
    document,
    query,
    sort,
    offset,
    size,
):
    """Any string and any facet combination gives a page of results, never an
    error from Elasticsearch (the node is up, so one would mean a malformed
    query)."""
    filters = data.draw(facet_filters(document))
    try:
        page = documents_search(
            document=document,
            query=query,
            filters=filters,
            sort=sort if sort in SORTS else "relevance",
            offset=offset,
            size=size,
        )
    except SearchUnavailable as exc:  # pragma: no cover - the failure itself
        pytest.fail(f"search failed for {query!r} {filters!r}: {exc}")
    assert page.total >= 0
    assert len(page.hits) <= size


QUERY_PARAMS = st.dictionaries(
    st.sampled_from(
        ["q", "page", "sort", "size", "kind", "sector", "stage", "need", "open", "x"]
    ),
    st.lists(TEXT | st.integers(-(10**12), 10**12).map(str), max_size=3),
    max_size=5,
)


@given(params=QUERY_PARAMS, where=st.sampled_from(["members", "projects", "search"]))
def test_search_pages_and_api_never_fail(
    db,
    client,
    access_world,  # noqa: F811
    params,
    where,
):
    """Search pages answer 200 to any parameters (a page past the end after a
    redirect to the last page); the API answers 200, a 404 for a page past the
    end or a 422 validation error, never a 5xx."""
    with translation.override("en"):
        page_url = reverse("search" if where == "search" else f"{where}:list")
    api_url = reverse(
        "api-v1:projects_search" if where == "projects" else "api-v1:members_search"
    )
    query = [(k, v) for k, values in params.items() for v in values]
    from urllib.parse import urlencode

    response = client.get(f"{page_url}?{urlencode(query)}", follow=True)
    assert response.status_code == 200, (page_url, query)
    response = client.get(f"{api_url}?{urlencode(query)}")
    assert response.status_code in (200, 404, 422), (api_url, query, response.content)
    if response.status_code in (404, 422):
        assert response.json()["detail"]


# -- import validation ---------------------------------------------------------------

ANY_JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | TEXT,
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(TEXT, children, max_size=3)
    ),
    max_leaves=6,
)
MEMBER_KEYS = [
    "id",
    "name",
    "kind",
    "is_organisation",
    "legal_form",
    "headline",
    "description",
    "skills",
    "offers",
    "seeks",
    "languages",
    "commune",
    "city",
    "postcode",
    "country",
    "website",
    "sme",
    "email",
    "phone",
    "sectors",
    "disciplines",
]


@st.composite
def valid_member(draw):
    return {
        "id": f"fuzz:{uuid.uuid4().hex}",
        "name": draw(st.text(min_size=1, max_size=40).filter(str.strip)),
        "kind": draw(st.sampled_from(MemberKind.values)),
        "description": draw(st.text(max_size=80)),
        "skills": draw(st.lists(st.text(max_size=20), max_size=3)),
        "offers": draw(st.lists(st.text(max_size=30), max_size=2)),
        "languages": draw(st.lists(st.sampled_from(["fr", "nl", "en"]), max_size=3)),
    }


@st.composite
def member_line(draw):
    """A JSON Lines line: valid, a valid one with fuzzed keys, or garbage."""
    kind = draw(st.sampled_from(["valid", "fuzzed", "json", "text"]))
    if kind == "valid":
        return json.dumps(draw(valid_member()))
    if kind == "fuzzed":
        row = draw(valid_member())
        for key in draw(st.lists(st.sampled_from(MEMBER_KEYS), min_size=1, max_size=3)):
            row[key] = draw(ANY_JSON)
        return json.dumps(row)
    if kind == "json":
        return json.dumps(draw(ANY_JSON))
    return draw(st.text(max_size=40)).replace("\n", " ").replace("\r", " ")


LINE_ERROR = re.compile(r"^members\.jsonl:(\d+): (\S+): .+", re.S)


@given(lines=st.lists(member_line(), min_size=1, max_size=6))
def test_any_import_line_is_imported_or_rejected_with_its_line(db, tmp_path, lines):
    """A file is either imported whole, or rejected with errors of the form
    `file:line: key: reason` pointing at real lines, and then nothing at all
    was written. Never a crash."""
    path = tmp_path / "members.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    before = (Member.objects.count(), OutboxEntry.objects.count())
    try:
        report = network_import(members_path=path)
    except ImportRejected as rejected:
        assert rejected.errors
        for error in rejected.errors:
            match = LINE_ERROR.match(str(error))
            assert match, str(error)
            assert 1 <= int(match.group(1)) <= len(lines), str(error)
            assert lines[int(match.group(1)) - 1].strip(), str(error)
        assert (Member.objects.count(), OutboxEntry.objects.count()) == before
    else:
        imported = [json.loads(line) for line in lines if line.strip()]
        assert report.members_created == len(imported)
        assert Member.objects.count() == before[0] + len(imported)
        for row in imported:
            assert Member.objects.filter(external_id=row["id"].strip()).exists()
