"""Extracting lessons with Claude Code's own headless mode (`claude -p`), for people without an API key.

Many Claude Code users sign in with a Claude subscription and have no ANTHROPIC_API_KEY; this lets
their existing sign-in pay for mining. The child is a one-shot, locked-down run, not a session:

- `--setting-sources ""` loads no user or project settings, so no hooks run (memem's own included:
  no miner mining the miner), no plugins and no MCP servers start (`--strict-mcp-config` too), and no
  CLAUDE.md is sent; MEMEM_HOOKS_DISABLED is set as well, should a future version load hooks anyway;
- `--tools ""` leaves the model only the StructuredOutput tool that `--json-schema` adds: it can
  read nothing and run nothing; `--no-session-persistence` writes no transcript (nothing for the
  next sweep to mine); `--max-turns` and `--max-budget-usd` bound what one call can spend;
- the transcript goes in on stdin (no argument-size limit), from an empty private folder.

Claude Code's exit status alone does not say whether it worked (a prose answer exits 0), so the JSON
it prints is read: `structured_output` is the answer; the error fields are sorted into the miner's
two failures. Its `total_cost_usd` is what is logged as the cost. A call stopped at `--max-budget-usd`
(`error_max_budget_usd`) is `BudgetReached`: the model answered, the call cost too much, and that is
what the miner's state, log and `memem mine` say of it (the part set aside for `memem mine --retry` at
once: the same call would spend as much again), not that the model could not be reached.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import tempfile
from typing import Any

from pydantic import BaseModel, ValidationError

from memem.mining.extract_claude import DEFAULT_MODEL, MAX_TOKENS
from memem.mining.failures import AnswerUnusable, BudgetReached, ModelUnavailable, Spend
from memem.mining.prompts import Answer, PromptedExtractor, one_line, schema_misfit
from memem.settings import settings

TIMEOUT = 300.0
"""Seconds one call may take, Claude Code's own retries included."""
BUDGET_USD = 0.50
"""A ceiling on one call's cost, far above what a chunk costs: a guard against a runaway, not a price."""
ANSWER_ONLY = "\n\nAnswer only by calling the StructuredOutput tool, once."
# Claude Code variables that describe the session a hook runs in, not the child's own run.
_SESSION_VARIABLES = ("CLAUDECODE", "CLAUDE_CODE_ENTRYPOINT", "CLAUDE_PROJECT_DIR", "CLAUDE_PLUGIN_ROOT")


def inline_schema(model: type[BaseModel]) -> dict[str, Any]:
    """The model's JSON schema with its `$defs` written in place: one self-contained object."""
    schema = model.model_json_schema()
    defs = schema.pop("$defs", {})

    def resolve(node: Any) -> Any:
        if isinstance(node, dict):
            ref = node.get("$ref")
            if isinstance(ref, str) and ref.startswith("#/$defs/"):
                return resolve(defs[ref.removeprefix("#/$defs/")])
            return {key: resolve(value) for key, value in node.items()}
        if isinstance(node, list):
            return [resolve(item) for item in node]
        return node

    return dict(resolve(schema))


def child_environment() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in _SESSION_VARIABLES}
    env.update(
        MEMEM_HOOKS_DISABLED="1",
        DISABLE_TELEMETRY="1",
        CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC="1",
        CLAUDE_CODE_MAX_RETRIES="2",  # its default retries a 500 for about three minutes
        MAX_THINKING_TOKENS="0",
        CLAUDE_CODE_MAX_OUTPUT_TOKENS=str(MAX_TOKENS),
    )
    return env


def _run_group(command: list[str], stdin: bytes, cwd: str, timeout: float) -> subprocess.CompletedProcess[bytes]:
    """Run Claude Code in a process group of its own: on a timeout the whole group is killed, since
    `claude` starts children of its own (a shell, a node worker) that would outlive it otherwise."""
    proc = subprocess.Popen(
        command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        cwd=cwd, env=child_environment(), start_new_session=True,
    )  # fmt: skip
    try:
        out, err = proc.communicate(stdin, timeout=timeout)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.communicate()
        raise
    except BaseException:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
        raise
    return subprocess.CompletedProcess(command, proc.returncode, out, err)


def _count(value: Any) -> int:
    """A token count from Claude Code's JSON (anything else counts as none)."""
    return value if isinstance(value, int) and not isinstance(value, bool) and value >= 0 else 0


class HeadlessExtractor(PromptedExtractor):
    name = "claude-code"

    def __init__(self, executable: str, model: str | None = None, timeout: float = TIMEOUT) -> None:
        self.executable = executable
        self.model = model or settings().miner_model or DEFAULT_MODEL
        self.timeout = timeout
        self.spent = Spend()

    def command(self, system: str, schema: type[BaseModel]) -> list[str]:
        return [
            self.executable, "-p",
            "--output-format", "json",
            "--json-schema", json.dumps(inline_schema(schema)),
            "--model", self.model,
            "--system-prompt", system + ANSWER_ONLY,
            "--setting-sources", "",
            "--strict-mcp-config",
            "--tools", "",
            "--disable-slash-commands",
            "--no-session-persistence",
            "--max-turns", "3",
            "--max-budget-usd", f"{BUDGET_USD:.2f}",
        ]  # fmt: skip

    def _run(self, system: str, prompt: str, schema: type[BaseModel]) -> dict[str, Any]:
        with tempfile.TemporaryDirectory(prefix="memem-miner-") as folder:
            try:
                done = _run_group(self.command(system, schema), prompt.encode(), folder, self.timeout)
            except subprocess.TimeoutExpired:
                raise ModelUnavailable(f"Claude Code did not answer within {self.timeout:.0f} s") from None
            except OSError as exc:
                raise ModelUnavailable(f"Claude Code could not be started ({self.executable}): {exc}") from None
        try:
            result = json.loads(done.stdout)
        except ValueError:
            said = done.stderr.decode(errors="replace").strip().splitlines()
            raise ModelUnavailable(
                f"Claude Code exited {done.returncode} without a result" + (f": {one_line(said[-1])}" if said else "")
            ) from None
        if not isinstance(result, dict):
            raise ModelUnavailable("Claude Code printed something other than its JSON result")
        return result

    def _account(self, result: dict[str, Any]) -> None:
        usage = result.get("usage")
        usage = usage if isinstance(usage, dict) else {}
        cost = result.get("total_cost_usd")
        self.spent.add(
            _count(usage.get("input_tokens")) + _count(usage.get("cache_read_input_tokens")),
            _count(usage.get("output_tokens")),
            float(cost) if isinstance(cost, (int, float)) and not isinstance(cost, bool) else 0.0,
        )

    def _ask(self, system: str, prompt: str, schema: type[Answer]) -> Answer:
        result = self._run(system, prompt, schema)
        self._account(result)
        answer = result.get("structured_output")
        if isinstance(answer, dict) and not result.get("is_error"):
            try:
                return schema.model_validate(answer)
            except ValidationError as exc:
                raise AnswerUnusable(schema_misfit(exc, schema)) from None
        said = str(result.get("result") or "")
        status = result.get("api_error_status")
        subtype = result.get("subtype")
        if subtype == "error_max_structured_output_retries":
            raise AnswerUnusable("Claude Code gave up on a structured answer after its retries")
        if subtype == "error_max_budget_usd":
            raise BudgetReached(
                f"Claude Code stopped the call at its budget of ${BUDGET_USD:.2f} for one call (--max-budget-usd) "
                "before it answered: the model was reached, the call cost more than that budget"
            )
        if subtype == "error_max_turns":
            # The model was reached and used its turns without a structured answer: the answer, not
            # the model, failed (asked about less text, it may fit).
            raise AnswerUnusable("Claude Code used its turns without giving a structured answer")
        if "output token maximum" in said:
            raise AnswerUnusable("the answer was cut off at its output token limit")
        if status == 400 and "too long" in said.lower():
            raise AnswerUnusable("the text is too long for one request")
        if "Not logged in" in said or "/login" in said:
            raise ModelUnavailable("Claude Code is not signed in: run `claude` and /login, or set ANTHROPIC_API_KEY")
        if isinstance(status, int) or result.get("is_error"):
            raise ModelUnavailable(f"Claude Code: {one_line(said) or one_line(str(subtype or '')) or 'an error'}")
        raise AnswerUnusable("the answer was prose, not the structured output asked for")
