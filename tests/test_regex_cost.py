"""Patterns run on untrusted note text stay linear on a text that repeats their own opening.

Each cost test compares an adversarial text with an ordinary one of the same size, measured in the
same test, with a generous factor: the quadratic forms these guard against cost seconds where the
ordinary text costs milliseconds.
"""

from __future__ import annotations

import random
import re
import time
from collections.abc import Callable

import pytest

from memem.recall import snippet as snippet_module
from memem.recall import text
from memem.recall.snippet import snippet
from memem.recall.text import neutralise, neutralise_block
from memem.vault import frontmatter

_ORDINARY = 'See [the docs](https://example.com/a/b "Docs") and `code`, then **run** it.\n'


def _seconds(function: Callable[[str], object], value: str) -> float:
    best = float("inf")
    for _ in range(3):
        start = time.perf_counter()
        function(value)
        best = min(best, time.perf_counter() - start)
    return best


def _sized(unit: str, size: int) -> str:
    return (unit * (size // len(unit) + 1))[:size]


def _assert_linear(function: Callable[[str], object], unit: str, size: int = 40_000) -> None:
    ordinary = _seconds(function, _sized(_ORDINARY, size))
    crafted = _seconds(function, _sized(unit, size))
    assert crafted < 30 * ordinary + 0.05, (unit, crafted, ordinary)


# --- link titles: `[a](url "title")` ------------------------------------------------------------


@pytest.mark.parametrize("unit", ["](", "](x (", "](x\t(", "](x (\n", "[a](b (c", '](x "', "[a]: x ("])
@pytest.mark.parametrize("function", [neutralise, neutralise_block], ids=["neutralise", "neutralise_block"])
def test_link_titles_are_linear_on_a_run_of_link_openings(function: Callable[[str], str], unit: str) -> None:
    # 40 KB of `](` cost ~15 s before (every `](` read the rest of the run again), 40 KB of
    # `](x (` ~2 s; an ordinary text of that size costs a few milliseconds.
    _assert_linear(function, unit)


@pytest.mark.parametrize(
    ("note", "shown"),
    [
        ('see [a](http://x.com "hover me") now', "see [a](http://x.com) now"),
        ("see [a](http://x.com 'hover me') now", "see [a](http://x.com) now"),
        ("see [a](http://x.com (hover me)) now", "see [a](http://x.com) now"),
        ('see [a](<http://x.com> "t")', "see [a](<http://x.com>)"),
        ('see [a](u\t"t" )', "see [a](u )"),
        (r"see [a](u (a \( b))", "see [a](u)"),  # an escaped bracket in a bracketed title
        ('[a](b](c "t")', "[a](b](c)"),  # the address is the whole run, whichever `](` starts it
        ('[a](b]( "t")', "[a](b]()"),
        ('[ref]: http://x.com "hover"', "[ref]: http://x.com"),
        ("  [ref]: http://x.com (hover)", "  [ref]: http://x.com"),
        ('[a](u "t") and [b](v "s")', "[a](u) and [b](v)"),
        ('[a](u "t" and more)', '[a](u "t" and more)'),  # not a title: something follows it
        ('[a](u "t"', "[a](u"),  # at the end of a line, as if closed
        ('[a](u "t', '[a](u "t'),  # not a title: its quote is not closed
        ("plain (words) here", "plain (words) here"),
    ],
)
def test_link_titles_are_dropped_as_before(note: str, shown: str) -> None:
    assert neutralise_block(note) == shown


_OLD_LINK_TITLE = (
    r"(\]\(\S+|^[ \t]{0,3}\[[^\]\n]{1,200}\]:[ \t]*\S+)[ \t]+(?:\"[^\"\n]*\"|'[^'\n]*'|\([^)\n]*\))(?=[ \t]*(?:\)|$))"
)


def test_link_titles_match_what_the_quadratic_pattern_matched() -> None:
    """The same titles as the pattern before, on random short texts, but for one kind: a bracketed
    title holding `](` and more (no title at all where markdown reads titles: it holds an unescaped `(`)."""
    old = re.compile(_OLD_LINK_TITLE, re.M)
    new = re.compile(text._LINK_TITLE, re.M)
    pieces = [*"[]()\"' \tx\n:", "](", "](x", "[a]:", "\n[a]: u"]
    rng = random.Random(7)
    compared = 0
    for _ in range(20_000):
        sample = "".join(rng.choice(pieces) for _ in range(rng.randint(1, 20)))
        if any(re.search(r"\]\(\S", m.group()[len(m.group(1)) :]) for m in old.finditer(sample)):
            continue
        compared += 1
        assert new.sub(r"\1", sample) == old.sub(r"\1", sample), sample
    assert compared > 15_000


# --- the snippet's markup: list marks, headings, emphasis ------------------------------------------


@pytest.mark.parametrize("unit", ["\n", " \n", "\t\n"])
def test_snippet_markup_is_linear_on_blank_lines(unit: str) -> None:
    # 20 KB of blank lines cost ~3.5 s before: a list mark's indent, `^\s*`, read on from every line to
    # the end of the run. `snippet` itself reads one line at a time; the pattern is linear all the same.
    markup = snippet_module._MARKUP
    _assert_linear(lambda value: markup.sub("", value), unit, size=20_000)


@pytest.mark.parametrize(
    ("body", "line"),
    [
        ("# Heading\n\n- **Deploy** with `make ship` to [[prod]].", "Deploy with make ship to prod."),
        ("  * indented bullet about deploy", "indented bullet about deploy"),
        ("+\tplus bullet deploy", "plus bullet deploy"),
        ("## __Bold__ heading on deploy", "Bold heading on deploy"),
        ("a - b * c deploy", "a - b * c deploy"),  # marks inside a line stay
    ],
)
def test_snippet_markup_is_removed_as_before(body: str, line: str) -> None:
    assert snippet(body, "deploy") == line


# --- frontmatter: the comment after a value --------------------------------------------------------

_OLD_LINE_COMMENT = r"^(?P<head>[^\r\n#]*?)(?P<comment>[ \t]+#[^\r\n]*)$"


@pytest.mark.parametrize("unit", ["\t", " ", "a ", " a"])
def test_line_comment_is_linear_on_a_line_of_blanks(unit: str) -> None:
    # 20 KB of blanks on one frontmatter line cost ~1.6 s before (a lazy head tried the comment from
    # every character); 1 MB now costs tens of milliseconds.
    _assert_linear(frontmatter._LINE_COMMENT.match, unit, size=20_000)


@pytest.mark.parametrize(
    ("line", "comment"),
    [
        ("status: active  # why", "  # why"),
        ("status: active\t# why # and more", "\t# why # and more"),
        ("status: active# not a comment", None),
        ("  # only a comment", "  # only a comment"),
        ('title: "a # b"', ' # b"'),  # the caller sees the odd quote in the head
        ("status: active", None),
    ],
)
def test_line_comment_is_read_as_before(line: str, comment: str | None) -> None:
    found = frontmatter._LINE_COMMENT.match(line)
    assert (found and found.group("comment")) == comment
    old = re.match(_OLD_LINE_COMMENT, line)
    assert (found and found.groupdict()) == (old and old.groupdict())


# --- the offline extractor's words and names; the secret scan's "public" comment -------------------

_OLD_WORD = r"[\w'./`-]*\w[\w'./`-]*"
_OLD_NAME = r"(?<![\w/])(?:[\w-]+[._/][\w./-]*\w|[a-z]+[A-Z]\w*|[A-Z]{2,}(?:_[A-Z0-9]+)+)"


def _extract(body: str) -> object:
    from memem.mining.extract_offline import OfflineExtractor

    rule = "we always use `x` in ci actually "
    return OfflineExtractor().extract(f"### Person:\n{rule}{body}\n\n### Assistant:\n{rule}{body}\n\n", None)


@pytest.mark.parametrize("unit", ["/", "-.", "a-"])
def test_offline_extractor_is_linear_on_a_run_of_marks(unit: str) -> None:
    # 40 KB of `/` after a rule cost ~42 s before (a word was tried from every `/`), 40 KB of `-.` or
    # `a-` ~7 s (a dotted name was tried from every `-`); now ~0.1 s.
    _assert_linear(_extract, unit, size=20_000)


def test_said_public_is_linear_on_a_run_of_comment_marks() -> None:
    from memem.vault import secrets

    _assert_linear(lambda value: list(secrets._said_public(value)), "/", size=200_000)


def test_words_and_names_are_found_as_before() -> None:
    from memem.mining import extract_offline

    pieces = [*"aZ_1./-'` \n", "a.b", "x-y", "fooBar", "AB_C"]
    rng = random.Random(11)
    for _ in range(20_000):
        sample = "".join(rng.choice(pieces) for _ in range(rng.randint(1, 24)))
        assert extract_offline._WORD.findall(sample) == re.findall(_OLD_WORD, sample), sample
        assert extract_offline._TAG_TOKEN.findall(sample) == re.findall(_OLD_NAME, sample), sample
        old_token = re.search(_OLD_NAME[:-1] + r"|\w+-\w+(?:-\w+)*|\d[\d.,]*\w*)", sample)
        new_token = extract_offline._TOKEN.search(sample)
        assert (new_token and new_token.span()) == (old_token and old_token.span()), sample


def test_said_public_marks_are_found_as_before() -> None:
    from memem.vault import secrets

    pieces = [*"/#* \n-", "public", "Public ", "publishable", "safe to share", "public key", "x", "publicx"]
    rng = random.Random(5)
    for _ in range(20_000):
        sample = "".join(rng.choice(pieces) for _ in range(rng.randint(1, 30)))
        assert list(secrets._said_public(sample)) == [m.start() for m in secrets._SAID_PUBLIC.finditer(sample)]
