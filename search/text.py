"""Text analysis done in Python, so it works on any Elasticsearch distribution.

The minimal distribution has no language stemmers and no ASCII folding
(those live in the analysis-common module). Documents and queries therefore
carry two extra forms of their text, computed here with the same code:

- *folded*: lower case, accents removed ("Molenbeek-Saint-Jean, écoles" →
  "molenbeek saint jean ecoles"), for accent-insensitive matching;
- *stemmed*: each folded word reduced by the French, Dutch and English
  Snowball stemmers, stop words of the three languages removed, so
  "logements", "logement" and "woningen"/"woning" meet their own stems.

Stemming with all three languages is deliberate: profiles mix languages, and a
stem that is wrong for one language only adds a rare extra term.
"""

import re
import sys
import unicodedata
from functools import lru_cache

import snowballstemmer

LANGUAGES = {"fr": "french", "nl": "dutch", "en": "english"}
WORD_RE = re.compile(r"[^\W_]+", re.UNICODE)

# Short stop-word lists of the three languages (function words only).
STOP_WORDS = frozenset(
    # English, French, Dutch.
    " ".join(
        (
            "a an and are as at be by for from has have in into is it its of on or "
            "our that the their this to was we were which with you your",
            "au aux avec ce ces dans de des du elle en est et il ils je la le les "
            "leur leurs mais ne nos notre nous on ou par pas pour qu que qui sa se "
            "ses son sur un une vos votre vous y d l j n s c",
            "aan al als bij dat de den der des deze die dit door een en er het hij "
            "hoe in is je met na naar niet of om onder ons onze op over te tot uit "
            "van voor wat we wij ze zij zijn",
        )
    ).split()
)


def experiment_text(title, summary, description, keywords, needs) -> str:
    """What matchmaking reads of an experiment (`needs`: the texts of its open
    needs), one string for the ranking and for the vector the indexer
    encodes ahead of it."""
    parts = [title, summary, description, *keywords, *needs]
    return ". ".join(p for p in parts if p)


def fold(text: str) -> str:
    """Lower case without accents, words separated by single spaces."""
    if text.isascii():
        # For ASCII, case folding is lower() and NFKD changes nothing.
        return " ".join(WORD_RE.findall(text.lower()))
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return " ".join(WORD_RE.findall(decomposed.translate(_combining_marks())))


@lru_cache(maxsize=1)
def _combining_marks() -> dict[int, None]:
    """A `str.translate` table deleting every combining character."""
    return {
        code: None
        for code in range(sys.maxunicode + 1)
        if unicodedata.combining(chr(code))
    }


@lru_cache(maxsize=3)
def _stemmer(language: str):
    stemmer = snowballstemmer.stemmer(language)
    if hasattr(stemmer, "maxCacheSize"):
        # PyStemmer's own word cache costs more than it saves once it is full
        # (it purges on every miss); _StemCache below caches every word.
        stemmer.maxCacheSize = 0
    return stemmer


class _StemCache(dict):
    """Folded word → its stems joined by spaces ("" for a stop word).

    Vocabulary repeats massively across documents: a rebuild stems each
    distinct word once.
    """

    MAX_WORDS = 500_000

    def __missing__(self, word: str) -> str:
        if word in STOP_WORDS or len(word) < 2:
            stems = ""
        else:
            stems = " ".join(
                dict.fromkeys(
                    _stemmer(lang).stemWord(word) for lang in LANGUAGES.values()
                )
            )
        if len(self) >= self.MAX_WORDS:
            self.clear()
        self[word] = stems
        return stems


_stems = _StemCache()


def stem(text: str) -> str:
    """Folded words reduced to their FR/NL/EN stems, stop words removed."""
    return stem_folded(fold(text))


def stem_folded(folded: str) -> str:
    """`stem` of a text that `fold` already folded."""
    return " ".join(filter(None, map(_stems.__getitem__, folded.split())))


def stem_terms(text: str) -> list[str]:
    return stem(text).split()
