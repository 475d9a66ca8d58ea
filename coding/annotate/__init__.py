"""Coding by hand and reading: add or remove one coding by character offsets and review the
auto-coder's proposals (``codings.py``), memos on the project, a source, a code or a coding
(``memos.py``), and a source cut into pages for reading (``reading.py``). The browser workspace, the
command line and Python call the same functions."""
