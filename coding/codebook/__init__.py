"""Codebooks: the model and its checks (``model.py``), reading YAML with line numbers (``load.py``), and
the codebook in the project's store (``sync.py``). Writing a codebook out is :mod:`coding.export.codebook`."""

from .languages import blank_nlp, known_language
from .load import codebook_problems, load_codebook, read_yaml
from .model import DEFAULT_SETTINGS, CodeDef, Codebook, CodebookError, Problem, pattern_problem, term_problem
from .sync import CodebookImportReport, codebook_from_store, codebook_meta, codebook_records, codebook_unchanged, \
    import_codebook

__all__ = ["Codebook", "CodeDef", "CodebookError", "Problem", "DEFAULT_SETTINGS", "load_codebook", "codebook_problems",
           "read_yaml", "import_codebook", "CodebookImportReport", "codebook_from_store", "codebook_meta",
           "codebook_records", "codebook_unchanged", "blank_nlp", "known_language", "term_problem", "pattern_problem"]
