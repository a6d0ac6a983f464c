"""memem: persistent, self-curating memory for Claude Code, kept as plain markdown in an Obsidian vault."""

__version__ = "0.1.0"
