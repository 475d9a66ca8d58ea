"""Qualitative coding toolkit for evaluators: transcripts in, themes, matrices and reports out."""

from .errors import CodingError, InputError, NotFound, Refused
from .project import Project

__version__ = "0.1.0"
__all__ = ["Project", "CodingError", "InputError", "NotFound", "Refused", "__version__"]
