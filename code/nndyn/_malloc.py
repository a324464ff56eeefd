"""glibc malloc settings under which the book's notebooks run and the timings are measured.

One definition for the build scripts (``scripts/build_book.py``) and the benchmarks
(``benchmarks/run.py``, ``benchmarks/time_experiments.py``), which import it from the
installed package instead of from each other's folders. The package itself never reads
it: the allocator changes speed, never results.
"""

from __future__ import annotations

MALLOC_ENV = {
    "MALLOC_MMAP_THRESHOLD_": str(32 * 2**20),  # blocks below 32 MiB come from the heap and are reused
    "MALLOC_TRIM_THRESHOLD_": str(2 * 2**30),  # keep up to 2 GiB of freed heap instead of returning it
    "MALLOC_TOP_PAD_": str(256 * 2**20),  # grow the heap in large steps
}
"""glibc malloc settings for the notebooks' kernels (environment variables, see ``mallopt(3)``)."""
