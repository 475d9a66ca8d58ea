"""REFI-QDA exchange: projects (.qdpx) and codebooks (.qdc) in and out of NVivo, ATLAS.ti, MAXQDA and
QualCoder. See :mod:`.reader` (import), :mod:`.writer` (export), :mod:`.codebook_xml` (.qdc),
:mod:`.offsets` (UTF-16 against code points) and :mod:`.safety` (untrusted archives and XML)."""

from .codebook_xml import import_qdc, read_qdc, write_qdc
from .reader import import_qdpx, read_qdpx
from .writer import export_qdpx, project_cases

__all__ = ["import_qdpx", "read_qdpx", "export_qdpx", "project_cases", "read_qdc", "write_qdc", "import_qdc"]
