"""Mining one transcript: new turns → lessons → decisions against existing memories → the vault.

Runs as its own process (`memem mine --session …`, started detached by the Stop hook) so Claude Code
never waits. Extraction happens here; every read of the memories and every write goes to the daemon
(or, when none runs, to the stores opened here under the owner lock).

Nothing mined is lost and nothing is sent forever:
- the new turns are cut into chunks, and each chunk commits on its own: its lessons are written, then
  the session's byte offset moves to the chunk's end, so a crash or failure later costs only the rest;
- an answer that is cut off or malformed is asked again about half the text, down to MIN_CHUNK_CHARS,
  and a piece that still fails is set aside (kept in the state, reported once) rather than retried;
- a model that cannot be reached stops the run where it is; after MAX_ATTEMPTS such runs at the same
  place that chunk is set aside too and mining moves on;
- one Stop spends a bounded number of model calls and writes a bounded number of lessons
  (MAX_CALLS_PER_STOP, MAX_LESSONS_PER_STOP): once either is spent, the run ends at a chunk's end and
  the rest waits for the next Stop (or sweep) from the committed place; when that place would be the
  start of a turn already partly mined (a huge paste is one turn), the rest of that turn is set aside
  exactly instead (`memem mine --retry`), so no part is re-sent at every Stop nor lost;
- one answer keeps at most `lesson_cap(characters)` lessons, the rest reported as skipped.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Protocol

from memem.memory.screen import redact
from memem.mining.decide import Judge, decide
from memem.mining.failures import AnswerUnusable, BudgetReached, ModelUnavailable, Spend
from memem.mining.lessons import Judgements, Lesson
from memem.mining.state import MAX_ATTEMPTS, MiningState, SetAside
from memem.mining.transcript import Turn, read_turns
from memem.project import project_of
from memem.vault.filenames import numbered

log = logging.getLogger(__name__)
CHUNK_CHARS = 40_000
MIN_CHUNK_CHARS = 2_000
UNUSABLE_BUDGET = 8
"""Unusable answers spent on one chunk before its remaining pieces are set aside without asking."""
ROUNDS = 5
"""Times one miner looks again for turns appended while it worked (a second Stop meanwhile)."""
CHARS_PER_LESSON = 300
"""Conversation characters per lesson an answer may keep (beyond MIN_LESSONS_PER_ANSWER). A durable
lesson needs a sentence or two said in the conversation, and a person listing rules one a line writes
about 100-200 characters each; an answer of 300 lessons to a 1.8 KB, four-turn transcript wrote 300
notes, all but a handful invented."""
MIN_LESSONS_PER_ANSWER = 3
"""What even a short piece may give (one message can state a rule, its reason and a related gotcha)."""
MAX_LESSONS_PER_ANSWER = 25
"""What one answer may keep however long its text: a full chunk (CHUNK_CHARS) of real work rarely
holds more than a dozen durable lessons; more is a model listing everything it read."""
MAX_LESSONS_PER_STOP = 60
"""Lessons one Stop writes before the run ends at a chunk's end and leaves the rest for the next Stop
(a run may pass it by one answer's MAX_LESSONS_PER_ANSWER). Bounds what lands in the Review pane at
once, and a runaway model's damage per Stop."""
MAX_CALLS_PER_STOP = 16
"""Model calls (extractions and judgements) one Stop may start; checked before each chunk, so a run
makes at most this plus one chunk's own (2 * UNUSABLE_BUDGET + 1 extractions and a judgement). An
ordinary Stop needs two (a chunk and its judgement); a 2 MB log pasted in one turn made 52 in one
Stop. What is left waits for the next Stop (see the module's docstring)."""


def lesson_cap(chars: int) -> int:
    """How many lessons an answer about `chars` characters of conversation may keep."""
    return min(MAX_LESSONS_PER_ANSWER, max(MIN_LESSONS_PER_ANSWER, chars // CHARS_PER_LESSON))


@dataclass
class Budget:
    """What one run (one Stop) may still spend, and the lessons it left out (for the report)."""

    calls: int = field(default_factory=lambda: MAX_CALLS_PER_STOP)
    lessons: int = field(default_factory=lambda: MAX_LESSONS_PER_STOP)
    skipped: list[dict[str, Any]] = field(default_factory=list)

    @classmethod
    def unlimited(cls) -> Budget:
        """For a conversation with no place to keep (an import, a retry the person asked for): only
        the per-answer cap applies, since what is not mined now could not be taken up later."""
        return cls(calls=1 << 62, lessons=1 << 62)

    def spent(self) -> str | None:
        """Why the run must stop here, or None."""
        if self.calls <= 0:
            return f"the cap of {MAX_CALLS_PER_STOP} model calls for one Stop was reached"
        if self.lessons <= 0:
            return f"the cap of {MAX_LESSONS_PER_STOP} lessons for one Stop was reached"
        return None

    def take(self) -> list[dict[str, Any]]:
        taken, self.skipped = self.skipped, []
        return taken


def _uses_model(extractor: object) -> bool:
    """Whether the extractor's calls cost model calls (the offline extractor has no judge and no model)."""
    return getattr(extractor, "judge", None) is not None


def capped(lessons: list[Lesson], chars: int, skipped: list[dict[str, Any]] | None = None) -> list[Lesson]:
    """At most `lesson_cap(chars)` of an answer's lessons, the most important first kept (in their
    order); each one left out is added to `skipped` with the reason."""
    cap = lesson_cap(chars)
    if len(lessons) <= cap:
        return lessons
    best = sorted(range(len(lessons)), key=lambda i: -lessons[i].importance)[:cap]
    kept = set(best)
    reason = f"over the cap of {cap} lessons for an answer about {chars} characters of conversation"
    log.warning("an answer gave %d lessons for %d characters; keeping %d", len(lessons), chars, cap)
    if skipped is not None:
        skipped += [{"title": lessons[i].title, "reason": reason} for i in range(len(lessons)) if i not in kept]
    return [lessons[i] for i in sorted(kept)]


class Backend(Protocol):
    def similar(self, texts: list[str], project: str | None) -> list[list[dict[str, Any]]]: ...
    def apply(
        self, items: list[dict[str, Any]], project: str | None, session_id: str | None, miner: str
    ) -> dict[str, Any]: ...


class Extractor(Protocol):
    name: str
    spent: Spend

    def extract(self, conversation: str, project: str | None) -> list[Lesson]: ...


@dataclass
class MineReport:
    transcript: str
    turns: int = 0
    lessons: int = 0
    chunks: int = 0
    result: dict[str, Any] = field(default_factory=dict)
    set_aside: list[str] = field(default_factory=list)
    cost_usd: float = 0.0
    skipped_reason: str | None = None
    error: str | None = None
    deferred: str | None = None
    """Why the run stopped before the end (a cap for one Stop): the rest is mined at the next Stop."""


def conversation_text(turns: Sequence[Turn]) -> str:
    return "\n\n".join(f"### {'Person' if t.role == 'user' else 'Assistant'}:\n{t.text}" for t in turns)


def redacted(turn: Turn) -> Turn:
    """A whole turn with its secrets redacted, before it is cut into pieces: a key or a password cut in
    two by a chunk's edge is no longer a secret the screen recognises, in either half. The spans of
    its pieces (set aside, mined again later) are spans of this text; a set-aside part is cut from
    the turn redacted the same way (`_exactly`)."""
    if turn.span is not None:
        return turn  # a part: cut from a turn already redacted
    text = redact(turn.text)
    return turn if text == turn.text else replace(turn, text=text)


def part_of(turn: Turn, begin: int, end: int) -> Turn:
    """Characters `begin` to `end` of a turn, remembering where they sit in the whole turn."""
    base = turn.span[0] if turn.span else 0
    return Turn(turn.role, turn.text[begin:end], turn.uuid, turn.timestamp, turn.session_id, turn.cwd, turn.start,
                (base + begin, base + min(end, len(turn.text))))  # fmt: skip


def _paragraph_cut(text: str, at: int) -> int:
    """Where to cut `text` near `at`: the paragraph break before it, unless that is too far back."""
    cut = text.rfind("\n\n", 0, at)
    return cut if cut > at // 2 else at


def pieces_of(turn: Turn, size: int) -> list[Turn]:
    """A turn longer than `size` as consecutive parts of at most `size` characters (nothing dropped)."""
    if len(turn.text) <= size:
        return [turn]
    parts, begin = [], 0
    while begin < len(turn.text):
        end = len(turn.text) if len(turn.text) - begin <= size else _paragraph_cut(turn.text, begin + size)
        end = end if end > begin else begin + size
        parts.append(part_of(turn, begin, end))
        begin = end
    return parts


def chunks(turns: Sequence[Turn], limit: int | None = None) -> list[list[Turn]]:
    """Consecutive turns of at most about `limit` characters each. A longer turn (a long autonomous run
    is one assistant turn) is cut into parts of half the limit, so the person's request before it
    still shares a chunk with its start and no part of it is dropped."""
    limit = limit or CHUNK_CHARS
    out: list[list[Turn]] = [[]]
    size = 0
    for whole in turns:
        for turn in pieces_of(redacted(whole), limit // 2):
            if out[-1] and size + len(turn.text) > limit:
                out.append([])
                size = 0
            out[-1].append(turn)
            size += len(turn.text)
    return [c for c in out if c]


def halves(piece: list[Turn]) -> tuple[list[Turn], list[Turn]]:
    """Split a chunk in two of about equal text: between turns, or inside a lone turn at a paragraph."""
    if len(piece) > 1:
        total, running = sum(len(t.text) for t in piece), 0
        for i, turn in enumerate(piece[:-1]):
            running += len(turn.text)
            if running >= total / 2:
                return piece[: i + 1], piece[i + 1 :]
        return piece[:-1], piece[-1:]
    (turn,) = piece
    cut = _paragraph_cut(turn.text, len(turn.text) // 2)
    return [part_of(turn, 0, cut)], [part_of(turn, cut, len(turn.text))]


def _size(piece: Sequence[Turn]) -> int:
    return sum(len(t.text) for t in piece)


def extract_piece(
    piece: list[Turn],
    extractor: Extractor,
    scope: str | None,
    failed: list[tuple[list[Turn], str]],
    budget: list[int] | None = None,
    run: Budget | None = None,
) -> list[Lesson]:
    """Lessons of a chunk; an unusable answer is asked again about each half. Pieces that fail at the
    smallest size, or once UNUSABLE_BUDGET unusable answers were spent on the chunk (a model that
    always answers in prose must not cost sixty calls a chunk), are added to `failed`. Each answer
    keeps at most `lesson_cap` lessons (the rest go to `run.skipped`; a model's answer is capped, the
    offline extractor's findings are not: each passed its gates, and a person's list of seven rules in
    one message is seven rules); each call is counted in `run`. ModelUnavailable is left to the
    caller."""
    budget = budget if budget is not None else [UNUSABLE_BUDGET]
    try:
        if run is not None and _uses_model(extractor):
            run.calls -= 1
        found = extractor.extract(conversation_text(piece), scope)
        if not _uses_model(extractor):
            return found  # the offline extractor's gates and its own cap bound what it finds
        return capped(found, _size(piece), run.skipped if run is not None else None)
    except AnswerUnusable as exc:
        budget[0] -= 1
        if _size(piece) <= MIN_CHUNK_CHARS or budget[0] <= 0:
            log.warning("setting aside %d characters: %s", _size(piece), exc)
            failed.append((piece, str(exc)))
            return []
        log.info("%s; asking again about each half of %d characters", exc, _size(piece))
        first, second = halves(piece)
        return extract_piece(first, extractor, scope, failed, budget, run) + extract_piece(
            second, extractor, scope, failed, budget, run
        )


def distinct(lessons: Sequence[Lesson]) -> tuple[list[Lesson], list[dict[str, Any]]]:
    """The lessons with each one said twice (the same content, ignoring case and spacing) kept once,
    and every title unique ignoring case: a second "testing" beside "Testing" becomes "testing 2" (as
    Obsidian numbers a taken name; its links, and macOS and Windows file names, ignore case). Only
    identical content is merged, never two lessons that merely share a title. Also: what was merged."""
    kept: list[Lesson] = []
    skipped: list[dict[str, Any]] = []
    contents: set[str] = set()
    titles: set[str] = set()
    for lesson in lessons:
        content = " ".join(lesson.content.split()).casefold()
        if content in contents:
            skipped.append({"title": lesson.title, "reason": "the same lesson twice in one answer; kept once"})
            continue
        contents.add(content)
        title = " ".join(lesson.title.split())
        n = 1
        while numbered(title, n).casefold() in titles:
            n += 1
        if n > 1:
            lesson = lesson.model_copy(update={"title": numbered(title, n)})
        titles.add(numbered(title, n).casefold())
        kept.append(lesson)
    return kept, skipped


def _counting(judge: Judge, run: Budget) -> Judge:
    """`judge`, with each call it makes counted against the run's model calls."""

    def counted(pairs: Sequence[tuple[int, Lesson, dict[str, Any]]]) -> Judgements:
        run.calls -= 1
        return judge(pairs)

    return counted


def write_lessons(
    lessons: list[Lesson],
    backend: Backend,
    extractor: Extractor,
    scope: str | None,
    session_id: str | None,
    run: Budget | None = None,
) -> dict[str, Any]:
    """Decide each lesson against the memories like it and write it: the backend's report (plus notes).
    Lessons left out before (`run.skipped`: over a cap) and merged here are in its `skipped`."""
    unique, merged = distinct(lessons)
    skipped = (run.take() if run is not None else []) + merged
    if not unique:
        return {"skipped": skipped} if skipped else {}
    similar = backend.similar([f"{lesson.title}\n{lesson.content}" for lesson in unique], scope)
    judge: Judge | None = getattr(extractor, "judge", None)
    items, ignored = decide(unique, similar, _counting(judge, run) if judge is not None and run is not None else judge)
    result = backend.apply(items, scope, session_id, extractor.name)
    if skipped:
        result["skipped"] = [*result.get("skipped", []), *skipped]
    if ignored:
        result["ignored_judgements"] = ignored
    return result


def merge_results(total: dict[str, Any], part: dict[str, Any]) -> None:
    for key, value in part.items():
        if isinstance(value, list):
            total.setdefault(key, []).extend(value)


def written(result: dict[str, Any]) -> int:
    return len(result.get("saved", [])) + len(result.get("updated", []))


def mine_turns(
    turns: Sequence[Turn], backend: Backend, extractor: Extractor, scope: str | None, session_id: str | None
) -> tuple[int, dict[str, Any]]:
    """Mine a conversation that has no place to keep (an imported chat): (lessons found, the report)."""
    failed: list[tuple[list[Turn], str]] = []
    total: dict[str, Any] = {}
    found = 0
    run = Budget.unlimited()
    for piece in chunks(turns):
        lessons = extract_piece(piece, extractor, scope, failed, run=run)
        found += len(lessons)
        merge_results(total, write_lessons(lessons, backend, extractor, scope, session_id, run))
    if failed:
        total["set_aside"] = [f"{_size(p)} characters: {reason}" for p, reason in failed]
    return found, total


def _part(piece: list[Turn], turns: Sequence[Turn], chunk_end: int) -> SetAside:
    """Where a piece sits in the transcript, to mine exactly it again later: its records' bytes, and
    where a turn at either end is only a part, which characters of it."""
    first, last = piece[0], piece[-1]
    end = next((t.start for t in turns if t.start > last.start), chunk_end)
    char_from = first.span[0] if first.span else 0
    char_to = last.span[1] if last.span else -1
    return SetAside("", first.start, end, "", 0.0, char_from, char_to)


def _exactly(turns: list[Turn], part: SetAside) -> list[Turn]:
    """The turns of a part set aside, cut to the characters that were set aside."""
    if not turns:
        return turns
    turns = [redacted(t) for t in turns]  # as `chunks` cut them: the part's characters are of this text
    if len(turns) == 1:
        turn = turns[0]
        return [part_of(turn, part.char_from, part.char_to if part.char_to >= 0 else len(turn.text))]
    first, last = turns[0], turns[-1]
    head = part_of(first, part.char_from, len(first.text)) if part.char_from else first
    tail = part_of(last, 0, part.char_to) if part.char_to >= 0 else last
    return [head, *turns[1:-1], tail]


def _describe(part: SetAside, reason: str) -> str:
    return f"bytes {part.start}-{part.end}: {reason}"


def _defer(
    path: Path,
    rest: list[list[Turn]],
    turns: Sequence[Turn],
    end: int,
    state: MiningState,
    session_id: str,
    report: MineReport,
    why: str,
) -> None:
    """Stop before the chunks in `rest`, leaving them to the next Stop. The committed place is where
    `rest` begins, unless `rest` begins inside a turn whose earlier parts were mined: that place would
    be the turn's start (all a byte offset can say), and the turn would be mined again from its start
    at every Stop. Then the rest of that turn is set aside, exactly, and the place moves past it."""
    report.deferred = f"{why}; the rest is left for the next Stop"
    first = rest[0][0]
    if first.span is None or first.span[0] == 0:
        return  # the place committed is where `rest` begins
    same = [t for piece in rest for t in piece if t.start == first.start and t.span is not None]
    turn_end = next((t.start for t in turns if t.start > first.start), end)
    part = _part(same, turns, turn_end)
    reason = f"{why} inside one long turn; mine it with `memem mine --retry`"
    state.advance(path, session_id, turn_end, 0, 0.0, [(part, reason)])
    report.set_aside.append(_describe(part, reason))


def _mine_new_turns(
    path: Path,
    backend: Backend,
    extractor: Extractor,
    state: MiningState,
    project: str | None,
    report: MineReport,
    run: Budget | None = None,
) -> bool:
    """Mine what was appended since the session's place; True if there was anything to read."""
    run = run if run is not None else Budget()
    start = state.place(path)
    if start == 0 and state.get(path).offset > 0:
        log.info("%s was rewritten since it was mined: mining it again from its start", path)
        state.restart(path)
    turns, end = read_turns(path, start)
    if end == start:
        return False
    session_id = next((t.session_id for t in turns if t.session_id), None) or path.stem
    turns = _after(turns, start, state.within(path))
    report.turns += len(turns)
    if not turns:  # tool calls and their output only: nothing said to mine
        state.advance(path, session_id, end, 0)
        return True
    scope = project or project_of(next((t.cwd for t in turns if t.cwd), None))
    pieces = chunks(turns)
    for i, piece in enumerate(pieces):
        why = run.spent()
        if why is not None:
            _defer(path, pieces[i:], turns, end, state, session_id, report, why)
            return True
        run.skipped = []  # what an earlier, failed attempt left out is asked again with its chunk
        # A chunk's end: where the next chunk's first record begins and, when that is a later part of
        # a turn cut in parts, how many of the turn's characters come before it (`within`): a failure
        # or a crash there resumes at that part, and counts its attempts there.
        following = pieces[i + 1][0] if i + 1 < len(pieces) else None
        piece_end = max(following.start, start) if following is not None else end
        within = following.span[0] if following is not None and following.span is not None else 0
        spent_before = extractor.spent.usd
        failed: list[tuple[list[Turn], str]] = []
        try:
            lessons = extract_piece(piece, extractor, scope, failed, run=run)
            result = write_lessons(lessons, backend, extractor, scope, session_id, run)
        except (
            Exception
        ) as exc:  # the model, the daemon, a disk: the place stays; tried again, a bounded number of times
            cost = extractor.spent.usd - spent_before
            # Redacted here: an error's text may quote a model's or a service's answer, and it is
            # printed (to miner.log when a Stop ran the miner), stored and shown by `--status`.
            said = redact(str(exc) if isinstance(exc, ModelUnavailable) else f"{type(exc).__name__}: {exc}")
            if not isinstance(exc, ModelUnavailable):
                log.exception("mining %s failed", path)
            attempts = state.record_error(path, said, cost)
            if attempts < MAX_ATTEMPTS and not isinstance(exc, BudgetReached):  # the same call would spend again
                report.error = f"{said} (attempt {attempts} of {MAX_ATTEMPTS}; the next Stop tries again)"
                return True
            # Tried often enough at this place: set the chunk aside (reported once) and move on.
            part = _part(piece, turns, piece_end)
            state.advance(path, session_id, piece_end, 0, set_aside=[(part, f"{said}, {attempts} times")],
                          within=within)  # fmt: skip
            report.set_aside.append(_describe(part, said))
            continue
        parts = [(_part(failure, turns, piece_end), reason) for failure, reason in failed]
        report.set_aside += [_describe(part, reason) for part, reason in parts]
        report.lessons += len(lessons)
        run.lessons -= len(lessons)
        report.chunks += 1
        merge_results(report.result, result)
        state.advance(path, session_id, piece_end, written(result), extractor.spent.usd - spent_before, parts, within)
    return True


def _after(turns: list[Turn], start: int, within: int) -> list[Turn]:
    """The turns from the session's place: the first one without its `within` characters mined
    already (cut from its redacted text, as `chunks` cut it, so the parts meet exactly)."""
    if not within or not turns or turns[0].start != start:
        return turns
    first = redacted(turns[0])
    if within >= len(first.text):
        return turns[1:]
    return [part_of(first, within, len(first.text)), *turns[1:]]


def retry_set_aside(
    path: Path, backend: Backend, extractor: Extractor, state: MiningState, project: str | None = None
) -> MineReport:
    """Mine again the parts of a transcript that were set aside; each part that now succeeds is forgotten."""
    report = MineReport(str(path))
    spent_before = extractor.spent.usd
    with state.session_lock(path), state.slot():
        for part in state.set_aside_parts(path):
            turns, _ = read_turns(path, part.start)
            turns = _exactly([t for t in turns if t.start < part.end], part)
            session_id = next((t.session_id for t in turns if t.session_id), None) or path.stem
            scope = project or project_of(next((t.cwd for t in turns if t.cwd), None))
            spent = extractor.spent.usd
            found, result = mine_turns(turns, backend, extractor, scope, session_id)
            state.tally(path, written(result), extractor.spent.usd - spent)  # summed by `--status`
            report.turns += len(turns)
            report.lessons += found
            merge_results(report.result, result)
            if result.get("set_aside"):
                report.set_aside += result["set_aside"]
            else:
                state.forget_set_aside(part)
    report.cost_usd = round(extractor.spent.usd - spent_before, 6)
    return report


def mine_transcript(
    path: Path, backend: Backend, extractor: Extractor, state: MiningState, project: str | None = None
) -> MineReport:
    """Mine a session's new turns under its lock; turns appended meanwhile are mined in the same run."""
    report = MineReport(str(path))
    spent_before = extractor.spent.usd
    run = Budget()
    with state.session_lock(path), state.slot():
        for _ in range(ROUNDS):
            if not _mine_new_turns(path, backend, extractor, state, project, report, run) or report.error:
                break
            if report.deferred:
                break
    report.cost_usd = round(extractor.spent.usd - spent_before, 6)
    return report
