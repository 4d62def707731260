"""hub_import / hub_export in the spec's JSON Lines format."""

import json

from django.core.management import call_command
from django.core.management.base import CommandError

import pytest

from hub.taxonomy import Sector
from members.models import Member
from projects.models import PartnerRole, Project, ProjectPartner
from search.client import index_alias
from search.services import index_refresh

MEMBERS = [
    {
        "id": "x:1",
        "name": "Atelier Vélo Solidaire",
        "kind": "entrepreneur",
        "legal_form": "nonprofit",
        "sectors": ["mobility"],
        "offers": ["réparation de vélos"],
        "seeks": [{"text": "évaluation d'impact", "kind": "researcher"}],
        "commune": "anderlecht",
        "email": "secret-mail-1@example.org",
        "phone": "+32 2 555 99 01",
    },
    {"id": "x:2", "name": "Lab Mobiliteit", "kind": "researcher", "city": "Leuven"},
    {"id": "x:3", "name": "Commune test", "kind": "public_authority", "website": None},
]
PROJECTS = [
    {
        "id": "p:1",
        "title": "Cargo bikes for neighbourhood shops",
        "summary": "Testing shared cargo bikes.",
        "stage": "pilot",
        "sdgs": [11],
        "partners": [
            {"member": "x:1", "role": "coordinator"},
            {"member": "x:2", "role": "participant"},
            {"member": "x:3", "role": "associatedPartner"},
        ],
        "needs": [{"kind": "federation", "text": "reach shopkeepers"}],
    }
]


def write(tmp_path, name, rows):
    path = tmp_path / name
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


@pytest.fixture
def mobility(db):
    return Sector.objects.create(
        slug="mobility", name_en="Mobility", name_fr="Mobilité", name_nl="Mobiliteit"
    )


def run_import(tmp_path, members=MEMBERS, projects=PROJECTS):
    call_command(
        "hub_import",
        "--members",
        str(write(tmp_path, "members.jsonl", members)),
        "--projects",
        str(write(tmp_path, "projects.jsonl", projects)),
        "--no-index",
    )


def test_import_creates_and_reimport_changes_nothing(tmp_path, mobility, capsys):
    """A second import of the same files reports every record unchanged."""
    run_import(tmp_path)
    assert Member.objects.count() == 3 and Project.objects.count() == 1
    roles = dict(ProjectPartner.objects.values_list("member__external_id", "role"))
    assert roles == {
        "x:1": PartnerRole.COORDINATOR,
        "x:2": PartnerRole.PARTNER,
        "x:3": PartnerRole.ASSOCIATED,
    }
    member = Member.objects.get(external_id="x:1")
    assert [o.text for o in member.offers.all()] == ["réparation de vélos"]
    assert member.seeks.get().kind == "researcher"
    capsys.readouterr()
    updated = Member.objects.get(external_id="x:2").updated_at

    run_import(tmp_path)
    out = capsys.readouterr().out
    assert "3 unchanged" in out and "1 unchanged" in out
    assert Member.objects.get(external_id="x:2").updated_at == updated


@pytest.mark.parametrize(
    ("members", "projects", "expected"),
    [
        (
            MEMBERS[:1] + [{"id": "x:2", "name": "Bad", "kind": "wizard"}],
            [],
            "members.jsonl:2: kind: 'wizard' is not one of",
        ),
        (
            MEMBERS[:1] + [{"name": "No id", "kind": "researcher"}],
            [],
            "members.jsonl:2: id",
        ),
        (
            MEMBERS,
            [{**PROJECTS[0], "partners": [{"member": "x:404"}]}],
            "projects.jsonl:1: partners[0].member: unknown member 'x:404'",
        ),
        (
            [{**MEMBERS[0], "sectors": ["astrology"]}],
            [],
            "members.jsonl:1: sectors: unknown taxonomy slug(s): astrology",
        ),
    ],
)
def test_bad_line_rejects_the_whole_import(
    tmp_path, mobility, members, projects, expected
):
    """Any invalid line names file, line and key, and nothing is written."""
    with pytest.raises(CommandError) as excinfo:
        run_import(tmp_path, members, projects)
    assert expected in str(excinfo.value)
    assert Member.objects.count() == 0 and Project.objects.count() == 0


def test_export_leaves_private_data_out_unless_asked(tmp_path, mobility):
    """Exports carry no e-mail or phone without --private; with it they do."""
    run_import(tmp_path)
    public_dir, private_dir = tmp_path / "public", tmp_path / "private"
    call_command("hub_export", "--out", str(public_dir))
    call_command("hub_export", "--out", str(private_dir), "--private")
    public = (public_dir / "members.jsonl").read_text()
    assert "secret-mail-1" not in public and "555 99 01" not in public
    assert "secret-mail-1@example.org" in (private_dir / "members.jsonl").read_text()
    # The export is itself importable and yields the same records.
    rows = [json.loads(line) for line in public.splitlines()]
    assert {r["id"] for r in rows} == {"x:1", "x:2", "x:3"}
    project = json.loads((public_dir / "projects.jsonl").read_text())
    assert project["partners"][0] == {"member": "x:1", "role": "coordinator"}


@pytest.mark.django_db(transaction=True)
def test_imported_data_is_indexed_without_private_fields(tmp_path, search_index):
    """After hub_import the raw index documents hold the data but no secrets."""
    Sector.objects.create(
        slug="mobility", name_en="Mobility", name_fr="Mobilité", name_nl="Mobiliteit"
    )
    call_command(
        "hub_import",
        "--members",
        str(write(tmp_path, "members.jsonl", MEMBERS)),
        "--projects",
        str(write(tmp_path, "projects.jsonl", PROJECTS)),
    )
    index_refresh()
    hits = search_index.search(index=index_alias("member"), size=100)["hits"]["hits"]
    assert len(hits) == 3
    raw = json.dumps(hits)
    assert "secret-mail-1" not in raw and "555 99 01" not in raw
    atelier = next(
        h["_source"] for h in hits if h["_source"]["name"].startswith("Atelier")
    )
    assert atelier["sectors"] == ["mobility"]
    assert "Mobilité" in atelier["sector_labels"]
    assert atelier["track_record"] == [
        "Cargo bikes for neighbourhood shops. Testing shared cargo bikes."
    ]


def test_namesakes_get_their_own_slugs(tmp_path, db):
    """Two organisations of the same name, in one small file and in a later
    one, each get a free slug (the fuzzer found a unique-constraint crash)."""
    Member.objects.create(name="Ville", slug="ville", kind="public_authority")
    namesakes = [
        {"id": f"v:{i}", "name": "Ville", "kind": "public_authority"} for i in (1, 2)
    ]
    call_command(
        "hub_import",
        "--members",
        str(write(tmp_path, "members.jsonl", namesakes)),
        "--no-index",
    )
    later = [{"id": "v:3", "name": "Ville", "kind": "public_authority"}]
    call_command(
        "hub_import",
        "--members",
        str(write(tmp_path, "later.jsonl", later)),
        "--no-index",
    )
    slugs = sorted(Member.objects.filter(name="Ville").values_list("slug", flat=True))
    assert slugs == ["ville", "ville-2", "ville-3", "ville-4"]
