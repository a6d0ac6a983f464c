from memem.cli.reference import render
from tests.paths import REPO


def test_docs_cli_md_matches_the_parser() -> None:
    """Regenerate with `python -m memem.cli.reference > docs/cli.md` when this fails."""
    assert (REPO / "docs" / "cli.md").read_text() == render()
