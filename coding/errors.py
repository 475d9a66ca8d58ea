"""Exceptions the library raises for user mistakes.

The CLI turns every :class:`CodingError` into a one-line message and exit code 1;
anything else is a bug and keeps its traceback.
"""

from __future__ import annotations


class CodingError(Exception):
    """A problem the user can fix: bad input, unknown name, refused change."""


class InputError(CodingError):
    """Bad content in a file; names the file and the place (line, paragraph, cue, speaker)."""

    def __init__(self, file: object, message: str, place: str | None = None):
        self.file = str(file)
        self.place = place
        self.detail = message
        where = f"{self.file}, {place}" if place else self.file
        super().__init__(f"{where}: {message}")

    def __reduce__(self):
        # made again from its parts when it crosses from a worker process (pickle)
        return type(self), (self.file, self.detail, self.place)


class NotFound(CodingError):
    """A named thing (source, code, participant) is not in the project."""


class Refused(CodingError):
    """The change would lose or duplicate data and was not made."""
