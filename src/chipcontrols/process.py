"""Process-wide housekeeping."""

from __future__ import annotations

import gc
import threading

_settled = False
_lock = threading.Lock()


def settle_long_lived() -> None:
    """Once per process, after its first answer has loaded the rulebook, the catalog and the
    list indexes (millions of objects that live as long as the process): collect, then keep
    everything alive out of later collections, which would otherwise walk it all again
    (about 7% of a recorded answer's CPU time)."""
    global _settled
    if _settled:
        return
    with _lock:
        if not _settled:
            _settled = True
            gc.collect()
            gc.freeze()
