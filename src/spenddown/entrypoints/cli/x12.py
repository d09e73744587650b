"""``spenddown x12 FILE --npi --pin [--out]``: answer an X12 interchange (docs/x12.md).

A 270 is answered with a 271, an 837P with an 835, a malformed interchange with a 999 or a TA1;
a file of TA1/999 acknowledgments of spenddown's own answers is recorded (exit 0, no output).
The answer goes to ``--out`` (or stdout). Exit 0 for a 271/835, 2 for a 999/TA1 (the input was
refused), 4 when the credentials are refused for an 837P; a 270 with wrong credentials is
answered with a 271 carrying 2100B AAA*41 (exit 0, as X12 says it).
"""

from __future__ import annotations

import functools
import itertools
import sys
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, TextIO

import typer

from spenddown.domain.errors import InvalidInput
from spenddown.entrypoints.cli.main import EXIT_CODES, _database_url, app, handled, opened

if TYPE_CHECKING:
    from spenddown.bootstrap import App
    from spenddown.domain.cob.model import Claim
    from spenddown.services.claims import BatchOutcome

EXIT_REJECTED = next(code for kind, code in EXIT_CODES if kind is InvalidInput)
# A run of fewer original claims is adjudicated in this process even with --jobs: starting the
# workers costs more than they would save (seconds on a loaded machine; docs/performance.md).
PARALLEL_FROM = 2000


def _parallel(app_: App, jobs: int, run: Iterable[Claim]) -> Iterator[BatchOutcome]:
    """A run of an 837P's original claims over ``jobs`` processes (``batch_jobs``), or in this
    process when it is shorter than ``PARALLEL_FROM`` claims: the same outcomes either way."""
    from spenddown.entrypoints import batch_jobs
    from spenddown.services import claims

    source = iter(run)
    head = list(itertools.islice(source, PARALLEL_FROM))
    if len(head) < PARALLEL_FROM:
        return claims.adjudicate_batch(head, app_.uow, app_.env)
    return batch_jobs.adjudicate_parallel(
        itertools.chain(head, source), app_.url, app_.env.clock, jobs=jobs
    )


@app.command("x12")
@handled
def x12(
    ctx: typer.Context,
    file: Annotated[Path, typer.Argument(help="An X12 5010 interchange: a 270 or an 837P.")],
    npi: Annotated[str, typer.Option("--npi", envvar="SPENDDOWN_NPI", help="Provider NPI.")],
    pin: Annotated[
        str, typer.Option("--pin", envvar="SPENDDOWN_PIN", help="Provider PIN.", show_default=False)
    ],
    out: Annotated[
        Path | None, typer.Option("--out", help="Write the answer here (default: stdout).")
    ] = None,
    jobs: Annotated[
        str,
        typer.Option(
            "--jobs",
            metavar="N",
            help="Worker processes for an 837P's claims (PostgreSQL): a member's claims stay "
            "in one; 0 or auto: one per core (1 on SQLite).",
        ),
    ] = "1",
) -> None:
    """Answer a 270 with a 271 and an 837P with an 835 (999/TA1 when malformed)."""
    from spenddown.adapters.x12 import claim_answers, exchange
    from spenddown.entrypoints import batch_jobs

    try:
        file.open("rb").close()
    except OSError as error:
        raise InvalidInput("INVALID_REQUEST", f"{file}: {error.strerror}.") from None
    workers = batch_jobs.resolve_jobs(jobs, _database_url(ctx))
    sink = _Sink(out)
    try:
        with opened(ctx) as app_:
            batch: claim_answers.Batch | None = None
            if workers > 1:  # a member's claims in one process (docs/cli.md "spenddown x12")
                batch = functools.partial(_parallel, app_, workers)
            answer = exchange.answer_file(
                file, sink.write, npi=npi.strip(), pin=pin, uow=app_.uow, env=app_.env, batch=batch
            )
        if sink.written:
            sink.write("\n")
    finally:
        sink.close()
    if not answer.kind:  # acknowledgments of our own answers: recorded, never acknowledged
        typer.echo(
            f"spenddown: recorded {answer.recorded} acknowledgment(s); nothing to answer.",
            err=True,
        )
        return
    typer.echo(f"spenddown: answered with a {answer.kind}.", err=True)
    if answer.recorded:
        typer.echo(f"spenddown: recorded {answer.recorded} acknowledgment(s).", err=True)
    if answer.rejected:
        raise typer.Exit(EXIT_REJECTED)


class _Sink:
    """Where the answer goes as it is written: ``--out`` (opened at the first piece, so that
    nothing is created when there is nothing to answer) or stdout."""

    def __init__(self, path: Path | None) -> None:
        self.path = path
        self.file: TextIO | None = None
        self.written = False

    def write(self, text: str) -> None:
        if self.file is None:
            self.file = sys.stdout if self.path is None else self.path.open("w", encoding="utf-8")
        self.file.write(text)
        self.written = True

    def close(self) -> None:
        if self.file is None:
            return
        if self.path is None:
            self.file.flush()
        else:
            self.file.close()
