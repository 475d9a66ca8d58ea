"""The browser workspace (``coding serve``): read, code, review and search transcripts, several
coders at once, over the same :class:`coding.Project` as the command line. See docs/api.md."""

from .app import create_app

__all__ = ["create_app"]
