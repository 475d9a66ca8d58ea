"""Lemma-aware auto-coding: codebook rules matched on lemmas, compounds and phrases.

How a text is matched
  * Texts are tokenised by a blank spaCy pipeline (``spacy.blank(lang)``), many turns at a time
    (joined into chunks and passed through ``nlp.pipe``).
  * Every distinct word form is analysed once and cached: its lemma from the spacy-lookups-data
    lookup table (lower-cased first, so a capitalised sentence opener is lemmatised too), and for
    languages with closed compounds (Danish) its parts: "virksomhedskonsulenterne" has the head
    "konsulenterne" (lemma "konsulent") and the modifier "virksomhed" (linking -s- removed);
    "sagsstammen" is not in the table, so its lemma is built from its known head: "sagsstamme".
  * A term matches a token whose lemma equals the term or whose form equals the term, or -- for
    terms of at least ``min_part_length`` letters in a compounding language -- a compound whose head
    or modifier is the term. ``virksomhed*`` and ``*konsulent`` are explicit prefix/suffix
    wildcards. A one-word term written in an inflected form stands for that form only ("staffing"
    does not find "staff", "mødes" does not find "statusmøde"); inside a phrase a word also finds
    the other forms of its lemma ("hun kan godt" finds "hun kunne godt"). Phrases are sequences of
    such words and may skip up to two filler words (particles, negation, commas: "tror ikke på" is
    "tro på"); ``near`` asks for two terms within N tokens; ``patterns`` are spaCy Matcher token
    patterns (LEMMA is the lemma described here); ``unless`` vetoes a code's matches that touch
    one of its words, phrases or near pairs (a near pair within 0 tokens may be one word holding
    both, such as the compound "butikschefen").
    ``whole_words`` are terms that never match as part of a compound ("chef" but not "kokkechef").
  * A unit (a sentence, or a whole turn) gets one coding per code whose rules fire in it, with the
    rules and the matched words recorded.

Running
  * Respondent turns only unless asked; the interviewer's questions would otherwise echo every theme.
  * Each source's fingerprint (text hash, unit, options, turn selection, settings) and each code's
    rule hash are stored; a re-run redoes only sources or codes whose fingerprint changed.
  * Work is streamed source by source, in tasks of a few hundred thousand characters (parts of one or
    more sources), optionally spread over worker processes (``jobs``), which match with numpy
    (:mod:`coding.autocode.matcher`); codings are written in bulk.


The package, stage by stage:

- ``lemmas.py``, ``lexicon.py``: lemmas and compound parts of word forms (spacy-lookups-data tables)
- ``rules.py``: a codebook's rules compiled for one language (named dataclasses: items, refs, triggers)
- ``span_tokens.py``, ``slot_table.py``: the tokenizer, remembered per distinct span
- ``forms.py``, ``patterns.py``, ``matcher.py``: every rule over a batch of tokens at once, with numpy
- ``engine.py``: tokens to codings for a task (parts of sources, joined into chunks)
- ``plan.py``: fingerprints and rule hashes, what to redo, parts and task sizes
- ``runner.py``: worker processes and storing a run's codings; ``report.py``: what a run did
- ``job.py``: the use case the facade calls (codebook first, the run, the totals)
"""

from .engine import CHUNK_CHARS, CODER, ENGINE_VERSION, ORIGIN, PIPE_BATCH, UNITS, Chunk, Engine, Found, Part, Task, \
    build_chunks, engine_spec
from .job import autocode_dry_run, autocode_project, unreached_codes
from .lexicon import Lexicon
from .plan import TASK_CHARS, TASK_CHARS_MAX, TASKS_PER_WORKER, task_chars
from .report import AutocodeReport
from .rules import LanguageRules
from .runner import Workers, early_workers, paused_gc, run_autocode
from .span_tokens import SpanTokens

__all__ = ["AutocodeReport", "autocode_project", "autocode_dry_run", "run_autocode", "early_workers", "Workers",
           "paused_gc", "Engine", "LanguageRules", "engine_spec", "build_chunks", "Chunk", "Part", "Task", "Found",
           "task_chars", "TASK_CHARS", "TASK_CHARS_MAX", "TASKS_PER_WORKER", "CHUNK_CHARS", "PIPE_BATCH", "CODER",
           "ORIGIN", "UNITS", "ENGINE_VERSION", "Lexicon", "SpanTokens", "unreached_codes"]
