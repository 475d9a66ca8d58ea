"""Work done in a second process while this one goes on: the pipeline's figures (matplotlib) are
drawn, and its report's quotes picked, beside its tables and documents, so that a machine's second
core shares the job.

The second process is a fork of this one: it has the data already (nothing is pickled or read
again), works, hands back what it returns through a pipe and ends without running this process's
clean-up (``os._exit``); it never touches the project's database connection. Forking is done only where it is safe: on
Linux, and while this process runs no other thread (a lock held by another thread would stay held
in the child). Elsewhere the work is done here and now, before the rest: the same files either way.
"""

from __future__ import annotations

import gc
import os
import pickle
import signal
import sys
import threading
import traceback
from contextlib import contextmanager
from typing import Callable, Iterator


def can_fork() -> bool:
    """Whether :func:`beside` runs its work in a second process here."""
    return sys.platform.startswith("linux") and hasattr(os, "fork") and threading.active_count() == 1


class Outcome:
    """What the work returned: ``value``, set when the with-block of :func:`beside` ends."""

    value = None


@contextmanager
def beside(work: Callable[[], object]) -> Iterator[Outcome]:
    """Run ``work`` in a forked process while the with-block runs; at the end of the block wait for
    it: its return value (pickled back) is then ``outcome.value``, its exception is raised here.
    When the block fails the work is stopped. Where forking is not safe (:func:`can_fork`)
    ``work`` runs first, in this process."""
    outcome = Outcome()
    if not can_fork():
        outcome.value = work()
        yield outcome
        return
    for stream in (sys.stdout, sys.stderr):  # or the child would write what is waiting in them again
        stream.flush()
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: do the work, hand back its value or its error through the pipe, end
        status = 0
        try:
            os.close(read)
            gc.freeze()  # this process's objects are the parent's: never collected (or finalized) here
            payload = pickle.dumps((True, work()))
        except BaseException as exc:  # handed to the parent
            status = 1
            try:
                payload = pickle.dumps((False, exc))
                pickle.loads(payload)
            except Exception:
                payload = pickle.dumps((False, RuntimeError(traceback.format_exc())))
        try:
            view = memoryview(payload)
            while view:
                view = view[os.write(write, view):]
        except OSError:
            status = 1
        finally:
            try:
                sys.stdout.flush()
                sys.stderr.flush()
            finally:
                os._exit(status)
    os.close(write)
    try:
        yield outcome
    except BaseException:
        try:
            os.kill(pid, signal.SIGTERM)
        finally:
            os.waitpid(pid, 0)
            os.close(read)
        raise
    chunks = []
    try:
        while chunk := os.read(read, 1 << 20):
            chunks.append(chunk)
    finally:
        os.close(read)
        _, status = os.waitpid(pid, 0)
    if not chunks:
        raise RuntimeError(f"the second process (pid {pid}) ended with status {status} and handed nothing back")
    done, value = pickle.loads(b"".join(chunks))
    if not done:
        raise value
    outcome.value = value
