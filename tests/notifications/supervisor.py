"""Real processes restarted at chosen moments, as a deploy or a crashed host restarts them.

A :class:`Supervisor` runs one thread per slot; each slot runs its commands in
order. :meth:`Supervisor.restart_all` sends SIGTERM to every process running
at that moment (a bounded number of times); a slot starts a stopped process's
command again, and goes on to its next command once one exits 0 unasked.
"""

from __future__ import annotations

import signal
import subprocess
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

#: How long one process may take before the test gives up on it.
TIMEOUT = 240


@dataclass
class Finished:
    command: str
    returncode: int
    stdout: str
    stderr: str
    signalled: bool


@dataclass
class Supervisor:
    start: Callable[[Sequence[str]], subprocess.Popen[str]]
    max_restarts: int
    #: Per restart: what the processes it stopped were running.
    restarts: list[list[str]] = field(default_factory=list)
    finished: list[Finished] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    _running: dict[int, tuple[subprocess.Popen[str], str]] = field(default_factory=dict)
    _signalled: set[int] = field(default_factory=set)
    _closing: bool = False
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _threads: list[threading.Thread] = field(default_factory=list)

    def run(self, *slots: Sequence[Sequence[str]]) -> None:
        """Start one thread per slot, each running its commands in order."""
        for commands in slots:
            thread = threading.Thread(target=self._slot, args=(commands,), daemon=True)
            thread.start()
            self._threads.append(thread)

    def restart_all(self) -> None:
        """SIGTERM every running process (their slots start them again)."""
        with self._lock:
            if self._closing or len(self.restarts) >= self.max_restarts or not self._running:
                return
            self.restarts.append(sorted(command for _, command in self._running.values()))
            for pid, (process, _) in self._running.items():
                self._signalled.add(pid)
                process.send_signal(signal.SIGTERM)

    def stop(self) -> None:
        """SIGTERM every running process and start none again."""
        with self._lock:
            self._closing = True
            for pid, (process, _) in self._running.items():
                self._signalled.add(pid)
                process.send_signal(signal.SIGTERM)

    def join(self) -> None:
        for thread in self._threads:
            thread.join(timeout=TIMEOUT)
            if thread.is_alive():
                self.errors.append("a slot did not finish")

    def _slot(self, commands: Sequence[Sequence[str]]) -> None:
        for args in commands:
            while True:
                with self._lock:
                    if self._closing:
                        return
                    process = self.start(args)
                    self._running[process.pid] = (process, args[0])
                try:
                    out, err = process.communicate(timeout=TIMEOUT)
                except subprocess.TimeoutExpired:
                    process.kill()
                    self.errors.append(f"{' '.join(args)} did not finish")
                    return
                with self._lock:
                    del self._running[process.pid]
                    signalled = process.pid in self._signalled
                    closing = self._closing
                self.finished.append(Finished(args[0], process.returncode, out, err, signalled))
                if not signalled and process.returncode != 0:
                    self.errors.append(f"{' '.join(args)} failed unasked: {err.strip()}")
                    return
                if not signalled or closing:
                    break
