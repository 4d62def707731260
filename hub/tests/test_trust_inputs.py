"""Inputs are bounded (issue 16, class 4).

Every list and string the JSON API takes has a cap, and going past it is a
422 with a message naming the field, never a 503 (an Elasticsearch clause
limit reached) or a 500. One-line fields (names, titles, places) refuse
control characters, which would otherwise break an e-mail subject after the
record is saved.
"""

from django.core.exceptions import ValidationError

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from members.models import Member, MemberKind
from projects.models import Project


def _draft(client, **fields):
    return client.post(
        "/api/v1/matches",
        {"title": "Paniers solidaires", **fields},
        content_type="application/json",
    )


def test_three_thousand_needs_are_refused_with_a_clear_422(client, search_index):
    """A draft with 3,000 needs (past Elasticsearch's clause limit) is a 422
    whose message names the field and its cap, not a 503 outage."""
    needs = [{"kind": "", "text": f"besoin {i}"} for i in range(3000)]
    response = _draft(client, needs=needs)
    assert response.status_code == 422
    detail = response.json()["detail"]
    assert isinstance(detail, str)
    assert "needs" in detail and "at most" in detail


@pytest.mark.parametrize(
    "fields",
    [
        {"keywords": [f"mot {i}" for i in range(500)]},
        {"sectors": ["housing"] * 500},
        {"partners": [f"slug-{i}" for i in range(500)]},
        {"languages": ["fr"] * 500},
        {"title": "x" * 5000},
        {"description": "x" * 100_000},
        {"needs": [{"kind": "", "text": "x" * 5000}]},
        {"title": "Paniers\r\nBcc: victim@example.org"},
        {"city": "Bruxelles\nX-Header: 1"},
    ],
    ids=lambda fields: next(iter(fields)),
)
def test_draft_matches_caps_every_list_and_string(client, db, fields):
    """Lists, strings and one-line fields past their bounds are a 422 with a
    message naming the field, before any search is attempted."""
    response = _draft(client, **fields)
    assert response.status_code == 422, response.content
    assert next(iter(fields)) in response.json()["detail"]


@pytest.mark.parametrize(
    "query",
    [
        [("sector", f"s{i}") for i in range(500)],
        [("kind", "x" * 5000)],
        [("q", "vélo " * 2000)],
    ],
    ids=["many-values", "long-value", "long-query"],
)
def test_search_api_caps_lists_and_strings(client, db, query):
    """The search endpoints refuse 500 values of a facet, a 5,000-character
    value or a 10,000-character query with a 422 naming the parameter."""
    response = client.get("/api/v1/members", query)
    assert response.status_code == 422
    assert query[0][0] in response.json()["detail"]


@pytest.mark.parametrize(
    "model,field",
    [
        (Member, "name"),
        (Member, "headline"),
        (Member, "city"),
        (Project, "title"),
        (Project, "city"),
    ],
)
def test_one_line_fields_refuse_control_characters(db, model, field):
    """A name, headline, title or place holding CR, LF or another control
    character is refused by validation (forms, the admin and the import all
    validate), with the error on that field."""
    values = {
        "name": "Coop",
        "kind": MemberKind.ENTREPRENEUR,
        "title": "Paniers",
        "summary": "Des paniers",
    }
    record = model(**{k: v for k, v in values.items() if hasattr(model, k)})
    setattr(record, field, "Paniers\r\nBcc: victim@example.org")
    with pytest.raises(ValidationError) as refused:
        record.full_clean(exclude=["slug", "owner"])
    assert field in refused.value.message_dict


def test_one_line_fields_accept_ordinary_text(db):
    """Accents, apostrophes, dashes and inner spaces stay valid."""
    member = Member(name="Coopérative L'Épi – Saint-Gilles", kind="entrepreneur")
    member.full_clean(exclude=["slug"])
    project = Project(title="Paniers « solidaires » à vélo", summary="Des paniers")
    project.full_clean(exclude=["slug", "owner"])


NEED = st.fixed_dictionaries(
    {"kind": st.sampled_from(["", *MemberKind.values]), "text": st.text(max_size=40)}
)


@settings(
    max_examples=12,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    needs=st.lists(NEED, max_size=5),
    more_needs=st.integers(0, 2500),
    keywords=st.lists(st.text(max_size=30), max_size=5),
    more_keywords=st.integers(0, 2500),
    title=st.text(min_size=1, max_size=400),
)
def test_draft_matches_never_fail_on_input_alone(
    client, db, search_index, needs, more_needs, keywords, more_keywords, title
):
    """Any number of needs and keywords and any title: a ranking or a 422,
    never a 500 or a 503, with the search node up."""
    needs += [{"kind": "", "text": f"besoin {i}"} for i in range(more_needs)]
    keywords += [f"mot {i}" for i in range(more_keywords)]
    response = _draft(client, title=title, needs=needs, keywords=keywords)
    assert response.status_code in (200, 422), response.content[:300]
    if response.status_code == 422:
        assert isinstance(response.json()["detail"], str)
