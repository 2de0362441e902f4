"""Running a command on a pseudo-terminal, for tests of what a person sees there (progress bars).

POSIX only (the ``pty`` module); tests skip elsewhere with ``pytest.importorskip("pty")``.
"""
from __future__ import annotations

import os
import re
import subprocess
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

_ESCAPE = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")


@dataclass
class TerminalRun:
    """What a command did on a terminal: its exit code, what it drew (terminal codes included)
    and that text with the codes taken out."""

    returncode: int
    drawn: str

    @property
    def text(self) -> str:
        return _ESCAPE.sub("", self.drawn)


def run_on_terminal(args: Sequence[str], env: Mapping[str, str], *, stdout_gone: bool = False,
                    timeout: float = 300) -> TerminalRun:
    """Run ``args`` with standard error on a new pseudo-terminal and read everything it draws.

    Standard output goes to the same terminal, or, with ``stdout_gone``, to a pipe whose reader
    leaves at once (as ``| head -0`` does), to check a closed pipe never fails the work.
    Raises ``subprocess.TimeoutExpired`` when the command outlives ``timeout`` seconds.
    """
    import pty

    leader, follower = pty.openpty()
    try:
        proc = subprocess.Popen(list(args), env=dict(env), stderr=follower,
                                stdout=subprocess.PIPE if stdout_gone else follower)
        if stdout_gone:
            proc.stdout.close()
    finally:
        os.close(follower)
    shown = b""
    try:
        while True:
            try:
                chunk = os.read(leader, 65536)
            except OSError:  # the command closed its end of the terminal
                break
            if not chunk:
                break
            shown += chunk
        returncode = proc.wait(timeout=timeout)
    finally:
        os.close(leader)
    return TerminalRun(returncode, shown.decode("utf-8", "replace"))
