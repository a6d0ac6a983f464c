"""The model path's recorded stand-in: the real SDK (over httpx2.MockTransport) answering with the
lessons recorded in tests/fixtures/mining/recorded_answers.json, cut-offs included."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from memem.mining.extract_claude import ClaudeExtractor
from tests.mining.api_mock import FakeAnthropic, cut_off
from tests.paths import FIXTURES

RECORDED = FIXTURES / "mining" / "recorded_answers.json"


class RecordedModel:
    def __init__(self, path: Path = RECORDED) -> None:
        data = json.loads(path.read_text(encoding="utf-8"))
        self.max_chars = int(data["max_chars"])
        self.recorded: list[dict[str, Any]] = data["lessons"]
        self.api = FakeAnthropic(self.lessons, fail=self.fail)

    def lessons(self, text: str) -> list[dict[str, Any]]:
        """The recorded lessons whose evidence is in the transcript text this request carries."""
        return [lesson for lesson in self.recorded if lesson["evidence"] in text]

    def fail(self, body: dict[str, Any]) -> Any:
        text = FakeAnthropic.transcript(body)
        return cut_off({"lessons": self.lessons(text)}) if len(text) > self.max_chars else None

    def extractor(self) -> ClaudeExtractor:
        return self.api.extractor()

    def cut_offs(self) -> int:
        return sum(1 for body in self.api.requests if len(FakeAnthropic.transcript(body)) > self.max_chars)
