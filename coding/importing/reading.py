"""Reading the files of an import: in this process, or ahead in worker processes.

Reading a transcript (its bytes, then :func:`coding.ingest.read_transcript`) depends on the file
alone, so worker processes can read and parse the next files while this process stores the one
before, in file order, in its own transaction. The result is the same either way: the same
transcripts, stored in the same order, and a bad file's error (naming the file and the place) is
raised when its turn comes, where reading it here would have raised it.

The workers are forked after the language identifier's model and the readers are loaded, so they
share them; a pool is started only for enough files to pay for it while a core is idle
(``jobs=0``), or when asked.
"""

from __future__ import annotations

import collections
import contextlib
import gc
import os
from pathlib import Path
from typing import Callable, Iterator

from ..errors import CodingError, InputError
from ..ingest import Transcript, read_transcript

# jobs=0 starts workers only for at least this many files holding this many bytes: a pool's fixed
# cost (forking, loading the language model first) must not slow a small import
AUTO_MIN_FILES = 8
AUTO_MIN_BYTES = 2 * 2**20
AUTO_MAX_JOBS = 8
AHEAD = 4          # files read ahead per worker: enough to keep them busy, few held in memory

Reader = Callable[[Path], tuple[bytes, Transcript]]


def read_file(path: Path, single_speaker: str | None) -> tuple[bytes, Transcript]:
    """A file's bytes and the transcript read from them; InputError when it cannot be read."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise InputError(path, f"cannot be read ({exc.strerror})") from None
    return raw, read_transcript(path, raw, single_speaker=single_speaker)


def _read_in_worker(path: Path, single_speaker: str | None):
    """(bytes, transcript), None; or None and the user's error (anything else is raised)."""
    try:
        return read_file(path, single_speaker), None
    except CodingError as exc:
        return None, exc


def worker_count(files: list[Path], jobs: int, load: float | None = None) -> int:
    """How many worker processes read ``files`` (transcripts only): ``jobs`` when more than one,
    else none; ``jobs=0`` means one per core when the files are many and large enough and a core
    is idle (``load``: the system's load average, read when not given)."""
    if jobs == 0:
        cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
        if len(files) < AUTO_MIN_FILES or cores < 2:
            return 0
        if load is None:
            load = os.getloadavg()[0] if hasattr(os, "getloadavg") else 0.0
        if cores - load < 1:
            # every core is busy already: workers would not read sooner, and sending the
            # transcripts back would only add to the work
            return 0
        size = 0
        for path in files:
            with contextlib.suppress(OSError):
                size += path.stat().st_size
        if size < AUTO_MIN_BYTES:
            return 0
        jobs = min(cores, AUTO_MAX_JOBS)
    jobs = min(jobs, len(files))
    return jobs if jobs > 1 else 0


@contextlib.contextmanager
def file_reader(files: list[Path], single_speaker: str | None, jobs: int = 1) -> Iterator[Reader]:
    """A function that reads each of ``files`` (transcripts, not .qdpx), to be asked for them in
    this order; with workers (:func:`worker_count`) they are read ahead, and the workers are
    stopped on leaving. Its ``workers`` says how many read (0: this process)."""
    import multiprocessing

    workers = worker_count(files, jobs)
    if not workers or "fork" not in multiprocessing.get_all_start_methods():
        def read_here(path: Path) -> tuple[bytes, Transcript]:
            return read_file(path, single_speaker)
        read_here.workers = 0  # type: ignore[attr-defined]
        yield read_here
        return
    from concurrent.futures import ProcessPoolExecutor

    from ..ingest import docx_reader, subtitle_reader, text_reader  # noqa: F401  (loaded once, before forking)
    from ..ingest.language import load_identifier

    load_identifier()
    pool = ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("fork"))
    waiting: collections.deque = collections.deque()
    upcoming = iter(files)

    def submit() -> None:
        path = next(upcoming, None)
        if path is not None:
            waiting.append((path, pool.submit(_read_in_worker, path, single_speaker)))

    def read(path: Path) -> tuple[bytes, Transcript]:
        expected, future = waiting.popleft()
        if expected != path:
            raise RuntimeError(f"files read out of order: {path} asked, {expected} read")
        submit()
        result, error = future.result()
        if error is not None:
            raise error
        return result

    read.workers = workers  # type: ignore[attr-defined]
    try:
        # The workers are forked at the first submit. This process's objects are kept out of the
        # garbage collector meanwhile, so a worker inherits them frozen and never walks them.
        thaw = not gc.get_freeze_count()
        gc.freeze()
        try:
            submit()
        finally:
            if thaw:
                gc.unfreeze()
        for _ in range(workers * AHEAD - 1):
            submit()
        yield read
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
