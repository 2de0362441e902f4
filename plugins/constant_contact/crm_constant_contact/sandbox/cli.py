"""``crm constant-contact sandbox``: serve the sandbox until Ctrl-C and print what to configure."""

from __future__ import annotations

import shlex
import signal
import threading
import time
from pathlib import Path
from typing import Any

import click

from .control import Sandbox
from .oauth import REFRESH_MODES


#: Seconds between the main thread's checks for a stop signal (and for the end of ``run_for``).
STOP_POLL = 0.1


def _serve_until_stopped(run_for: float | None) -> None:
    """Return after ``run_for`` seconds (None: never) or once SIGINT (Ctrl-C) or SIGTERM arrives.

    The handlers only note the signal and the main thread looks every :data:`STOP_POLL` seconds,
    so no ``KeyboardInterrupt`` or ``Event.set()`` has to reach a thread blocked in a wait (a
    loaded test run once saw the sandbox miss SIGINT that way). Off the main thread, where no
    handler can be set, only ``run_for`` ends it.
    """
    stopped: list[int] = []
    previous: dict[int, Any] = {}
    if threading.current_thread() is threading.main_thread():
        for signum in (signal.SIGINT, signal.SIGTERM):
            previous[signum] = signal.signal(signum, lambda signum, _frame: stopped.append(signum))
    deadline = None if run_for is None else time.monotonic() + run_for
    try:
        while not stopped:
            left = STOP_POLL if deadline is None else min(STOP_POLL, deadline - time.monotonic())
            if left <= 0:
                return
            time.sleep(left)
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)


def describe(sb: Sandbox) -> str:
    """The labelled settings to paste into the connector's OAuth configuration."""
    configure = ("crm sync configure constant-contact"
                 f" --client-id {shlex.quote(sb.client_id)}"
                 f" --auth-url {sb.auth_url} --token-url {sb.token_url} --api-url {sb.api_url}"
                 f" --revoke-url {sb.revoke_url}")
    return "\n".join([
        f"Constant Contact sandbox listening on {sb.base_url}",
        f"  Account:       {sb.account_id}",
        f"  Client ID:     {sb.client_id}",
        f"  Client secret: {sb.client_secret}",
        f"  Auth URL:      {sb.auth_url}",
        f"  Token URL:     {sb.token_url}",
        f"  Revoke URL:    {sb.revoke_url}",
        f"  API base URL:  {sb.api_url}",
        "",
        "Configure the connector with (it asks for the client secret above):",
        f"  {configure}",
        "",
        "State: " + (f"kept in {sb.data_file}" if sb.data_file else "in memory (lost on stop; use --data FILE to keep it)"),
        "Press Ctrl-C to stop.",
    ])


@click.command("sandbox")
@click.option("--port", type=int, default=8911, show_default=True, help="Port to listen on (0 picks a free one).")
@click.option("--host", default="127.0.0.1", show_default=True, help="Interface to listen on.")
@click.option("--data", "data_file", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Keep the sandbox account in this JSON file across restarts.")
@click.option("--auto-approve", is_flag=True, help="Approve authorization requests without the consent page.")
@click.option("--no-rate-limits", is_flag=True, help="Switch off the 4/second and 10,000/day limits.")
@click.option("--refresh-mode", type=click.Choice(REFRESH_MODES), default="rotating", show_default=True,
              help="Rotating refresh tokens (each refresh invalidates the old one) or long-lived ones.")
@click.option("--redirect-uri", "redirect_uris", multiple=True, metavar="URI",
              help="Register this redirect URI (repeatable); sign-ins must then match one exactly, "
                   "as on a real Constant Contact app. Default: any loopback URI.")
@click.option("--run-for", type=float, default=None, hidden=True, help="Stop after this many seconds (tests).")
def sandbox_command(port: int, host: str, data_file: Path | None, auto_approve: bool, no_rate_limits: bool,
                    refresh_mode: str, redirect_uris: tuple[str, ...], run_for: float | None) -> None:
    """Run a local Constant Contact (V3 API and OAuth server) to develop, test or rehearse a sync."""
    limits: dict[str, Any] = {"rate_limit_per_second": None, "daily_limit": None} if no_rate_limits else {}
    try:
        sb = Sandbox(host=host, port=port, data_file=data_file, auto_approve=auto_approve,
                     redirect_uris=list(redirect_uris) or None,
                     refresh_mode=refresh_mode, **limits)
    except (ValueError, KeyError, TypeError) as exc:  # not JSON, or not a sandbox's state
        raise click.ClickException(
            f"{data_file} is not a sandbox data file ({type(exc).__name__}: {exc}). "
            "Give another --data file, or remove this one to start empty.") from None
    try:
        sb.start()
    except OSError as exc:
        raise click.ClickException(f"cannot listen on {host}:{port}: {exc}. "
                                   "Pick another --port (0 picks a free one).") from exc
    click.echo(describe(sb))
    try:
        _serve_until_stopped(run_for)
    finally:
        sb.stop()
        click.echo("Sandbox stopped." + (f" State saved to {data_file}." if data_file else ""))
