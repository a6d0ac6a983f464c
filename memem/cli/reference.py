"""The CLI reference in docs/cli.md, generated from the parser so it never drifts from `--help`.

Regenerate with `python -m memem.cli.reference > docs/cli.md`.
"""

from __future__ import annotations

import argparse
import os

from memem.cli.main import COMMANDS, build_parser


def _help(parser: argparse.ArgumentParser) -> str:
    os.environ["COLUMNS"] = "100"  # stable wrapping whatever the terminal
    return parser.format_help().rstrip()


def render() -> str:
    parser = build_parser()
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    parts = ["# memem command reference", "", "Generated from `memem --help` by `python -m memem.cli.reference`.", ""]
    parts += ["```", _help(parser), "```", ""]
    for name in COMMANDS:
        command = sub.choices[name]
        parts += [f"## memem {name}", "", "```", _help(command), "```", ""]
        nested = [a for a in command._actions if isinstance(a, argparse._SubParsersAction)]
        for action in nested:
            for child_name, child in action.choices.items():
                parts += [f"### memem {name} {child_name}", "", "```", _help(child), "```", ""]
    return "\n".join(parts)


if __name__ == "__main__":
    print(render(), end="")
