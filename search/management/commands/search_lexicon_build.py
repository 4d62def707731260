"""Build search/data/lexicon.tsv.gz from FreeDict's dictd files, and
search/data/nl_words.txt.gz (Dutch words for splitting compounds) from
OpenTaal's hunspell dictionary.

Needs the Debian packages dict-freedict-{nld-eng,nld-fra,fra-nld,eng-nld,
fra-eng,eng-fra} and hunspell-nl (or the same files from freedict.org and
opentaal.org) at build time only: the site reads the committed data files.
The output is deterministic (sorted rows, gzip without a timestamp), so a
rebuild from the same dictionaries changes nothing.
"""

import gzip
import io
import re
from collections import defaultdict
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from search.lexicon import DUTCH_WORDS_PATH, LEXICON_PATH, MAX_STORED, MIN_PART
from search.text import WORD_RE, fold

CODES = {"nld": "nl", "fra": "fr", "eng": "en"}
B64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
# "1. ", "2. " before a sense; bracketed or parenthesised glosses
# ("lama [priester]", "(photographic) film") are notes, not translations.
SENSE_NUMBER = re.compile(r"^\s*\d+\.\s*")
GLOSS = re.compile(r"\([^)]*\)|\[[^\]]*\]?|<[^>]*>")
# Translations longer than this many words are explanations, not equivalents.
MAX_TRANSLATION_WORDS = 3
# Through a third language: its first translations, and theirs.
PIVOT_WIDTH = 2


def _b64(text: str) -> int:
    n = 0
    for char in text:
        n = n * 64 + B64.index(char)
    return n


def dictd_entries(index: Path, data: Path):
    """(headword, [translation, ...]) of a dictd dictionary, in file order."""
    with gzip.open(data) as compressed:
        body = compressed.read()
    seen = set()
    for line in index.read_text(encoding="utf-8").splitlines():
        name, offset, length = line.split("\t")
        if name.startswith("00database") or (offset, length) in seen:
            continue
        seen.add((offset, length))
        start = _b64(offset)
        lines = body[start : start + _b64(length)].decode("utf-8").split("\n")
        lines = [text for text in lines if text.strip()]
        if len(lines) < 2:
            continue
        # "tolk /tɔlk/ <n>": the headword is what comes before its pronunciation.
        headword = re.split(r"\s+[/<]", lines[0], maxsplit=1)[0].strip()
        if headword.endswith(("-", "\u2010")):
            # A combining form ("lucht‐": aerial), not the word itself.
            continue
        translations = []
        for text in lines[1:]:
            text = GLOSS.sub(" ", SENSE_NUMBER.sub("", text))
            for part in text.split(","):
                if "?" in part or '"' in part:
                    continue
                words = WORD_RE.findall(part)
                if 0 < len(words) <= MAX_TRANSLATION_WORDS:
                    translations.append(" ".join(words))
        if translations:
            yield headword, translations


def _ranked(translations: dict) -> list[str]:
    return sorted(
        translations, key=lambda t: (translations[t][1], -translations[t][0], t)
    )


def lexicon_rows(source: Path) -> list[str]:
    """Rows "lang, headword, target lang, translations by rank" for the six pairs.

    A translation is ranked by its first appearance (the first sense of the
    pair's own dictionary first, then the reverse pair's entries that give the
    headword, read backwards), then by how many dictionaries give it.
    """
    # (src, headword, dst) -> {translation: [votes, first position]}
    table = defaultdict(dict)

    def vote(src, headword, dst, translation, position):
        head = fold(headword)
        if " " in head or len(head) < 2:
            return
        # Translations keep their accents: the query's encoder reads them.
        translation = translation.lower()
        if not translation or fold(translation) == head:
            return
        slot = table[(src, head, dst)].setdefault(translation, [0, position])
        slot[0] += 1
        slot[1] = min(slot[1], position)

    for path in sorted(source.glob("freedict-*-*.index")):
        src, dst = path.name.removeprefix("freedict-").removesuffix(".index").split("-")
        if src not in CODES or dst not in CODES:
            continue
        data = path.with_suffix(".dict.dz")
        for headword, translations in dictd_entries(path, data):
            for position, translation in enumerate(translations):
                vote(CODES[src], headword, CODES[dst], translation, position)
                # Read backwards: the translation, if one word, has the headword
                # among its own translations (ranked after the direct ones).
                vote(CODES[dst], translation, CODES[src], headword, 100 + position)
    # A pair the dictionaries lack goes through the third language: Dutch
    # "huisvesting" has an English translation only; English "accommodation"
    # has French ones.
    languages = set(CODES.values())
    for src, head in sorted({(src, head) for src, head, _ in table}):
        for dst in sorted(languages - {src}):
            if (src, head, dst) in table:
                continue
            (pivot,) = languages - {src, dst}
            ranked = _ranked(table.get((src, head, pivot), {}))[:PIVOT_WIDTH]
            for position, word in enumerate(ranked):
                through = _ranked(table.get((pivot, fold(word), dst), {}))
                for rank, translation in enumerate(through[:PIVOT_WIDTH]):
                    vote(src, head, dst, translation, 200 + position * 10 + rank)
    stored = mutual_first(
        {key: _ranked(translations)[:MAX_STORED] for key, translations in table.items()}
    )
    return sorted(
        "\t".join((src, head, dst, "|".join(translations)))
        for (src, head, dst), translations in stored.items()
    )


def mutual_first(stored: dict) -> dict:
    """Translations that translate back into the headword come first.

    Old bilingual lists give senses in no useful order ("kwaliteit":
    "property" before "quality"); a translation whose own entry lists the
    headword among its translations ("quality" → "kwaliteit") is the word's
    usual sense. The order within each group stays the dictionaries'.
    """
    out = {}
    for (src, head, dst), translations in stored.items():
        mutual = [t for t in translations if head in stored.get((dst, t, src), ())]
        out[(src, head, dst)] = mutual + [t for t in translations if t not in mutual]
    return out


def dutch_words(dic: Path) -> list[str]:
    """OpenTaal's lower-case Dutch words (no names, abbreviations or affixed
    forms), folded, that are long enough to be a compound's part."""
    lines = dic.read_text(encoding="utf-8").splitlines()[1:]
    words = set()
    for line in lines:
        word = line.split("/", 1)[0].strip()
        if word.isalpha() and word.islower():
            folded = fold(word)
            if len(folded) >= MIN_PART and " " not in folded:
                words.add(folded)
    return sorted(words)


def _write_gzip(path: Path, lines: list[str]) -> int:
    buffer = io.BytesIO()
    with gzip.GzipFile(fileobj=buffer, mode="wb", mtime=0, filename="") as out:
        out.write(("\n".join(lines) + "\n").encode("utf-8"))
    path.write_bytes(buffer.getvalue())
    return len(buffer.getvalue())


class Command(BaseCommand):
    help = (
        "Build the FR/NL/EN word lexicon that search uses to translate query "
        "words (search/data/lexicon.tsv.gz) from FreeDict's dictd files."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--source",
            default="/usr/share/dictd",
            help="Folder with FreeDict's freedict-*.index and .dict.dz files.",
        )
        parser.add_argument("--output", default=str(LEXICON_PATH))
        parser.add_argument(
            "--dutch-dictionary",
            default="/usr/share/hunspell/nl.dic",
            help="OpenTaal's hunspell word list (Debian package hunspell-nl).",
        )
        parser.add_argument("--dutch-output", default=str(DUTCH_WORDS_PATH))

    def handle(self, *args, source, output, dutch_dictionary, dutch_output, **options):
        source = Path(source)
        missing = [
            f"freedict-{a}-{b}.index"
            for a in CODES
            for b in CODES
            if a != b and not (source / f"freedict-{a}-{b}.index").exists()
        ]
        if missing:
            raise CommandError(f"Missing in {source}: {', '.join(missing)}")
        dic = Path(dutch_dictionary)
        if not dic.exists():
            raise CommandError(f"Missing: {dic} (Debian package hunspell-nl)")
        rows = lexicon_rows(source)
        size = _write_gzip(Path(output), rows)
        self.stdout.write(f"{len(rows)} rows, {size} bytes: {output}")
        words = dutch_words(dic)
        size = _write_gzip(Path(dutch_output), words)
        self.stdout.write(f"{len(words)} Dutch words, {size} bytes: {dutch_output}")
