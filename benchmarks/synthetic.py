"""A deterministic vault of memory-shaped notes for scale benchmarks.

Each note looks like what memem mines: a title stating one lesson, two or three sentences of body,
a kind, a project (one in ten global), tags, and now and then a typed link to an earlier note.
"""

from __future__ import annotations

import random
from pathlib import Path

from memem.vault.note import render_new_note

TOOLS = [
    "uv", "pytest", "ruff", "mypy", "docker", "postgres", "redis", "nginx", "terraform", "kubectl", "vite", "esbuild",
    "sqlite", "celery", "gunicorn", "alembic", "pydantic", "fastapi", "react", "webpack", "git", "make", "poetry",
    "node", "npm", "pnpm", "rustc", "cargo", "go", "grpc", "kafka", "airflow", "dbt", "spark", "numpy", "pandas",
]  # fmt: skip
TOPICS = [
    "caching", "authentication", "database migrations", "structured logging", "retries", "timeouts", "pagination",
    "database indexes", "feature flags", "rate limiting", "background jobs", "configuration", "secrets handling",
    "error reporting", "test fixtures", "release tagging", "dependency pinning", "code review", "API versioning",
    "file uploads", "time zones", "unicode handling", "connection pooling", "graceful shutdown", "health checks",
]  # fmt: skip
REASONS = [
    "it cut the CI time roughly in half",
    "the old way broke twice in production",
    "the team agreed on it in review",
    "it is what the upstream docs recommend",
    "the previous approach leaked connections under load",
    "it keeps local runs identical to CI",
    "debugging was impossible without it",
    "it removed a whole class of flaky tests",
]
KINDS = ["decision", "convention", "bugfix", "preference", "failure", "fact"]
TITLES = {
    "decision": "Use {tool} for {topic}",
    "convention": "Always configure {topic} through {tool}",
    "bugfix": "{topic} failed because {tool} was misconfigured",
    "preference": "Prefer {tool} when working on {topic}",
    "failure": "{tool} breaks {topic} under load",
    "fact": "{tool} handles {topic} on its own",
}
BODIES = [
    "In {project}, {topic} goes through {tool}; {reason}. Keep the settings next to the code that uses them.",
    "We switched {topic} to {tool} after {reason}. The old setup is kept only for the migration scripts.",
    "When {topic} misbehaves, check the {tool} version first: {reason}. Pin it in the lock file.",
    "{tool} is the default for {topic} in {project} because {reason}. Exceptions need a note in the README.",
]


def generate(vault: Path, count: int, seed: int = 7, projects: int = 20) -> list[str]:
    """Write `count` notes under vault/memem/memories and return their ids."""
    rng = random.Random(seed)
    folder = vault / "memem" / "memories"
    names = [f"project-{i:02}" for i in range(projects)]
    ids: list[str] = []
    titles: list[str] = []
    for i in range(count):
        kind = rng.choice(KINDS)
        tool, topic = rng.choice(TOOLS), rng.choice(TOPICS)
        project = None if rng.random() < 0.1 else rng.choice(names)
        title = TITLES[kind].format(tool=tool, topic=topic).capitalize() + f" ({i})"
        body = " ".join(
            rng.choice(BODIES).format(
                tool=tool, topic=topic, project=project or "every project", reason=rng.choice(REASONS)
            )
            for _ in range(rng.choice((1, 2, 2, 3)))
        )
        note_id = f"syn-{i:06}"
        props: dict[str, object] = {
            "id": note_id, "title": title, "project": project, "layer": 2, "kind": kind,
            "tags": [tool, topic.split()[0]], "importance": rng.randint(1, 5), "status": "active",
            "created": f"2026-{rng.randint(1, 10):02}-{rng.randint(1, 28):02}", "source_type": "mined",
        }  # fmt: skip
        if titles and rng.random() < 0.2:
            props[rng.choice(["related", "supports", "depends_on"])] = [f"[[{rng.choice(titles)}]]"]
        sub = folder / (project or "global")
        sub.mkdir(parents=True, exist_ok=True)
        (sub / f"{title}.md").write_text(render_new_note(props, body), encoding="utf-8")
        ids.append(note_id)
        titles.append(title)
    return ids
