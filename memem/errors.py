"""The errors memem reports to whoever asked: one table, translated once at each edge.

The expected failures of a request (arguments that are wrong, content memem will not keep, an id no
memory has, a note that kept changing under an edit, indexes that cannot answer right now) are these
exceptions, whatever layer finds them. Each edge turns them into its own shape in one place: the
daemon's HTTP routes answer `status` with `{"error": message}`, the MCP tools a tool error with the
message, the CLI the message and exit status 1. Any other exception is a bug: a 500 and a traceback
in the log, never mistaken for a "not found" (a KeyError is not a missing memory).

Standard library only, at the bottom of the house: every layer may raise these.
"""

from __future__ import annotations


class MememError(Exception):
    """A failure to report to the caller in one sentence (never quoting a secret it refused)."""

    status = 500


class BadRequest(MememError, ValueError):
    """The request's arguments are wrong; the message says which and how."""

    status = 400


class Refused(MememError, ValueError):
    """A request memem will not carry out: a secret in it, a path outside what it may read, an
    ambiguous id, a property block it cannot edit safely."""

    status = 400


class NotFound(MememError, LookupError):
    """No memory (or note, or file) answers to what was asked for."""

    status = 404


class Conflict(MememError):
    """Someone else kept changing what memem tried to change; nothing was written. Try again."""

    status = 409


class Unavailable(MememError):
    """memem cannot answer right now (the vault's folder is gone, a reconcile failed, no daemon)."""

    status = 503
