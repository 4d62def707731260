"""Sentence vectors are indexed for k-NN but kept out of the stored _source
(search/documents.py), and the rankings that start from a record's own vector
read it as a doc value: similar experiments and the member's track record."""

import numpy as np
import pytest

from members.tests.factories import MemberFactory
from projects.models import ProjectNeed, ProjectStatus, Stage
from projects.tests.factories import ProjectFactory, ProjectPartnerFactory
from search import embeddings
from search.client import get_client, index_alias
from search.documents import ProjectDocument, documents_prepare, embedding_text
from search.matchmaking.elastic import vector_of, vectors_search
from search.matchmaking.experiment_members import DraftProject
from search.matchmaking.services import members_for_project
from search.services import index_refresh
from search.suggestions import projects_for_member, similar_projects

pytestmark = pytest.mark.django_db(transaction=True)

PUBLISHED = ProjectStatus.PUBLISHED


def test_vector_is_searchable_but_not_in_the_stored_source(search_index):
    project = ProjectFactory(
        title="Compost de quartier",
        summary="Composter les déchets de cuisine du quartier.",
        status=PUBLISHED,
    )
    index_refresh()
    alias = index_alias("project")
    stored = get_client().get(index=alias, id=str(project.pk))["_source"]
    assert "embedding" not in stored
    assert stored["title"] == "Compost de quartier"

    response = get_client().search(
        index=alias,
        **{k: v for k, v in vectors_search([project.pk]).items() if k != "_source"},
    )
    vector = vector_of(response["hits"]["hits"][0])
    (source,) = documents_prepare(ProjectDocument, [project])
    expected = np.asarray(source["embedding"], dtype=np.float32)
    assert len(vector) == embeddings.DIMENSIONS
    assert float(np.dot(np.asarray(vector, dtype=np.float32), expected)) > 0.999
    assert embedding_text(ProjectDocument(**source))


def test_similar_experiment_found_by_meaning_alone(search_index):
    """No word in common: only the project's own vector can bring the other."""
    project = ProjectFactory(
        title="Compost de quartier",
        summary="Composter les déchets de cuisine des habitants du quartier.",
        status=PUBLISHED,
    )
    close = ProjectFactory(
        title="Neighbourhood composting",
        summary="Turning the kitchen waste of local residents into compost.",
        status=PUBLISHED,
    )
    far = ProjectFactory(
        title="Forum theatre",
        summary="Actors and audiences rehearse answers to everyday oppression.",
        status=PUBLISHED,
    )
    index_refresh()
    matches = {m.project_id: m for m in similar_projects(project=project, size=4)}
    assert close.pk in matches
    assert matches[close.pk].features["semantic"] > 0
    if far.pk in matches:
        assert matches[far.pk].score < matches[close.pk].score


def test_track_record_reads_the_past_experiments_vectors(search_index):
    """A member's past experiment brings an open one close to it in meaning,
    in another language, through the track-record signal alone."""
    me = MemberFactory(description="")
    past = ProjectFactory(
        title="Compost de quartier",
        summary="Composter les déchets de cuisine des habitants du quartier.",
        status=PUBLISHED,
        stage=Stage.COMPLETED,
    )
    ProjectPartnerFactory(project=past, member=me)
    close = ProjectFactory(
        title="Neighbourhood composting",
        summary="Turning the kitchen waste of local residents into compost.",
        status=PUBLISHED,
    )
    ProjectFactory(
        title="Forum theatre",
        summary="Actors and audiences rehearse answers to everyday oppression.",
        status=PUBLISHED,
    )
    index_refresh()
    matches = projects_for_member(member=me, signals=("track_record",))
    assert matches and matches[0].project_id == close.pk
    assert matches[0].features["track_record"] == 1.0


def test_ids_from_doc_values_rank_as_ids_from_stored_fields(search_index, monkeypatch):
    """Searches reading doc values only take their hits' ids from the `pk`
    doc value; an index built before it existed reads the stored _id: both
    give the same rankings, scores and reasons."""
    from search.matchmaking import elastic
    from search.matchmaking.experiment_members import DraftProject
    from search.matchmaking.services import members_for_project

    owner = MemberFactory(description="compost urbain et déchets de cuisine")
    project = ProjectFactory(
        title="Compost de quartier",
        summary="Composter les déchets de cuisine du quartier.",
        status=PUBLISHED,
    )
    ProjectPartnerFactory(project=project, member=owner)
    for text in ("compost collectif", "déchets organiques", "cuisine de quartier"):
        MemberFactory(description=text)
    index_refresh()
    alias = index_alias("member")
    assert elastic._has_pk(alias)
    hits = elastic.msearch({"all": (alias, {"_source": False, "size": 10})})["all"]
    assert {int(h["_id"]) for h in hits} >= {owner.pk}
    assert all("pk" not in h.get("fields", {}) for h in hits)

    def ranked():
        draft = DraftProject.from_project(project)
        return [
            (m.member_id, m.score, [r.as_dict() for r in m.reasons])
            for m in members_for_project(project=draft)
        ]

    by_doc_value = ranked()
    monkeypatch.setattr(elastic, "_has_pk", lambda index: False)
    assert by_doc_value and ranked() == by_doc_value


def test_an_indexed_experiment_is_ranked_without_encoding_its_text(
    search_index, monkeypatch
):
    """Indexing encodes the text an experiment's ranking reads (its open needs
    included, closed ones not), so ranking it reads that vector; a draft's
    text, never indexed, is encoded when ranked."""
    project = ProjectFactory(
        title="Compost de quartier",
        summary="Composter les déchets de cuisine des habitants.",
        keywords=["compost", "déchets"],
        status=PUBLISHED,
    )
    need = ProjectNeed.objects.create
    need(project=project, kind="researcher", text="Une chercheuse en sols urbains")
    need(project=project, kind="entrepreneur", text="Un traiteur", status="filled")
    MemberFactory(description="Nous compostons les déchets de cuisine.")
    index_refresh()
    (source,) = documents_prepare(ProjectDocument, [project.pk])
    draft = DraftProject.from_project(project)
    assert ProjectDocument.ranking_text(source) == draft.text
    assert "sols urbains" in draft.text and "traiteur" not in draft.text

    encoded = []
    encode = embeddings.encode
    monkeypatch.setattr(
        embeddings, "encode", lambda texts: encoded.append(texts) or encode(texts)
    )
    stored = np.asarray(embeddings.text_vector(draft.text), dtype=np.float32)
    assert members_for_project(project=draft)
    assert encoded == []
    assert float(np.dot(stored, encode([draft.text])[0])) > 0.999

    draft.summary = "Composter les déchets de cuisine de toute la commune."
    members_for_project(project=draft)
    assert encoded == [[draft.text]]
