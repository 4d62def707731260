"""The FR/NL/EN word lexicon (search/lexicon.py) and what it adds to member search:
a Dutch word that no profile shares and that the encoder does not place near
its translation finds the French and English profiles on its topic."""

import gzip

import pytest

from members.tests.factories import MemberFactory
from search.lexicon import (
    DUTCH_WORDS_PATH,
    LEXICON_PATH,
    Lexicon,
    lexicon,
    query_gloss,
    word_expansion,
)
from search.management.commands.search_lexicon_build import (
    dutch_words,
    lexicon_rows,
    mutual_first,
)
from search.selectors import documents_search
from search.services import index_refresh

B64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"

UNRELATED = [
    ("Repair café", "Volunteers repair laptops and bicycles every Saturday."),
    ("Potager urbain", "Maraîchage bio sur deux parcelles à Anderlecht."),
    ("Kringloopwinkel", "Tweedehands meubels en kleding tegen kleine prijzen."),
    ("Energy coaches", "Home visits to cut the energy bills of tenants."),
]


def test_lexicon_translates_a_dutch_word_by_its_stem():
    """'tolken' is not a headword, but its stem is that of 'tolk' (interpreter):
    it is translated into French and English; 'vluchtelingen' likewise."""
    assert {"interprète", "interpreter"} <= set(word_expansion("tolken").translations)
    assert {"réfugié", "refugee"} <= set(word_expansion("vluchtelingen").translations)


def test_unknown_dutch_compound_is_split_into_two_known_words():
    """'luchtkwaliteit' (air quality) is no headword: it is read as 'lucht' +
    'kwaliteit', each translated; a linking -s- is dropped
    ('ervaringsdeskundigen' → 'ervaring' + 'deskundigen')."""
    expansion = word_expansion("luchtkwaliteit")
    assert not expansion.translations
    (air, air_words), (quality, quality_words) = expansion.parts
    assert (air, quality) == ("lucht", "kwaliteit")
    assert "air" in air_words and "qualité" in quality_words
    assert [p for p, _ in word_expansion("ervaringsdeskundigen").parts] == [
        "ervaring",
        "deskundigen",
    ]


def test_expansion_is_bounded_and_a_gloss_keeps_unknown_words():
    """A word gets at most the asked number of translations; the English gloss
    of a query translates what it can and keeps the rest as written."""
    assert len(word_expansion("huis", limit=2).translations) <= 2
    gloss = query_gloss([("tolken", "tolken"), ("Zwxq", "zwxq")])
    assert gloss == "interpreter Zwxq"


def test_committed_lexicon_is_small_and_loads_once():
    """The site reads the committed file (no Debian package at run time): a few
    MB at most, three languages, parsed once per process."""
    assert LEXICON_PATH.stat().st_size < 3_000_000
    assert lexicon() is lexicon()
    assert set(lexicon().entries) == {"fr", "nl", "en"}


def test_translations_that_translate_back_come_first():
    """An old dictionary's first sense is not always the usual one: of
    "kwaliteit" → "property", "quality", only "quality" gives "kwaliteit"
    back, so the builder puts it first; the committed lexicon's gloss and
    alternatives follow."""
    stored = mutual_first(
        {
            ("nl", "kwaliteit", "en"): ["property", "quality"],
            ("en", "quality", "nl"): ["eigenschap", "kwaliteit"],
            ("en", "property", "nl"): ["bezitting", "eigendom"],
        }
    )
    assert stored[("nl", "kwaliteit", "en")] == ["quality", "property"]
    assert stored[("en", "quality", "nl")] == ["kwaliteit", "eigenschap"]
    assert stored[("en", "property", "nl")] == ["bezitting", "eigendom"]
    assert lexicon().gloss("kwaliteit", "en") == "quality"
    translations = word_expansion("kwaliteit", limit=8).translations
    assert translations.index("quality") < translations.index("property")


def test_compound_parts_come_from_the_dutch_word_list():
    """Words the bilingual dictionaries lack still split a compound: OpenTaal's
    list knows "impact" ("impactmeting": impact measurement) and "online"."""
    assert "impact" in lexicon().dutch_words
    assert [p for p, _ in word_expansion("impactmeting").parts] == ["impact", "meting"]
    assert [p for p, _ in word_expansion("onlineformulieren").parts] == [
        "online",
        "formulieren",
    ]


def test_three_letter_pieces_are_not_compound_parts():
    """A prefix or a suffix is not a word of the compound: "hergebruik" is not
    "her" (English "her") + "gebruik", "mantelzorgers" not "mantelzorg" + "ers"."""
    assert not word_expansion("hergebruik").parts
    assert not word_expansion("mantelzorgers").parts


def test_a_known_dutch_word_splits_only_into_translated_words():
    """The Dutch list knows "ondernemers" (entrepreneurs) whole: it is not
    "onder" + "nemers"; "luchtkwaliteit", also known whole, splits into two
    words the dictionaries translate. Of two splits with the same first part,
    the one without a linking letter wins: "leeg" + "staande", not "leeg" +
    -s- + "taande"."""
    assert lexicon().split("ondernemers") is None
    assert lexicon().split("luchtkwaliteit") == ("lucht", "kwaliteit")
    assert lexicon().split("leegstaande") == ("leeg", "staande")


def test_compound_parts_are_translated_as_dutch_words():
    """A part of a Dutch compound is Dutch, whatever English word it also
    spells: only its Dutch headword's translations count."""
    table = Lexicon(
        [
            "nl\tpost\ten\tmail\n",
            "en\tpost\tfr\tpoteau\n",
            "nl\tkantoor\ten\toffice\n",
        ],
        dutch_words=["post", "kantoor"],
    )
    assert table.split("postkantoor") == ("post", "kantoor")
    assert table.expand("postkantoor", 4).parts == (
        ("post", ("mail",)),
        ("kantoor", ("office",)),
    )


def test_build_keeps_lower_case_dutch_words_folded(tmp_path):
    """From OpenTaal's hunspell list: lower-case words only (no names or
    abbreviations), affix flags dropped, accents folded, long enough to be a
    compound's part."""
    dic = tmp_path / "nl.dic"
    dic.write_text("6\nimpact/Ze\nAmsterdam\ncoöperatie/Ze\nkwh\nhet\ne-mail\n")
    assert dutch_words(dic) == ["cooperatie", "impact"]
    assert DUTCH_WORDS_PATH.stat().st_size < 1_000_000


def _b64(n: int) -> str:
    out = ""
    while True:
        out = B64[n % 64] + out
        n //= 64
        if not n:
            return out


def _write_dictd(folder, pair, entries):
    body, index = b"", []
    for headword, text in entries:
        chunk = f"{headword} /x/\n{text}\n\n".encode()
        index.append(f"{headword}\t{_b64(len(body))}\t{_b64(len(chunk))}")
        body += chunk
    (folder / f"freedict-{pair}.index").write_text("\n".join(index) + "\n")
    with gzip.open(folder / f"freedict-{pair}.dict.dz", "wb") as out:
        out.write(body)


def test_build_reads_dictd_entries_and_is_deterministic(tmp_path):
    """The builder reads headwords and numbered senses, drops glosses in
    brackets and sentences, fills a missing pair through the third language,
    and gives the same rows on every run."""
    _write_dictd(tmp_path, "nld-eng", [("tolk", "1. interpreter\n2. mouthpiece")])
    _write_dictd(tmp_path, "eng-fra", [("interpreter", "interprète [langues]")])
    _write_dictd(tmp_path, "fra-eng", [("bonjour", "how are you?, hello")])
    rows = lexicon_rows(tmp_path)
    assert "nl\ttolk\ten\tinterpreter|mouthpiece" in rows
    assert "nl\ttolk\tfr\tinterprète" in rows  # through English
    assert "fr\tbonjour\ten\thello" in rows
    assert rows == lexicon_rows(tmp_path)


@pytest.mark.django_db(transaction=True)
def test_dutch_word_finds_french_profile_only_through_the_lexicon(search_index):
    """'tolken' (to interpret) is in no profile and the encoder puts it near
    nothing; it finds the French interpreting service, and nothing else."""
    interpreters = MemberFactory(
        name="Voix Partagées",
        description="Des interprètes bénévoles accompagnent les familles au CPAS.",
    )
    others = [MemberFactory(name=n, description=d) for n, d in UNRELATED]
    index_refresh()
    page = documents_search(document="member", query="tolken", facets=False)
    assert [hit.id for hit in page.hits][:1] == [interpreters.pk]
    assert not {hit.id for hit in page.hits} & {m.pk for m in others}


@pytest.mark.django_db(transaction=True)
def test_dutch_compound_finds_profiles_through_its_parts(search_index, settings):
    """'luchtkwaliteit' finds the French profile on 'qualité de l'air' and the
    English one on 'air quality' by its parts, even without the encoder."""
    settings.HUB_EMBEDDINGS = False
    french = MemberFactory(
        name="Capteurs citoyens",
        description="Des habitants mesurent la qualité de l'air de leur rue.",
    )
    english = MemberFactory(
        name="Clean Air Lab",
        description="Residents measure air quality with low-cost sensors.",
    )
    others = [MemberFactory(name=n, description=d) for n, d in UNRELATED]
    index_refresh()
    page = documents_search(document="member", query="luchtkwaliteit", facets=False)
    found = {hit.id for hit in page.hits}
    assert {french.pk, english.pk} <= found
    assert not found & {m.pk for m in others}


@pytest.mark.django_db(transaction=True)
def test_words_found_together_rank_above_the_same_words_scattered(
    search_index, settings
):
    """'social housing' ranks the profile saying 'social and affordable housing'
    above the one that says 'housing' more often but 'social' in another
    sentence."""
    settings.HUB_EMBEDDINGS = False
    scattered = MemberFactory(
        name="Repair collective",
        description=(
            "Housing repairs, housing advice, housing grants: housing for all. "
            "Our social media team posts every week."
        ),
    )
    together = MemberFactory(
        name="Toit commun",
        description="We build social and affordable housing in Anderlecht.",
    )
    index_refresh()
    page = documents_search(document="member", query="social housing", facets=False)
    assert [hit.id for hit in page.hits] == [together.pk, scattered.pk]
