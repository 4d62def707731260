"""Translations of query words between French, Dutch and English.

The sentence encoder links many words to their translations, but not all:
"tolken" (to interpret), "vluchtelingen" (refugees) or Dutch compounds such as
"luchtkwaliteit" (air quality) land nowhere near the French or English profiles
on those topics, and no profile shares the word. A bilingual word list fills
that gap: each query word also matches its translations (see
search/selectors.py). The list is search/data/lexicon.tsv.gz, built from
FreeDict's dictionaries by `manage.py search_lexicon_build` (licence in
search/data/LEXICON-LICENCE.md) and read once per process, on first use.

Words are looked up by their stem in each language, so "tolken", "tolk" and
"tolks" meet the headword "tolk"; a Dutch word the list does not know is split
into two known words ("luchtkwaliteit" → "lucht" + "kwaliteit",
"ervaringsdeskundigen" → "ervaring" + "deskundigen"), known from FreeDict's
headwords and OpenTaal's Dutch word list (search/data/nl_words.txt.gz, built
by the same command from Debian's hunspell-nl).

A headword's translations that translate back into it come first: the old
dictionaries list senses in no useful order ("kwaliteit": "property" before
"quality"), and a mutual translation is the usual sense.
"""

import gzip
import os
from collections import defaultdict
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from search.text import LANGUAGES, _stemmer, stem, stem_folded

LEXICON_PATH = Path(__file__).resolve().parent / "data" / "lexicon.tsv.gz"
# Translations kept per headword and target language in the data file.
MAX_STORED = 5
# Dutch words that may be parts of a compound: OpenTaal's word list (BSD or
# CC BY 3.0, see search/data/LEXICON-LICENCE.md), beside FreeDict's headwords.
DUTCH_WORDS_PATH = LEXICON_PATH.parent / "nl_words.txt.gz"
# Compound parts: at least this long (three-letter "parts" were mostly
# prefixes and suffixes: "her" + "gebruik", "mantelzorg" + "ers"); Dutch links
# parts with -s-, -e- or -en-.
MIN_PART = 4
MIN_COMPOUND = 8
LINKS = ("", "s", "e", "en")
# Headwords of the same stem count as the word's family when they share a
# beginning at most this many letters shorter than the closest one's.
FAMILY_SLACK = 2


@dataclass(frozen=True)
class Expansion:
    """A query word's translations, or the translations of its two parts."""

    translations: tuple[str, ...] = ()
    parts: tuple[tuple[str, tuple[str, ...]], ...] = ()


class Lexicon:
    """Headwords by language and stem, with their ranked translations."""

    def __init__(self, rows, dutch_words=()):
        # lang -> folded headword -> target lang -> translations by rank
        self.entries = defaultdict(dict)
        for row in rows:
            src, head, dst, translations = row.rstrip("\n").split("\t")
            self.entries[src].setdefault(head, {})[dst] = translations.split("|")
        self.by_stem = {}
        for lang, heads in self.entries.items():
            stemmer = _stemmer(LANGUAGES[lang])
            index = defaultdict(list)
            for head in heads:
                index[stemmer.stemWord(head)].append(head)
            self.by_stem[lang] = index
        # Words a Dutch compound may be made of, and their stems.
        stemmer = _stemmer(LANGUAGES["nl"])
        self.dutch_words = set(self.entries["nl"]) | set(dutch_words)
        self.dutch_stems = set(stemmer.stemWords(list(self.dutch_words)))

    def headwords(self, word: str) -> list[tuple[str, str]]:
        """(language, headword) pairs for a folded word: as written, else by stem."""
        candidates = {
            (lang, head)
            for lang, language in LANGUAGES.items()
            for head in self.by_stem.get(lang, {}).get(
                _stemmer(language).stemWord(word), ()
            )
        }
        candidates |= {(lang, word) for lang in LANGUAGES if word in self.entries[lang]}
        if not candidates:
            return []
        # Stems collide ("woningen", "wonen" and "gewoon" share a Dutch stem):
        # keep the word's own family, the headwords that begin as it does
        # ("ondernemen", "ondernemer", "onderneming"), the closest first.
        shared = {pair: _common_prefix(word, pair[1]) for pair in candidates}
        best = max(shared.values())
        return sorted(
            (pair for pair in candidates if shared[pair] >= best - FAMILY_SLACK),
            key=lambda pair: (-shared[pair], len(pair[1]), pair),
        )

    def translations(
        self, word: str, limit: int, language: str | None = None
    ) -> tuple[str, ...]:
        """Up to `limit` translations of a folded word, best first.

        The first translation into each other language comes before any
        second one, so a word reaches both other languages. With `language`,
        the word is read as a word of that language only (a part of a Dutch
        compound is Dutch, whatever English word it also spells).
        """
        ranked = [
            self.entries[lang][head].get(dst, [])
            for lang, head in self.headwords(word)
            if language in (None, lang)
            for dst in LANGUAGES
            if dst != lang
        ]
        seen = set(stem_folded(word).split())
        out = []
        for rank in range(MAX_STORED):
            for translations in ranked:
                if rank >= len(translations) or len(out) >= limit:
                    continue
                stems = set(stem(translations[rank]).split())
                if stems and not stems <= seen:
                    seen |= stems
                    out.append(translations[rank])
        return tuple(out)

    def first_translation(self, word: str, into: str) -> str | None:
        """The word's first translation into a language, None if it is in it."""
        heads = self.headwords(word)
        if not heads or any(lang == into for lang, _ in heads):
            return None
        for lang, head in heads:
            translations = self.entries[lang][head].get(into)
            if translations:
                return translations[0]
        return None

    def gloss(self, word: str, into: str) -> str | None:
        """A folded word (or compound) in another language, word for word."""
        if self.known(word):
            return self.first_translation(word, into)
        parts = self.split(word)
        if parts is None:
            return None
        glossed = [self.first_translation(part, into) or part for part in parts]
        return " ".join(glossed)

    def known(self, word: str) -> bool:
        return bool(self.headwords(word))

    def split(self, word: str) -> tuple[str, str] | None:
        """A Dutch compound as two known words, the longest first part first.

        The words are FreeDict's Dutch headwords and OpenTaal's word list, so
        a compound of words the bilingual lists lack still splits
        ("impactmeting" → "impact" + "meting"); each part then matches as
        itself or by its translations. Of two splits with the same first
        part, the one without a linking letter wins ("leeg" + "staande", not
        "leeg" + -s- + "taande"). A word the Dutch list knows whole is split
        only into two words the dictionaries translate: "luchtkwaliteit"
        gains "air" and "quality", while "ondernemers" is not "onder" +
        "nemers".
        """
        if len(word) < MIN_COMPOUND:
            return None
        nl_words, nl_stems = self.dutch_words, self.dutch_stems
        stemmer = _stemmer(LANGUAGES["nl"])
        whole = word in nl_words or stemmer.stemWord(word) in nl_stems
        for cut in range(len(word) - MIN_PART, MIN_PART - 1, -1):
            first = word[:cut]
            if first not in nl_words:
                continue
            for link in LINKS:
                if not word.startswith(link, cut):
                    continue
                tail = word[cut + len(link) :]
                if len(tail) < MIN_PART or not (
                    tail in nl_words or stemmer.stemWord(tail) in nl_stems
                ):
                    continue
                if whole and not (self.known_dutch(first) and self.known_dutch(tail)):
                    continue
                return first, tail
        return None

    def known_dutch(self, word: str) -> bool:
        """A Dutch headword of the bilingual dictionaries (as written or by stem)."""
        return any(lang == "nl" for lang, _ in self.headwords(word))

    def expand(self, word: str, limit: int) -> Expansion:
        """What a folded query word also matches besides itself."""
        if self.known(word):
            return Expansion(translations=self.translations(word, limit))
        parts = self.split(word)
        if parts is None:
            return Expansion()
        return Expansion(
            parts=tuple(
                (part, self.translations(part, limit, language="nl")) for part in parts
            )
        )


def _common_prefix(a: str, b: str) -> int:
    return len(os.path.commonprefix([a, b]))


@lru_cache(maxsize=1)
def lexicon() -> Lexicon:
    """The committed lexicon and Dutch word list, read once per process."""
    words = ()
    if DUTCH_WORDS_PATH.exists():
        with gzip.open(DUTCH_WORDS_PATH, "rt", encoding="utf-8") as lines:
            words = lines.read().split()
    with gzip.open(LEXICON_PATH, "rt", encoding="utf-8") as rows:
        return Lexicon(rows, words)


def word_expansion(word: str, *, limit: int = 3) -> Expansion:
    """Translations of a folded query word (or of its compound parts)."""
    return lexicon().expand(word, limit)


def query_gloss(words: list[tuple[str, str]], *, into: str = "en") -> str:
    """A query word for word in one language: (word, folded) pairs → text.

    Words already in that language, or unknown, stay as written.
    """
    table = lexicon()
    return " ".join(table.gloss(folded, into) or word for word, folded in words)
