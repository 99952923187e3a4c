"""`shop-mailer`: the mail workers, their failed jobs, and the local SMTP sink."""

from __future__ import annotations

import signal
import threading
from pathlib import Path

import click

from mailer import worker as mail_worker
from mailer.config import USED_COMMON
from shop_common.config import load_settings


@click.group(help=__doc__)
def cli() -> None:
    pass


@cli.command()
@click.option("--burst", is_flag=True, help="Send what is queued now, then stop.")
def worker(burst: bool) -> None:
    """Send queued emails until stopped (SIGTERM lets the email being sent finish)."""
    mail_worker.run(burst=burst)


@cli.command()
def failed() -> None:
    """List the emails that failed for good: job id, message id, template, last error."""
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
