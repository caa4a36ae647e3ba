"""Pausing Python's cyclic garbage collector around work that makes many objects at once."""

from __future__ import annotations

import gc
from contextlib import contextmanager


@contextmanager
def paused():
    """No cyclic collection inside: work that creates tens of thousands of objects and frees few
    of them until it ends otherwise triggers collection after collection, each re-scanning the
    new objects (and every few a full one over the whole process). Refcounting still frees
    what is dropped. Re-enabled only if it was on (another thread may pause it too). Usable
    as a decorator."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
