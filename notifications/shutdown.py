"""Stopping between mails: a process told to stop finishes the mail in hand, then stops.

A restart (a deploy, systemd or Kubernetes stopping a unit) sends SIGTERM. The
one moment a mail could go out twice is after the SMTP server has accepted
it and before the ledger says so; dying there means the next pass sends it
again. So the handler only raises a flag, and the delivery loop looks at the
flag between mails: it marks the mail it was sending, gives back the rows it
claimed but did not send (the next process sends them at once, without
waiting for the lease), and returns. SIGKILL cannot be caught: that gap
remains, and the lease makes it at-least-once rather than lost.
"""

from __future__ import annotations

import logging
import signal
import threading

log = logging.getLogger(__name__)

#: Set by :func:`stop_on_signals`; delivery loops stop between mails once it is.
requested = threading.Event()


def stop_on_signals() -> None:
    """On SIGTERM or SIGINT, ask every delivery loop (and the scheduler) to stop."""

    def handle(signum: int, _frame: object) -> None:
        log.info("stopping (signal %s): the mail in hand goes out, the rest waits", signum)
        requested.set()

    signal.signal(signal.SIGTERM, handle)
    signal.signal(signal.SIGINT, handle)
