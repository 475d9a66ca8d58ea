"""Work done in a second process while this one goes on: the pipeline's figures (matplotlib) are
drawn beside its tables and documents, so that a machine's second core shares the job.

The second process is a fork of this one: it has the data already (nothing is pickled or read
again), draws, writes its files and ends without running this process's clean-up (``os._exit``);
it never touches the project's database connection. Forking is done only where it is safe: on
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


@contextmanager
def beside(work: Callable[[], None]) -> Iterator[None]:
    """Run ``work`` in a forked process while the with-block runs; at the end of the block wait for
    it and raise its exception here, if it had one. When the block fails the work is stopped.
    Where forking is not safe (:func:`can_fork`) ``work`` runs first, in this process."""
    if not can_fork():
        work()
        yield
        return
    for stream in (sys.stdout, sys.stderr):  # or the child would write what is waiting in them again
        stream.flush()
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: do the work, report a failure through the pipe, end
        status = 0
        try:
            os.close(read)
            gc.freeze()  # this process's objects are the parent's: never collected (or finalized) here
            work()
        except BaseException as exc:  # handed to the parent
            status = 1
            try:
                payload = pickle.dumps(exc)
                pickle.loads(payload)
            except Exception:
                payload = pickle.dumps(RuntimeError(traceback.format_exc()))
            try:
                view = memoryview(payload)
                while view:
                    view = view[os.write(write, view):]
            except OSError:
                pass
        finally:
            try:
                sys.stdout.flush()
                sys.stderr.flush()
            finally:
                os._exit(status)
    os.close(write)
    try:
        yield
    except BaseException:
        try:
            os.kill(pid, signal.SIGTERM)
        finally:
            os.waitpid(pid, 0)
            os.close(read)
        raise
    chunks = []
    try:
        while chunk := os.read(read, 65536):
            chunks.append(chunk)
    finally:
        os.close(read)
        _, status = os.waitpid(pid, 0)
    if chunks:
        raise pickle.loads(b"".join(chunks))
    if status != 0:
        raise RuntimeError(f"the second process (pid {pid}) ended with status {status} and no error")
