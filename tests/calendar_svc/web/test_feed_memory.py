"""Issue finding 4: whoever holds a feed link cannot make a gunicorn worker keep a
rendering per ``?past_days=`` value; the feed cache's memory stays bounded."""

from __future__ import annotations

import datetime as dt
import urllib.request
from pathlib import Path

from tests.calendar_svc.test_subscribers import token_of
from tests.helpers.commands import Runner
from tests.helpers.servers import gunicorn

#: How much the worker may grow over 600 requests. After the first request
#: (the whole all.ics, about 0.6 MB, rendered and cached) every horizon asked
#: for below is rounded up past the largest of [feeds] past_days_choices, which
#: is the same rendering: nothing new to keep. The bound leaves room for all
#: nine renderings a feed can have per confidence filter (choices + 2, 5.4 MB)
#: and for the allocator keeping what one render used; before the fix the
#: worker kept a rendering per value, up to cache_size (512), and grew by
#: about 300 MB.
GROWTH_BOUND = 24 * 2**20
VALUES = 600


def worker_of(master: int) -> int:
    """The one worker process of the gunicorn master ``master``."""
    children = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rpartition(")")[2].split()
        except OSError:  # a process that ended while the folder was read
            continue
        if int(fields[1]) == master:  # the parent's pid, after state
            children.append(int(stat.parent.name))
    assert len(children) == 1, children
    return children[0]


def rss(pid: int) -> int:
    """The resident set size of ``pid``, in bytes."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    raise AssertionError(f"no VmRSS for {pid}")


def fetch(url: str) -> bytes:
    with urllib.request.urlopen(url, timeout=120) as response:
        assert response.status == 200
        return response.read()


def test_600_past_days_values_leave_a_workers_memory_bounded(
    imported: Runner, tmp_path: Path
) -> None:
    run = imported
    assert run("subscribers", "add", "desk@example.eu", "--all").returncode == 0
    token = token_of(run("subscribers", "token", "desk@example.eu").stdout)
    pid_file = tmp_path / "gunicorn.pid"
    options = ("--workers", "1", "--pid", str(pid_file), "calendar_svc:create_app()")
    with gunicorn(run.database, *options) as base:
        url = f"{base}/feeds/{token}/all.ics"
        # Once it has answered, the worker exists and has rendered the whole feed.
        whole = fetch(url)
        worker = worker_of(int(pid_file.read_text()))
        before = rss(worker)
        # Horizons reaching before the note's oldest event (2019): on the wall
        # clock of the server, each asks for the whole feed again.
        oldest = (dt.datetime.now(dt.UTC).date() - dt.date(2000, 1, 1)).days
        for days in range(oldest, oldest + VALUES):
            assert fetch(f"{url}?past_days={days}") == whole
        after = rss(worker)
        assert worker_of(int(pid_file.read_text())) == worker  # the same process throughout
    growth = after - before
    assert growth < GROWTH_BOUND, f"worker grew by {growth / 2**20:.1f} MB"
