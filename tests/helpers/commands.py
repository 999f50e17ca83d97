"""Running ``calendar-svc``: in the test's own process, as its script would, or as the script.

click's runner gives the command its arguments, environment, standard input
and captured output; what a process would reset on exit is put back here: the
root logger (each command configures logging), the signal handlers (the mail
commands stop on SIGTERM) and the database connections of the app it loaded.
"""

from __future__ import annotations

import contextlib
import logging
import os
import shutil
import signal
import subprocess
import sys
import traceback
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from click.testing import CliRunner
from flask.cli import ScriptInfo

from calendar_svc.cli import _create_app, main
from calendar_svc.extensions import EXTENSION

SIGNALS = (signal.SIGTERM, signal.SIGINT)


def invoke(
    args: list[str], *, env: dict[str, str], input_text: str | None = None
) -> subprocess.CompletedProcess[str]:
    """Run ``calendar-svc args`` with exactly ``env`` as its environment."""
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    handlers_of_signals = {s: signal.getsignal(s) for s in SIGNALS}
    info = ScriptInfo(create_app=_create_app, set_debug_flag=False, load_dotenv_defaults=False)
    environment: dict[str, str | None] = {k: None for k in os.environ if k not in env}
    environment |= env
    try:
        result = CliRunner().invoke(
            main, args, env=environment, input=input_text, obj=info, catch_exceptions=True
        )
    finally:
        app = info._loaded_app
        if app is not None:
            app.extensions[EXTENSION].engine.dispose()
        root.handlers[:] = handlers
        root.setLevel(level)
        for number, handler in handlers_of_signals.items():
            signal.signal(number, handler)
    stderr = result.stderr
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        # What the script's interpreter would have printed.
        stderr += "".join(traceback.format_exception(result.exception))
    return subprocess.CompletedProcess(
        ["calendar-svc", *args], result.exit_code, result.stdout, stderr
    )


Run = Callable[..., subprocess.CompletedProcess[str]]


@dataclass(frozen=True)
class Runner:
    """``calendar-svc`` on one database, as a user runs it.

    A call runs the command in this process through click's runner (a second
    process costs a second and a half of imports); ``script`` and ``start``
    run the installed console script, for what only a process shows (exit on
    a signal, a server, the entry point itself).
    """

    database: str
    cwd: Path

    def __call__(
        self, *args: str, env: dict[str, str] | None = None, input_text: str | None = None
    ) -> subprocess.CompletedProcess[str]:
        with contextlib.chdir(self.cwd):
            return invoke(
                ["--db", self.database, *args], env=self.environment(env), input_text=input_text
            )

    def script(
        self, *args: str, env: dict[str, str] | None = None
    ) -> subprocess.CompletedProcess[str]:
        """Run the installed console script to its end."""
        return subprocess.run(
            self.command(*args),
            capture_output=True,
            text=True,
            cwd=self.cwd,
            env=self.environment(env),
            check=False,
            timeout=120,
        )

    def start(self, *args: str) -> subprocess.Popen[str]:
        """Start a long-running command (``serve``, ``scheduler``); the caller stops it."""
        return subprocess.Popen(
            self.command(*args),
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            cwd=self.cwd,
            env=self.environment(None),
        )

    def command(self, *args: str) -> list[str]:
        script = shutil.which("calendar-svc", path=str(Path(sys.executable).parent))
        assert script, "calendar-svc is not installed in this environment"
        return [script, "--db", self.database, *args]

    @staticmethod
    def environment(env: dict[str, str] | None) -> dict[str, str]:
        return (
            {k: v for k, v in os.environ.items() if not k.startswith("CALENDAR_SVC_")}
            | {"CALENDAR_SVC_SECRET_KEY": os.environ["CALENDAR_SVC_SECRET_KEY"]}
            | (env or {})
        )


Start = Callable[..., subprocess.Popen[str]]


def script(name: str = "calendar-svc") -> str:
    found = shutil.which(name, path=str(Path(sys.executable).parent))
    assert found is not None
    return found


def run_all(run: Runner, *commands: Sequence[str]) -> None:
    """Run each command in this process, each to success: setting a database up for
    the commands under test, which run as processes."""
    for args in commands:
        result = run(*args)
        assert result.returncode == 0, result.stderr


def finish(process: subprocess.Popen[str]) -> str:
    out, err = process.communicate(timeout=120)
    assert process.returncode == 0, err
    return out
