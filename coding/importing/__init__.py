"""Bringing material into a project: transcripts and their manifest (``transcripts.py``), one transcript
stored and a changed one re-anchored (``sources.py``), codings made by hand in Word comments and
spreadsheets (``manual.py``), and summaries from a filled-in framework workbook (``framework_sheet.py``).
The readers of file formats live in :mod:`coding.ingest`; REFI-QDA projects in :mod:`coding.refi`."""

from .framework_sheet import FrameworkSheet, SheetCell, read_framework_xlsx
from .manual import CodeNames, apply_word_comments, import_codings_sheet, import_docx, read_sheet
from .sources import ImportReport, remap_codings, sha256, store_transcript
from .transcripts import (FEW_FILES, ImportFailed, apply_manifest, apply_waiting_rows, collect_files, import_paths,
                          manifest_status)

__all__ = ["import_paths", "collect_files", "apply_manifest", "apply_waiting_rows", "manifest_status",
           "ImportFailed", "FEW_FILES", "ImportReport", "store_transcript", "remap_codings",
           "sha256", "CodeNames", "apply_word_comments", "import_codings_sheet", "import_docx", "read_sheet",
           "read_framework_xlsx", "FrameworkSheet", "SheetCell"]
