"""`shop-mailer`: the mail workers, their liveness, their failed jobs, and the local SMTP sink."""

from __future__ import annotations

import signal
import threading
import time
from pathlib import Path

import click

from mailer.config import HEARTBEAT_FILE, USED_COMMON
from shop_common.config import load_settings

# The commands import the worker (RQ, Redis, the job's own imports) when they run, not here: `alive` runs
# every few seconds in the worker's container, and must start fast.


@click.group(help=__doc__)
def cli() -> None:
    pass


@cli.command()
@click.option("--burst", is_flag=True, help="Send what is queued now, then stop.")
def worker(burst: bool) -> None:
    """Send queued emails until stopped (SIGTERM lets the email being sent finish)."""
    from mailer import worker as mail_worker

    mail_worker.run(burst=burst)


@cli.command()
@click.option("--max-age", default=120, show_default=True, type=click.IntRange(min=1),
              help="Seconds the worker's last heartbeat may be old.")
def alive(max_age: int) -> None:
    """Exit 0 if the worker's last heartbeat is less than --max-age seconds old (its liveness probe).

    Otherwise exit 1 with one line on stderr saying why. Reads only SHOP_WORKER_HEARTBEAT_FILE: no Redis.
    """
    path = Path(load_settings("mailer", [HEARTBEAT_FILE])["WORKER_HEARTBEAT_FILE"])
    try:
        age = time.time() - path.stat().st_mtime
    except FileNotFoundError:
        raise click.ClickException(f"no heartbeat file {path}: the worker has not started, or has stopped") from None
    except OSError as exc:
        raise click.ClickException(f"cannot read the heartbeat file {path}: {exc.strerror}") from None
    if age >= max_age:
        raise click.ClickException(f"the worker's last heartbeat is {age:.0f} s old, more than {max_age} s: it is "
                                   f"hung or gone ({path})")


@cli.command()
def failed() -> None:
    """List the emails that failed for good: job id, message id, template, last error."""
    from mailer import worker as mail_worker

    rows = mail_worker.failed(mail_worker.connection())
    if not rows:
        click.echo("no failed emails")
        return
    table = [("JOB", "MESSAGE", "TEMPLATE", "ERROR")] + [(r.job_id, r.mail_id, r.template, r.error) for r in rows]
    widths = [max(len(row[i]) for row in table) for i in range(3)]
    for row in table:
        click.echo("  ".join([*(cell.ljust(width) for cell, width in zip(row, widths, strict=False)), row[3]]))


@cli.command("retry-failed")
@click.argument("job_ids", nargs=-1)
@click.option("--all", "every", is_flag=True, help="Retry every failed email.")
def retry_failed(job_ids: tuple[str, ...], every: bool) -> None:
    """Put failed emails back on the queue: the JOB_IDs `failed` lists, or --all."""
    if bool(job_ids) == every:
        raise click.UsageError("name the jobs to retry, or pass --all")
    from mailer import worker as mail_worker

    requeued, missing = mail_worker.retry_failed(mail_worker.connection(), None if every else list(job_ids))
    click.echo(f"requeued {len(requeued)} email(s)")
    if missing:
        raise click.ClickException(f"not in the failed registry: {', '.join(missing)}")


@cli.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=1025, show_default=True, type=click.IntRange(1, 65535))
@click.option("--dir", "directory", type=click.Path(file_okay=False, path_type=Path),
              help="Where to keep the messages  [default: <SHOP_VAR_DIR>/mail]")
def sink(host: str, port: int, directory: Path | None) -> None:
    """Run a local SMTP server keeping each message as an .eml file, until Ctrl-C or SIGTERM."""
    from mailer.sink import MailSink

    if directory is None:
        var_dir = load_settings("mailer", [s for s in USED_COMMON if s.name == "VAR_DIR"])["VAR_DIR"]
        directory = Path(var_dir) / "mail"
    server = MailSink(directory, host, port)
    server.start()
    click.echo(f"SMTP sink on {host}:{port}, keeping mail in {directory}")
    stop = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stop.set())
    try:
        stop.wait()
    finally:
        server.stop()
