"""The claims processor's batch over several processes (``adjudicate --batch FILE --jobs N``).

The claims are partitioned by member: a stable hash of the member's CIN (CRC-32) names the worker
process, so that a member's claims are decided in one process, in file order, as
``claims.adjudicate_batch`` decides them in one (authorization units, the claim IDs seen). A
claim whose provider claim ID was already given to a worker earlier in the same input goes to
that worker, whatever its member: it is then answered DUPLICATE_CLAIM (or adjudicated) exactly
as with one process. Each worker is a process of its own, forked by multiprocessing's fork
server (which imports the program once and holds no engine, connection or thread: nothing of
the caller's is inherited); it opens its own engine and runs ``claims.adjudicate_batch`` over
its share: chunks of ``chunk`` claims, each one transaction, committed one after the other.
A program that calls this runs its own work under ``if __name__ == "__main__":`` (the fork
server imports the main module), as the ``spenddown`` command does.

The outcomes come back in input order (each worker's in its own order; this process puts them
back in the order the claims were given), so the answers are those of one process. The input is
any iterable of claims (the JSONL file, an X12 837P), read once, with bounded queues: memory
does not grow with the batch, apart from one small hash per provider claim ID.

A worker that fails (the database going away, a process killed) stops the run: the others stop
after the chunk they are in (committed or rolled back, never half), and ``BatchWorkerFailed`` is
raised after the outcomes given so far. What was committed is whole chunks; running the same
input again answers the stored claims DUPLICATE_CLAIM and adjudicates the rest
(docs/cli.md, docs/performance.md)."""

from __future__ import annotations

import multiprocessing
import os
import queue
import time
import zlib
from collections import deque
from collections.abc import Iterable, Iterator
from typing import Any

from spenddown.domain.cob.adjudication import adjudication_from_record, adjudication_to_record
from spenddown.domain.cob.model import Claim
from spenddown.domain.errors import InvalidInput, SpenddownError
from spenddown.services import claims as claim_service
from spenddown.services.ports import Clock

# What the fork server imports once, before it forks the workers: each worker then starts in
# milliseconds instead of importing the program again (seconds of CPU on a loaded machine).
PRELOAD = [
    "__main__",
    "spenddown.bootstrap",
    "spenddown.entrypoints.batch_jobs",
    "sqlalchemy.dialects.postgresql.psycopg",
]
PARTS_QUEUED = 2  # chunks waiting for each worker: enough to keep it busy, bounded memory
POLL = 0.2  # seconds between looks at the workers while waiting
STOP_WAIT = 60.0  # seconds a stopped worker has to finish its chunk before it is ended


class BatchWorkerFailed(SpenddownError):
    """A worker process of a parallel batch failed; the run stopped (CLI exit 1)."""


def partition(cin: str, jobs: int) -> int:
    """The worker (0..jobs-1) of a member's claims: CRC-32 of the CIN, the same in every run."""
    return zlib.crc32(cin.encode("utf-8")) % jobs


def resolve_jobs(value: str, url: str) -> int:
    """``--jobs``: a number of processes, ``0`` or ``auto`` for one per core. SQLite has one
    writer: ``auto`` is then 1, and more than one job is refused."""
    text = value.strip().lower()
    if text == "auto":
        jobs = 0
    else:
        try:
            jobs = int(text)
        except ValueError:
            jobs = -1
        if jobs < 0:
            raise InvalidInput(
                "INVALID_JOBS",
                "--jobs is a number of worker processes: 1 or more, or 0 or auto for one per core.",
            )
    sqlite = url.startswith("sqlite")
    if jobs == 0:
        return 1 if sqlite else _cores()
    if jobs > 1 and sqlite:
        raise InvalidInput(
            "JOBS_NEED_POSTGRESQL",
            "SQLite has one writer: --jobs more than 1 needs PostgreSQL (use --jobs 1).",
        )
    return jobs


def _cores() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not Linux
        return max(1, os.cpu_count() or 1)


# --- the outcomes, across processes ---------------------------------------------------------
# An adjudication travels as its stored record (``adjudication_to_record``, plain JSON values:
# several times cheaper to pickle than the dataclasses, and exact). SpenddownError's constructor
# does not take its own args, so it does not unpickle by itself: errors travel as their class
# and fields.
Packed = tuple[str, Any]


def _pack(outcome: claim_service.BatchOutcome) -> Packed:
    if isinstance(outcome, SpenddownError):
        return ("error", (type(outcome), outcome.code, outcome.detail, outcome.context))
    return ("adjudication", adjudication_to_record(outcome))


def _unpack(packed: Packed) -> claim_service.BatchOutcome:
    kind, value = packed
    if kind == "error":
        cls, code, detail, context = value
        error: SpenddownError = cls.__new__(cls)
        SpenddownError.__init__(error, code, detail, **context)
        return error
    return adjudication_from_record(value)


# --- a worker process ------------------------------------------------------------------------
def _worker(
    index: int,
    url: str,
    clock: Clock,
    chunk: int,
    inbox: Any,
    outbox: Any,
    stop: Any,
) -> None:
    """Adjudicate the claims given in ``inbox`` (lists, then None) with its own engine; give
    each committed chunk's outcomes to ``outbox``; stop early when ``stop`` is set."""
    try:
        from spenddown import bootstrap

        app = bootstrap.build(url, migrate=False, clock=clock, pool_size=1)
    except BaseException as error:  # told to the parent, which decides
        outbox.put(("failed", index, _said(error)))
        return

    def given() -> Iterator[Claim]:
        while not stop.is_set():
            try:
                part = inbox.get(timeout=POLL)
            except queue.Empty:
                continue
            if part is None:
                return
            yield from part

    try:
        done: list[Packed] = []
        for outcome in claim_service.adjudicate_batch(given(), app.uow, app.env, chunk=chunk):
            done.append(_pack(outcome))
            if len(done) == chunk:  # a chunk's outcomes come out together, once committed
                outbox.put(("done", index, done))
                done = []
        if done:
            outbox.put(("done", index, done))
        outbox.put(("finished", index, None))
    except BaseException as error:  # told to the parent, which decides
        outbox.put(("failed", index, _said(error)))
    finally:
        app.close()


def _said(error: BaseException) -> str:
    """What a failure is, without the data its message may quote: its kind and code."""
    if isinstance(error, SpenddownError):
        return f"{type(error).__name__} {error.code}"
    return type(error).__name__


# --- the parent ------------------------------------------------------------------------------
def adjudicate_parallel(
    claims: Iterable[Claim],
    url: str,
    clock: Clock,
    *,
    jobs: int,
    chunk: int = claim_service.BATCH_CHUNK,
) -> Iterator[claim_service.BatchOutcome]:
    """``claims.adjudicate_batch`` over ``jobs`` worker processes on the database ``url``
    (already migrated): the same outcomes, in input order."""
    if jobs < 1:
        raise InvalidInput("INVALID_JOBS", "A parallel batch has 1 or more jobs.")
    if not 1 <= chunk <= claim_service.MAX_BATCH_CHUNK:
        raise InvalidInput(
            "INVALID_REQUEST", f"A chunk has 1 to {claim_service.MAX_BATCH_CHUNK} claims."
        )
    return _Run(url, clock, jobs, chunk).outcomes(claims)


class _Run:
    def __init__(self, url: str, clock: Clock, jobs: int, chunk: int) -> None:
        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload(PRELOAD)
        self.jobs = jobs
        self.chunk = chunk
        self.inboxes = [context.Queue(maxsize=PARTS_QUEUED) for _ in range(jobs)]
        self.outbox = context.Queue()
        self.stop = context.Event()
        self.processes = [
            context.Process(
                target=_worker,
                args=(i, url, clock, chunk, self.inboxes[i], self.outbox, self.stop),
                name=f"spenddown-batch-{i + 1}",
                daemon=True,
            )
            for i in range(jobs)
        ]
        self.order: deque[int] = deque()  # the worker of each claim given, in input order
        self.ready = [deque[claim_service.BatchOutcome]() for _ in range(jobs)]
        self.finished = [False] * jobs
        self.failure: str | None = None
        self.ended = False

    def outcomes(self, claims: Iterable[Claim]) -> Iterator[claim_service.BatchOutcome]:
        for process in self.processes:
            process.start()
        try:
            owners: dict[int, int] = {}  # hash of (NPI, claim ID) -> the worker it went to
            parts: list[list[Claim]] = [[] for _ in range(self.jobs)]
            for claim in claims:
                key = hash((claim.provider_npi, claim.claim_id))
                worker = owners.get(key)
                if worker is None:
                    worker = owners[key] = partition(claim.member_id, self.jobs)
                parts[worker].append(claim)
                self.order.append(worker)
                if len(parts[worker]) == self.chunk:
                    self._give(worker, parts[worker])
                    parts[worker] = []
                    yield from self._in_order()
            for worker, part in enumerate(parts):
                if part:
                    self._give(worker, part)
            for worker in range(self.jobs):
                self._give(worker, None)
            while self.order or not all(self.finished):
                self._collect(block=True)
                yield from self._in_order()
        except BatchWorkerFailed:
            # The other workers stop after the chunk they are in: what they committed before
            # the first claim not stored is answered too, then the run stops.
            self._end(keep=True)
            yield from self._in_order()
            raise
        finally:
            self._end(keep=False)

    def _give(self, worker: int, part: list[Claim] | None) -> None:
        while True:
            self._check()
            try:
                self.inboxes[worker].put(part, timeout=POLL)
                return
            except queue.Full:
                self._collect(block=False)

    def _collect(self, *, block: bool) -> None:
        """Take what the workers gave back; notice a worker that failed or died."""
        while self._take(POLL if block else 0):
            block = False
        for worker, process in enumerate(self.processes):
            if not self.finished[worker] and process.exitcode is not None:
                # Ended: its last words may still be on their way.
                while self._take(POLL):
                    pass
                if not self.finished[worker] and self.failure is None:
                    self.failure = (
                        f"worker {worker + 1} of {self.jobs} ended (exit code {process.exitcode})"
                    )
        self._check()

    def _take(self, timeout: float) -> bool:
        """One message from the workers, if one comes within ``timeout`` seconds."""
        try:
            kind, worker, value = self.outbox.get(timeout=timeout)
        except queue.Empty:
            return False
        if kind == "done":
            self.ready[worker].extend(_unpack(packed) for packed in value)
        elif kind == "finished":
            self.finished[worker] = True
        elif self.failure is None:
            self.failure = f"worker {worker + 1} of {self.jobs} failed ({value})"
        return True

    def _check(self) -> None:
        if self.failure is not None:
            raise BatchWorkerFailed(
                "BATCH_WORKER_FAILED",
                f"The batch stopped: {self.failure}. The answers above are stored; the claims "
                "after them are stored in whole chunks or not at all. Run the same file again to "
                "finish: the claims already stored are answered DUPLICATE_CLAIM.",
            )

    def _drop(self) -> bool:
        try:
            self.outbox.get_nowait()
        except queue.Empty:
            return False
        return True

    def _in_order(self) -> Iterator[claim_service.BatchOutcome]:
        order, ready = self.order, self.ready
        while order and ready[order[0]]:
            yield ready[order.popleft()].popleft()

    def _end(self, *, keep: bool) -> None:
        """Stop the workers (each after the chunk it is in) and wait for them, reading what they
        still say (a worker cannot exit before what it put in a queue is read): kept for the
        answers, or dropped."""
        if self.ended:
            return
        self.stop.set()
        deadline = time.monotonic() + STOP_WAIT
        while any(p.is_alive() for p in self.processes) and time.monotonic() < deadline:
            while self._take(0) if keep else self._drop():
                pass
            for process in self.processes:
                process.join(POLL / len(self.processes))
        while self._take(0) if keep else self._drop():
            pass
        self.ended = True
        for process in self.processes:
            if process.is_alive():
                process.terminate()
                process.join()
        for inbox in self.inboxes:
            inbox.cancel_join_thread()
            inbox.close()
        self.outbox.cancel_join_thread()
        self.outbox.close()
