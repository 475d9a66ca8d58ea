"""Qualitative coding toolkit for evaluators: transcripts in, themes, matrices and reports out."""

from .errors import CodingError, InputError, NotFound, Refused
from .project import Project
from .version import __version__

__all__ = ["Project", "CodingError", "InputError", "NotFound", "Refused", "__version__"]
