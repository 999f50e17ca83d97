"""Python's cycle collector, paused while a pass makes many objects that all live to its end."""

from __future__ import annotations

import contextlib
import gc
from collections.abc import Iterator


@contextlib.contextmanager
def paused() -> Iterator[None]:
    """Pause the cycle collector for the block.

    A reminder pass or a rhythm pass makes hundreds of thousands of tuples
    that all live until it ends: each collection their allocations set off
    walks them, and the rest of the process's heap, to free nothing (half of
    the pass's time, and several seconds in a large process). Reference
    counting frees everything else as usual; the collector runs again
    afterwards.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
