"""A lesson as the extractors produce it, and the schemas the Claude extractor answers in."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

Kind = Literal["decision", "convention", "bugfix", "preference", "failure", "fact"]


class Lesson(BaseModel):
    """One durable lesson, written so it stands on its own in a future session."""

    title: str = Field(description="the lesson stated in at most ten words")
    content: str = Field(description="one to three sentences: what holds, and why")
    kind: Kind
    scope: Literal["project", "global"] = Field(
        description="project: true of this repository; global: of the person's work everywhere"
    )
    tags: list[str] = Field(default_factory=list, description="one to four topic words")
    importance: int = Field(
        default=3, ge=1, le=5, description="3 is ordinary; 5 only for what would cost real time if forgotten"
    )
    evidence: str = Field(default="", description="a few words from the conversation that support the lesson")


class Lessons(BaseModel):
    lessons: list[Lesson]


Relation = Literal["duplicate", "refines", "contradicts", "supersedes", "unrelated"]


class Judgement(BaseModel):
    """How a new lesson relates to one memory that already exists."""

    lesson: int = Field(description="index of the new lesson")
    memory_id: str
    relation: Relation
    evidence: str = Field(default="", description="why, in one sentence")
    merged_content: str | None = Field(
        default=None, description="for duplicate or refines: the memory's content with the new detail folded in"
    )


class Judgements(BaseModel):
    judgements: list[Judgement]
