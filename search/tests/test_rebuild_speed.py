"""The fast paths of a rebuild give exactly what the per-record paths give."""

import json
import unicodedata
from datetime import timedelta
from io import StringIO

from django.core.management import call_command
from django.utils import timezone

import pytest
from elasticsearch import ConnectionError as NodeUnreachable
from elasticsearch import Elasticsearch
from elasticsearch.serializer import JSONSerializer

from hub.taxonomy import Discipline, Sector
from members.models import MemberKind, MemberStatus, Offer, Seek
from members.tests.factories import MemberFactory
from projects.models import NeedStatus, ProjectNeed, ProjectStatus
from projects.tests.factories import ProjectFactory, ProjectPartnerFactory
from search.client import index_alias
from search.documents import DOCUMENTS, documents_prepare
from search.services import _bulk_while_preparing, index_rebuild
from search.text import WORD_RE, fold, stem, stem_folded


def _fold_reference(text: str) -> str:
    """The folding as first written: every text through NFKD."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(WORD_RE.findall(stripped))


@pytest.mark.parametrize(
    "text",
    [
        "Molenbeek-Saint-Jean, écoles",
        "Plain ASCII, with_underscores and digits 42!",
        "Straße ŒUVRE naïve façade Ĳsselmeer ﬁn",
        "Ελληνικά και кириллица",
        "  ",
        "",
    ],
)
def test_fold_matches_the_reference_folding(text):
    """ASCII takes a shortcut and accents go through a table; the result is
    what NFKD plus removing combining marks gives."""
    assert fold(text) == _fold_reference(text)


def test_stem_folded_is_stem_of_the_folded_text():
    """Stemming a folded text gives the same as stemming the raw text, twice."""
    text = "Les logements sociaux et de woningen: rénovation énergétique"
    assert stem_folded(fold(text)) == stem(text)
    assert stem(text) == stem(text)
    assert "de" not in stem(text).split()


def _network():
    """Members and projects that exercise every branch of the documents."""
    sector_a = Sector.objects.create(
        slug="test-housing", name_en="Housing", name_fr="Logement", name_nl="Wonen"
    )
    sector_b = Sector.objects.create(
        slug="test-energy", name_en="Energy", name_fr="Énergie", name_nl="Energie"
    )
    discipline = Discipline.objects.create(
        slug="test-sociology",
        name_en="Sociology",
        name_fr="Sociologie",
        name_nl="Sociologie",
    )
    open_member = MemberFactory(
        skills=["rénovation", "isolation"],
        languages=["fr", "nl"],
        commune="ixelles",
        city="Ixelles",
        legal_form="cooperative",
        regional_recognition=True,
    )
    open_member.sectors.set([sector_b, sector_a])
    open_member.disciplines.set([discipline])
    Offer.objects.create(member=open_member, text="Chantiers participatifs")
    Offer.objects.create(
        member=open_member,
        text="Offre expirée",
        expires_on=timezone.localdate() - timedelta(days=1),
    )
    Seek.objects.create(
        member=open_member, text="Architectes", kind=MemberKind.FEDERATION
    )
    Seek.objects.create(member=open_member, text="Financement")
    private_member = MemberFactory(
        name="Réseau privé",
        skills=["members-only skill"],
        visibility={
            "skills": "members",
            "offers": "matching",
            "seeks": "members",
            "location": "matching",
            "languages": "members",
            "recognition": "members",
        },
        commune="forest",
        email="hidden@example.org",
    )
    Offer.objects.create(member=private_member, text="Offre privée")
    pending = MemberFactory(status=MemberStatus.PENDING)

    project = ProjectFactory(keywords=["chaleur", "logement"], sdgs=[7, 11])
    project.sectors.set([sector_a])
    ProjectNeed.objects.create(
        project=project, text="Un installateur", kind=MemberKind.ENTREPRENEUR
    )
    ProjectNeed.objects.create(
        project=project, text="Déjà trouvé", status=NeedStatus.FILLED
    )
    ProjectPartnerFactory(project=project, member=open_member)
    ProjectPartnerFactory(project=project, member=private_member, confirmed=False)
    ProjectPartnerFactory(project=project, member=pending)
    draft = ProjectFactory(status=ProjectStatus.DRAFT)
    ProjectPartnerFactory(project=draft, member=open_member)
    return [open_member, private_member], [project], [pending.pk, draft.pk]


@pytest.mark.django_db
@pytest.mark.parametrize("embeddings", [False, True])
def test_prepare_from_keys_matches_prepare_from_instances(settings, embeddings):
    """Sources read as rows (the rebuild's path) equal, key order included,
    those built from prefetched instances (the outbox's path)."""
    settings.HUB_EMBEDDINGS = embeddings
    _network()
    for doc_class in DOCUMENTS.values():
        instances = list(doc_class.indexable().order_by("pk"))
        assert instances
        from_instances = documents_prepare(doc_class, instances)
        from_keys = documents_prepare(doc_class, [obj.pk for obj in instances])
        assert from_keys == from_instances
        assert [list(s) for s in from_keys] == [list(s) for s in from_instances]
        assert all(("embedding" in s) is embeddings for s in from_keys)


@pytest.mark.django_db
def test_prepare_from_keys_gives_none_for_records_not_indexable(settings):
    """A key whose record is unpublished or gone gets None, in its place."""
    settings.HUB_EMBEDDINGS = False
    members, projects, (pending_member, draft_project) = _network()
    member_doc, project_doc = DOCUMENTS["member"], DOCUMENTS["project"]
    sources = documents_prepare(member_doc, [pending_member, members[0].pk, 10**9])
    assert sources[0] is None and sources[2] is None
    assert sources[1]["slug"] == members[0].slug
    assert sources[1]["url"] == members[0].get_absolute_url()
    assert sources[1]["project_ids"] == [projects[0].pk]
    assert documents_prepare(project_doc, [draft_project]) == [None]
    [project_source] = documents_prepare(project_doc, [projects[0].pk])
    assert project_source["partner_ids"] == [members[0].pk]
    assert project_source["needs"] == ["Un installateur"]


@pytest.mark.django_db(transaction=True)
def test_rebuild_indexes_the_prepared_sources_and_nothing_private(
    search_index, settings
):
    """Every indexable record is in the rebuilt index with the source the
    outbox would write; private sections and contact data are absent."""
    settings.HUB_SEARCH_DRAIN_ON_COMMIT = False
    settings.HUB_EMBEDDINGS = False
    members, _, _ = _network()
    for document, doc_class in DOCUMENTS.items():
        report = index_rebuild(document=document, chunk_size=1)
        instances = list(doc_class.indexable().order_by("pk"))
        assert report.indexed == len(instances)
        expected = documents_prepare(doc_class, instances)
        for obj, source in zip(instances, expected, strict=True):
            hit = search_index.get(index=index_alias(document), id=obj.pk)
            assert hit["_source"] == json.loads(JSONSerializer().dumps(source))
    private = search_index.get(index=index_alias("member"), id=members[1].pk)
    source = private["_source"]
    for field in ("skills", "offers", "seeks", "commune", "languages", "email"):
        assert field not in source
    assert "hidden@example.org" not in str(source)


def test_a_failed_bulk_stops_the_rebuild():
    """The first failure in the sending thread is raised to the caller, and
    no more chunks are prepared after it surfaces."""
    prepared = []
    # Port 9 (discard) refuses connections, like a node that went away.
    client = Elasticsearch("http://127.0.0.1:9", max_retries=0)

    def chunks():
        for i in range(100):
            prepared.append(i)
            yield [{"_index": "x", "_id": i, "_source": {}}]

    with pytest.raises(NodeUnreachable):
        _bulk_while_preparing(client, chunks())
    assert len(prepared) < 10


@pytest.mark.django_db(transaction=True)
def test_rebuild_with_merge_leaves_one_segment(search_index, settings):
    """`search_rebuild --merge` leaves each new index in a single segment."""
    settings.HUB_SEARCH_DRAIN_ON_COMMIT = False
    settings.HUB_EMBEDDINGS = False
    _network()
    call_command("search_rebuild", "--merge", stdout=StringIO())
    for document in DOCUMENTS:
        segments = search_index.indices.segments(index=index_alias(document))
        [index] = segments["indices"].values()
        [[shard]] = index["shards"].values()
        assert shard["num_search_segments"] <= 1
