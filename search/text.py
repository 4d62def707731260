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


def fold(text: str) -> str:
    """Lower case without accents, words separated by single spaces."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(WORD_RE.findall(stripped))


@lru_cache(maxsize=3)
def _stemmer(language: str):
    return snowballstemmer.stemmer(language)


@lru_cache(maxsize=200_000)
def _stems(word: str) -> tuple[str, ...]:
    return tuple(
        dict.fromkeys(_stemmer(lang).stemWord(word) for lang in LANGUAGES.values())
    )


def stem(text: str) -> str:
    """Folded words reduced to their FR/NL/EN stems, stop words removed."""
    out = []
    for word in fold(text).split():
        if word in STOP_WORDS or len(word) < 2:
            continue
        out.extend(_stems(word))
    return " ".join(out)


def stem_terms(text: str) -> list[str]:
    return stem(text).split()
