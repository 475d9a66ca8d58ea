"""Text search and word frequency over the project's transcripts (issue 25).

* :func:`search`: keyword in context, lemma- and compound-aware as the auto-coder matches, with
  phrases, wildcards and AND / OR / NOT (:mod:`coding.search.query`, :mod:`coding.search.engine`);
* :func:`code_hits`: the sentences or turns of the hits as codings;
* :func:`words`: word frequency by lemma, stop words left out, optionally per attribute value;
* :func:`update_index`: the index kept in the project (:mod:`coding.search.index`).
"""

from .engine import DEFAULT_CONTEXT, HIT_COLUMNS, ORIGIN, UNITS, code_hits, ensure_index, search, search_parts
from .frequency import WordFrequency, words, words_chart
from .index import update_index
from .query import QueryError, parse

__all__ = ["DEFAULT_CONTEXT", "HIT_COLUMNS", "ORIGIN", "UNITS", "QueryError", "WordFrequency", "code_hits",
           "ensure_index", "parse", "search", "search_parts", "update_index", "words", "words_chart"]
