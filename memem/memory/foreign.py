"""Reading the properties of notes memem did not write (imports): YAML, TOML or JSON front matter.

python-frontmatter does this job: it recognises the three fences (`---` YAML, `+++` TOML as Hugo writes
it, `{ … }` JSON) and splits properties from text. memem gives it its own YAML loading (the bounded
one every vault note gets, so a file to import cannot cost more than a note can) and TOML through the
standard library. The vault's own notes are not read this way: memem edits them key by key and must
know the exact bytes of their properties block, which `memem.vault.frontmatter` splits itself.
"""

from __future__ import annotations

import re
import tomllib
from typing import Any

import frontmatter
from frontmatter.default_handlers import BaseHandler, JSONHandler, YAMLHandler

from memem.vault.frontmatter import FrontmatterError
from memem.vault.frontmatter import load as load_yaml


class _BoundedYAML(YAMLHandler):
    def load(self, fm: str, **kwargs: object) -> Any:
        return load_yaml(fm)


class _TOML(BaseHandler):
    FM_BOUNDARY = re.compile(r"^\+{3,}\s*$", re.MULTILINE)
    START_DELIMITER = END_DELIMITER = "+++"

    def load(self, fm: str, **kwargs: object) -> Any:
        return tomllib.loads(fm)


_HANDLERS = (_BoundedYAML(), _TOML(), JSONHandler())


def read_properties(text: str) -> tuple[dict[str, Any], str]:
    """(properties, text without them). Properties that cannot be read count as none: the file is
    imported as plain text rather than refused (it is not a vault note, and its text is the point)."""
    handler = frontmatter.detect_format(text, _HANDLERS)
    if handler is None:
        return {}, text.strip()
    try:
        metadata, content = frontmatter.parse(text, handler=handler)
    except (FrontmatterError, tomllib.TOMLDecodeError, ValueError, TypeError):
        return {}, text.strip()
    return ({str(k): v for k, v in metadata.items()} if isinstance(metadata, dict) else {}), str(content).strip()
