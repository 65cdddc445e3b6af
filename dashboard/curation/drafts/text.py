"""An article's text as the extractor reads it: headline-like lines apart, paragraphs cut into sentences."""

from __future__ import annotations

import re

MAX_SENTENCE_CHARS = 2_000  # longer runs without a full stop are cut, so no sentence costs unbounded work
ABBREVIATIONS = {
    *("mr", "mrs", "ms", "dr", "gen", "lt", "col", "maj", "capt", "sgt", "st", "no", "vs", "pres", "gov", "sen"),
    *("jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec", "rep"),
}


def article_paragraphs(text: str) -> tuple[list[str], list[list[str]]]:
    """The headline-like lines (short, no closing punctuation) and the paragraphs as lists of sentences."""
    headlines, paragraphs = [], []
    for line in text.replace("\r\n", "\n").replace("\r", "\n").split("\n"):
        line = " ".join(line.replace("**", " ").replace("__", " ").split()).lstrip("#").strip()
        if not line:
            continue
        if len(line.split()) <= 20 and not line.endswith((".", "!", "?", '."', ".”", ":", '?"')):
            headlines.append(line)
            continue
        paragraphs.append(split_sentences(line))
    return headlines, paragraphs


_SENTENCE_END = re.compile(r"[.!?][\"”’)]*\s+(?=[\"“‘(]?[A-Z0-9])")


def split_sentences(paragraph: str) -> list[str]:
    """Sentences of a paragraph; a full stop after an abbreviation ("U.S.", "Gen.") does not end one."""
    sentences, start = [], 0
    for match in _SENTENCE_END.finditer(paragraph):
        before = paragraph[start : match.start() + 1].split()
        last = before[-1] if before else ""
        if re.fullmatch(r"(?:[A-Za-z]\.){2,}|[A-Z]\.", last) or last.rstrip(".").lower() in ABBREVIATIONS:
            continue
        sentences.append(paragraph[start : match.end()].strip())
        start = match.end()
    if paragraph[start:].strip():
        sentences.append(paragraph[start:].strip())
    return [piece for sentence in sentences for piece in _wrapped(sentence)]


def _wrapped(sentence: str) -> list[str]:
    """A run-on "sentence" longer than `MAX_SENTENCE_CHARS` cut at spaces, so that each costs bounded work."""
    if len(sentence) <= MAX_SENTENCE_CHARS:
        return [sentence]
    pieces, rest = [], sentence
    while len(rest) > MAX_SENTENCE_CHARS:
        cut = rest.rfind(" ", 0, MAX_SENTENCE_CHARS)
        cut = cut if cut > 0 else MAX_SENTENCE_CHARS
        pieces.append(rest[:cut].strip())
        rest = rest[cut:]
    return [*pieces, rest.strip()] if rest.strip() else pieces
