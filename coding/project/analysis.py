"""Analysis: segments, matrices, co-occurrence, quotes, text search and word frequency.

Mixed into :class:`coding.Project`; each method a few lines that call the domain packages and own
the transaction."""

from __future__ import annotations

from pathlib import Path
from typing import Iterable

from ..store import Store


class AnalysisMethods:
    store: Store

    # ------------------------------------------------------------------ analysis (issue 4)
    def segments(self, *, code: str | None = None, coder: str | None = None, origin: str | None = None,
                 source: str | None = None, where: dict[str, str] | None = None,
                 include_interviewer: bool = False, level: int | None = None, rollup: bool = False,
                 language: str | None = None, anonymize: bool = False, unreviewed: str = "replace"):
        """Coded segments as a pandas DataFrame, one row per segment.

        ``segments(code=None, coder=None, origin=None, source=None, where=None,
        include_interviewer=False, level=None, rollup=False, language=None)``

        A segment is one or more overlapping or touching codings of the same code by the same coder
        in one source. Columns: source, code, code_path, label, coder, start, end, text, codings
        (merged), words, turn, timestamp, speaker, participant (respondent turns the segment
        overlaps, joined with "; "), then every participant/source attribute (e.g. role,
        municipality; participant first, then source). Interviewer turns are left out unless
        ``include_interviewer``; a segment only in interviewer turns is left out. ``code`` keeps
        that code and its descendants; ``where`` keeps attributed parts with these attribute
        values. Each segment is listed under its own code, or with ``level`` under its ancestor at
        that depth (1 = top-level themes); ``rollup=True`` lists under every code (up to ``level``)
        the segments of its whole subtree merged, which is what :meth:`matrix` counts.
        """
        if anonymize:
            with self.anonymized(unreviewed=unreviewed) as copy:
                return copy.segments(code=code, coder=coder, origin=origin, source=copy.anonymized_source(source),
                                     where=copy.anonymized_where(where), include_interviewer=include_interviewer,
                                     level=level, rollup=rollup, language=language)
        from ..analysis.segment_list import segments_frame
        return segments_frame(self.store, code=code, coder=coder, origin=origin, source=source, where=where,
                              include_interviewer=include_interviewer, level=level, rollup=rollup,
                              language=language)

    def segment_records(self, *, code: str | None = None, coder: str | None = None, origin: str | None = None,
                        source: str | None = None, where: dict[str, str] | None = None,
                        include_interviewer: bool = False, level: int | None = None, rollup: bool = False,
                        language: str | None = None, batches: bool = False):
        """``(columns, rows)``: what :meth:`segments` gives, the rows (dicts) made one at a time, in the
        same order, so that a long list can be written without being held; with ``batches`` they come
        as batches of columns (lists of str or int in column order, a few thousand rows each)."""
        from ..analysis.segment_list import segment_records
        return segment_records(self.store, code=code, coder=coder, origin=origin, source=source, where=where,
                               include_interviewer=include_interviewer, level=level, rollup=rollup,
                               language=language, batches=batches)

    def segment_parts(self, *, code: str | None = None, coder: str | None = None, origin: str | None = None,
                      source: str | None = None, where: dict[str, str] | None = None,
                      include_interviewer: bool = False, level: int | None = None, rollup: bool = False,
                      language: str | None = None):
        """``(columns, parts)``: the rows of :meth:`segments` made a few sources at a time, in memory
        that does not grow with the number of codings, as ``(key, batch of columns)``; written in
        the order of the keys they are the list (see
        :func:`coding.analysis.segment_list.segment_parts`)."""
        from ..analysis.segment_list import segment_parts
        return segment_parts(self.store, code=code, coder=coder, origin=origin, source=source, where=where,
                             include_interviewer=include_interviewer, level=level, rollup=rollup,
                             language=language)

    def count_segments(self, *, code: str | None = None, coder: str | None = None, origin: str | None = None,
                       source: str | None = None, where: dict[str, str] | None = None,
                       include_interviewer: bool = False, level: int | None = None, rollup: bool = False) -> int:
        """How many segments :meth:`segments` lists with the same filters, counted without listing them."""
        from ..analysis.segment_list import count_segments
        return count_segments(self.store, code=code, coder=coder, origin=origin, source=source, where=where,
                              include_interviewer=include_interviewer, level=level, rollup=rollup)

    def matrix(self, rows: str = "code", cols=("role",), *, count: str = "segments", level: int | None = None,
               code: str | None = None, coder: str | None = None, origin: str | None = None,
               source: str | None = None, where: dict[str, str] | None = None, normalize: str = "none",
               include_interviewer: bool = False, language: str | None = None, empty_codes: bool = False,
               anonymize: bool = False, unreviewed: str = "replace"):
        """A code x attribute (or attribute x code, or attribute x attribute) table as a DataFrame.

        ``matrix(rows="code", cols=["role"], count="segments"|"participants"|"sources"|"words",
        level=None, code=None, coder=None, origin=None, source=None, where=None,
        normalize="none"|"row"|"col"|"total", include_interviewer=False, language=None)``

        ``rows``/``cols``: "code", an attribute (role, municipality ...), "source", "participant" or
        "coder"; two or more ``cols`` give combined columns labelled "Nordby / Leder". The index is
        named after the row dimension (code rows: their code_path, all codes of the codebook up to
        ``level`` in codebook order, a parent counting its subtree; codes without any coding in the
        project, themselves or below, are left out unless ``empty_codes`` or nothing is coded yet); columns are the values in
        sorted order, then ``Total``: the row's value with the columns taken away, counted the same
        way (distinct segments, participants, sources; not a sum). Normalised values are percent.
        ``frame.attrs`` holds rows, cols, count, normalize, language, col_keys (one tuple per
        column), row_labels/col_labels (code labels in the language). See coding.analysis.matrix.
        """
        if anonymize:  # case and participant labels (and sources) as pseudonyms
            with self.anonymized(unreviewed=unreviewed) as copy:
                return copy.matrix(rows, cols, count=count, level=level, code=code, coder=coder, origin=origin,
                                   source=copy.anonymized_source(source), where=copy.anonymized_where(where),
                                   normalize=normalize, include_interviewer=include_interviewer, language=language,
                                   empty_codes=empty_codes)
        return self.matrix_table(rows, cols, count=count, level=level, code=code, coder=coder, origin=origin,
                                 source=source, where=where, normalize=normalize,
                                 include_interviewer=include_interviewer, language=language,
                                 empty_codes=empty_codes).frame()

    def matrix_table(self, rows: str = "code", cols=("role",), *, count: str = "segments", level: int | None = None,
                     code: str | None = None, coder: str | None = None, origin: str | None = None,
                     source: str | None = None, where: dict[str, str] | None = None, normalize: str = "none",
                     include_interviewer: bool = False, language: str | None = None, empty_codes: bool = False,
                     anonymize: bool = False, unreviewed: str = "replace"):
        """:meth:`matrix` without pandas: a :class:`coding.analysis.matrix.MatrixTable` (row ids,
        columns, values, the same attrs); ``.frame()`` gives the DataFrame."""
        if anonymize:
            with self.anonymized(unreviewed=unreviewed) as copy:
                return copy.matrix_table(rows, cols, count=count, level=level, code=code, coder=coder,
                                         origin=origin, source=copy.anonymized_source(source),
                                         where=copy.anonymized_where(where), normalize=normalize,
                                         include_interviewer=include_interviewer, language=language,
                                         empty_codes=empty_codes)
        from ..analysis.matrix import matrix_table
        return matrix_table(self.store, rows=rows, cols=cols, count=count, level=level, code=code, coder=coder,
                            origin=origin, source=source, where=where, normalize=normalize,
                            include_interviewer=include_interviewer, language=language, empty_codes=empty_codes)

    def export_matrix_docx(self, path: str | Path, rows: str = "code", cols=("municipality",), *,
                           quotes: bool = False, anonymize: bool = False, unreviewed: str = "replace",
                           title: str | None = None, **options) -> Path:
        """The matrix as a Word table in the style of the reports' CASE tables: the values of
        ``cols`` across, the themes (``rows``) down, counts, the total per row ("I alt" in Danish),
        a caption saying what is counted; ``quotes``: the best quote of each theme and column in its
        cell (code rows and one column dimension; a sentence serves one theme). ``options`` are
        those of :meth:`matrix`; ``anonymize`` writes it from the anonymized project."""
        from ..errors import CodingError
        from ..export.matrix_docx import write_matrix_docx

        cols = [cols] if isinstance(cols, str) else list(cols)
        if anonymize:
            with self.anonymized(unreviewed=unreviewed) as copy:
                options["where"] = copy.anonymized_where(options.get("where"))
                options["source"] = copy.anonymized_source(options.get("source"))
                return copy.export_matrix_docx(path, rows, cols, quotes=quotes, title=title, **options)
        if quotes and (rows != "code" or len(cols) != 1 or "code" in cols):
            raise CodingError("quotes in the cells need code rows and one column dimension (--cols municipality)")
        frame = self.matrix(rows, cols, **options)
        cell_quotes = None
        if quotes:
            by_slug = {path_.split("/")[-1]: path_ for path_ in frame.index}
            filters = {k: options[k] for k in ("coder", "origin", "source", "where", "include_interviewer",
                                               "language") if options.get(k) is not None}
            chosen = self.quote_lists(list(by_slug), by=cols[0], limit=1, **filters)
            cell_quotes = {(by_slug[slug], row["group"]): row for slug, listed in chosen.items() for row in listed.rows}
        return write_matrix_docx(frame, path, quotes=cell_quotes, title=title)

    def cooccurrence(self, *, unit: str = "turn", level: int | None = None, code: str | None = None,
                     coder: str | None = None, origin: str | None = None, source: str | None = None,
                     where: dict[str, str] | None = None, include_interviewer: bool = False,
                     language: str | None = None):
        """Pairs of codes that occur together, as a DataFrame sorted by count.

        ``cooccurrence(unit="turn"|"segment", level=None, code=None, coder=None, origin=None,
        source=None, where=None, include_interviewer=False, language=None)``

        Columns: code_a, code_b, label_a, label_b, count (units with both), n_a, n_b (units with
        each), jaccard. ``frame.attrs["frequency"]`` gives the units per code. Turn: both codes in
        the same respondent turn; segment: overlapping segments. See coding.analysis.cooccurrence.
        """
        from ..analysis.cooccurrence import cooccurrence
        return cooccurrence(self.store, unit=unit, level=level, code=code, coder=coder, origin=origin,
                            source=source, where=where, include_interviewer=include_interviewer,
                            language=language)

    def cooccurrence_graph(self, path: str | Path | None = None, *, min_count: int = 1, **filters):
        """The co-occurrence network (networkx Graph); written as .graphml, .gexf or .png if ``path``."""
        from ..analysis.cooccurrence import graph
        from ..export.plots import write_graph
        from ..export.plots import words
        frame = self.cooccurrence(**filters)
        g = graph(frame, min_count=min_count)
        if path is not None:
            write_graph(g, path, title=words(frame.attrs["language"])["cooccurrence"])
        return g

    def quotes(self, code: str, *, by: str = "role", limit: int | None = None, coder: str | None = None,
               origin: str | None = None, source: str | None = None, where: dict[str, str] | None = None,
               include_interviewer: bool = False, min_chars: int = 60, max_chars: int = 400,
               language: str | None = None, anonymize: bool = False, unreviewed: str = "replace"):
        """Quotes for a code (its sub-codes included), grouped by an attribute, best first.

        ``quotes(code, by="role", limit=None, coder=None, origin=None, source=None, where=None,
        include_interviewer=False, min_chars=60, max_chars=400, language=None)``

        A DataFrame with columns group (the ``by`` value), text (whole sentences of the turn),
        attribution ("Virksomhedskonsulent, Nordby"), source, turn, timestamp, speaker, participant,
        start, end, score, complete, relevance (how strongly the code's own rules, or a person,
        hold the passage), reviewed ("hand", "accepted" or ""), evidence (the rules and coders behind
        it); reviewed quotes first, then spread over people and interviews, best score first;
        ``limit`` quotes per group. See coding.analysis.quotes.
        """
        if anonymize:
            with self.anonymized(unreviewed=unreviewed) as copy:
                return copy.quotes(code, by=by, limit=limit, coder=coder, origin=origin,
                                   source=copy.anonymized_source(source), where=copy.anonymized_where(where),
                                   include_interviewer=include_interviewer, min_chars=min_chars,
                                   max_chars=max_chars, language=language)
        return self.quote_list(code, by=by, limit=limit, coder=coder, origin=origin, source=source, where=where,
                               include_interviewer=include_interviewer, min_chars=min_chars, max_chars=max_chars,
                               language=language).frame()

    def quote_list(self, code: str, *, by: str = "role", limit: int | None = None, coder: str | None = None,
                   origin: str | None = None, source: str | None = None, where: dict[str, str] | None = None,
                   include_interviewer: bool = False, min_chars: int = 60, max_chars: int = 400,
                   language: str | None = None, anonymize: bool = False, unreviewed: str = "replace"):
        """:meth:`quotes` without pandas: a :class:`coding.analysis.quotes.QuoteList` whose ``rows``
        are the DataFrame's rows as dicts (same order, same columns) and ``attrs`` its attrs;
        ``.frame()`` gives the DataFrame while the project is open (not after ``anonymize``)."""
        if anonymize:
            with self.anonymized(unreviewed=unreviewed) as copy:
                return copy.quote_list(code, by=by, limit=limit, coder=coder, origin=origin,
                                       source=copy.anonymized_source(source), where=copy.anonymized_where(where),
                                       include_interviewer=include_interviewer, min_chars=min_chars,
                                       max_chars=max_chars, language=language)
        from ..analysis.quotes import quote_list
        return quote_list(self.store, code=code, by=by, limit=limit, coder=coder, origin=origin, source=source,
                          where=where, include_interviewer=include_interviewer, min_chars=min_chars,
                          max_chars=max_chars, language=language)

    def quotes_for_themes(self, codes: list[str], *, by: str = "role", limit: int | None = 1, **filters):
        """Quotes for several codes at once, {code: DataFrame as :meth:`quotes` gives it}, where a
        sentence serves one code only (the one whose rules hold it most strongly): a report's table
        of quotes per theme. ``filters`` are those of :meth:`quotes`."""
        return {code: chosen.frame() for code, chosen in self.quote_lists(codes, by=by, limit=limit,
                                                                           **filters).items()}

    def quote_lists(self, codes: list[str], *, by: str = "role", limit: int | None = 1, **filters):
        """:meth:`quotes_for_themes` without pandas: {code: :class:`coding.analysis.quotes.QuoteList`}."""
        from ..analysis.quotes import quote_lists
        return quote_lists(self.store, codes, by=by, limit=limit, **filters)

    # ------------------------------------------------------------------ text search, word frequency (issue 25)
    def search(self, query: str, *, where: dict[str, str] | None = None, code: str | None = None,
               source: str | Iterable[str] | None = None, context: int = 8, exact: bool = False,
               include_interviewer: bool = False, anonymize: bool = False, unreviewed: str = "replace") -> list[dict]:
        """Keyword in context: every hit of ``query`` in what was said, by source and position.

        ``search(query, where=None, code=None, source=None, context=8, exact=False,
        include_interviewer=False)``

        The query: words (lemma-aware: "borger" finds borgerne, borgerens; Danish compounds as the
        auto-coder finds them: "konsulent" finds virksomhedskonsulenten), ``"two words"`` for a
        phrase, ``word*`` wildcards, AND / OR / NOT (within a turn) and parentheses; ``exact``
        finds the literal form only. Records: source, turn, speaker, participant, role, timestamp,
        start, end (character offsets of the match), before, match, after (``context`` words each
        side, within the turn). Interviewer turns are left out unless ``include_interviewer``;
        ``where`` keeps speakers (or sources) with these attribute values, ``code`` text coded
        with that code or one below it, ``source`` one source or several. See coding.search.
        """
        from ..search import search

        if anonymize:   # the hits of the anonymized text, in the anonymized copy's own index
            with self.anonymized(unreviewed=unreviewed) as copy:
                copy.update_search_index()
                return copy.search(query, where=copy.anonymized_where(where), code=code,
                                   source=copy.anonymized_source(source), context=context, exact=exact,
                                   include_interviewer=include_interviewer)
        return search(self.store, query, where=where, code=code, source=source, context=context, exact=exact,
                      include_interviewer=include_interviewer)

    def search_parts(self, query: str, *, where: dict[str, str] | None = None, code: str | None = None,
                     source: str | Iterable[str] | None = None, context: int = 8, exact: bool = False,
                     include_interviewer: bool = False):
        """The records of :meth:`search` in their order as lists, a few sources each, made as they are
        read (memory that does not grow with the project); see :func:`coding.search.search_parts`."""
        from ..search import search_parts

        return search_parts(self.store, query, where=where, code=code, source=source, context=context, exact=exact,
                            include_interviewer=include_interviewer)

    def code_search_hits(self, query: str, *, code_as: str, coder: str, unit: str = "sentence",
                         where: dict[str, str] | None = None, code: str | None = None,
                         source: str | Iterable[str] | None = None, exact: bool = False,
                         include_interviewer: bool = False) -> dict:
        """Code the sentence (or ``unit="turn"``) around every hit of ``query`` with ``code_as``
        for ``coder`` (origin ``search``), all or nothing; units this coder has coded with that
        code already are left alone. Returns hits, units, new and already."""
        from ..search import code_hits

        with self.store.transaction():
            return code_hits(self.store, query, code=code_as, coder=coder, unit=unit, where=where, within=code,
                             source=source, exact=exact, include_interviewer=include_interviewer)

    def words(self, *, where: dict[str, str] | None = None, by: str | None = None, top: int = 50,
              code: str | None = None, source: str | Iterable[str] | None = None,
              include_interviewer: bool = False, anonymize: bool = False, unreviewed: str = "replace"):
        """Word frequency by lemma in what was said, stop words of the language left out.

        ``words(where=None, by=None, top=50, code=None, source=None, include_interviewer=False)``
        returns a :class:`coding.search.WordFrequency`: ``records`` with word (the lemma), count,
        share (percent of the words counted), sources, forms (its most frequent forms) and, with
        ``by`` (an attribute such as role), a count per value over the ``top`` words of every value.
        """
        from ..search import words

        if anonymize:
            with self.anonymized(unreviewed=unreviewed) as copy:
                copy.update_search_index()
                # the placeholders ("[navn 3]", "[telefon]", "[Borger 1]") are not words of the interview
                placeholders = {sid: [(new_start, new_end) for _s, _e, new_start, new_end in offsets.spans]
                                for sid, offsets in copy.scrubber.offsets.items()}
                return words(copy.store, where=copy.anonymized_where(where), by=by, top=top, code=code,
                             source=copy.anonymized_source(source), include_interviewer=include_interviewer,
                             leave_out=placeholders)
        return words(self.store, where=where, by=by, top=top, code=code, source=source,
                     include_interviewer=include_interviewer)

    def update_search_index(self) -> int:
        """Index the sources whose text the search index does not hold yet; returns how many."""
        from ..search import update_index

        with self.store.transaction():
            return update_index(self.store)
