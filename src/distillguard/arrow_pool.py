"""The Arrow memory pool that reading logs allocates in, handed to each Arrow call explicitly.

Arrow's default allocator, mimalloc, returns freed memory to the system within milliseconds,
so every block of a log was parsed into fresh pages that the kernel had to zero (a tenth of
the CPU time of a canonical ingest). jemalloc keeps them for the next block. The pool is
passed to the calls that build the readers' tables rather than made Arrow's process-wide
default, so a program that reads logs through distillguard keeps its own allocator.
"""

from __future__ import annotations

import os

import pyarrow as pa


def _reading_pool() -> pa.MemoryPool:
    if os.environ.get("ARROW_DEFAULT_MEMORY_POOL"):  # the user chose an allocator for Arrow: keep it
        return pa.default_memory_pool()
    try:
        return pa.jemalloc_memory_pool()
    except NotImplementedError:  # an Arrow built without jemalloc
        return pa.default_memory_pool()


READ_POOL: pa.MemoryPool = _reading_pool()
