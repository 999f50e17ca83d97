"""Running a ``calendar-svc`` command in the test's own process, as its script would.

click's runner gives the command its arguments, environment, standard input
and captured output; what a process would reset on exit is put back here: the
root logger (each command configures logging), the signal handlers (the mail
commands stop on SIGTERM) and the database connections of the app it loaded.
"""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import traceback

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
