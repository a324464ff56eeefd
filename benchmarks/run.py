"""`make bench`: time the package's paths against plain PyTorch; write RESULTS.md.

Sections (each measured alternately against its plain-PyTorch reference, in this process):

* ``gd``: full-batch GD, :func:`nndyn.train` vs a plain loop (:mod:`gd_workloads`);
* ``online``: online SGD on the parity, :func:`nndyn.training.online.train_online` vs a plain loop
  (:mod:`online_workloads`);
* ``ntk``: tangent-kernel Gram matrices, :mod:`nndyn.ntk` / :mod:`nndyn.kernels` vs plain autograd
  (:mod:`ntk_workloads`);
* ``seeds``: 8 seeds in one batched computation (:mod:`nndyn.training.batched`) vs one seed
  (:mod:`seed_workloads`);
* ``imports``: ``import nndyn`` against ``import torch``, and the start of the command line
  (``--help``, ``list``), each in a fresh process (:mod:`import_workloads`);
* ``book``: the whole-book build, cold, warm and after edits, and a cold build with one
  process compared with the parallel one (:mod:`book_build`; minutes of both cores, so only
  with ``--book``);
* ``tests``: ``make test`` from a fresh clone, install included (:mod:`test_suite`; only
  with ``--only tests``).

Every run stores its sections in ``benchmarks/results.json`` and writes ``RESULTS.md`` from
all stored sections, so ``make bench`` refreshes the first four and keeps the last book
measurement.

The measurements run with glibc's malloc thresholds fixed (``nndyn._malloc.MALLOC_ENV``,
which the book build also uses; the script re-executes itself with them).
With glibc's default, adaptive thresholds, the number of page faults a step of the online
SGD pays depends on what ran before in the process, by thousands per step either way, and
the ratio of two alternating paths swings by tens of percent; the online workload is also
measured once without them (a subprocess) and both rows are reported. ``--default-malloc``
runs everything with glibc's defaults. Usage::

    python benchmarks/run.py [--book [--book-patch FILE::OLD::NEW ...] | --only SECTION ...] [--threads N] [--default-malloc]

``--threads`` (default 1) is torch's thread count for the measurements (0: torch's default).

Not part of the test suite: tests assert behaviour, these measure speed.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import subprocess
import sys
from pathlib import Path

from nndyn._malloc import MALLOC_ENV  # the build's settings (scripts/build_book.py uses the same)

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "RESULTS.md"
STORE = HERE / "results.json"
TARGET = 1.15  # package time / plain PyTorch time, every workload (the target; do not loosen)
SEED_TARGET = 2.0  # 8 seeds batched / one seed
SEEDS = 8
SECTIONS = ("gd", "online", "ntk", "seeds", "imports", "book", "tests")
GD_WORKLOADS = ((50, 4000), (1000, 2000), (10000, 300))  # (m, steps), n=50, d=20, record every 50


def _first(path: str, key: str) -> str | None:
    try:
        for line in Path(path).read_text().splitlines():
            if line.startswith(key):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return None


def cpu_model() -> str:
    """The CPU's model name (``/proc/cpuinfo``), or the architecture where there is none."""
    return _first("/proc/cpuinfo", "model name") or platform.processor() or platform.machine()


def machine() -> dict[str, str]:
    """A description of the machine and the software versions."""
    import pytorch_lightning
    import torch

    mem = _first("/proc/meminfo", "MemTotal")
    try:
        import jupyter_book
        import sphinx

        book = f"jupyter-book {jupyter_book.__version__}, Sphinx {sphinx.__version__}"
    except ImportError:
        book = "jupyter-book not installed"
    cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return {
        "cpu": f"{cpu_model()}, "
        f"{os.cpu_count()} logical CPUs ({cpus} usable)",
        "memory": f"{int(mem.split()[0]) / 2**20:.1f} GiB" if mem else "unknown",
        "os": f"{platform.system()} {platform.release()}",
        "software": f"Python {platform.python_version()}, torch {torch.__version__} ({torch.get_num_threads()} threads), "
        f"pytorch-lightning {pytorch_lightning.__version__}, {book}",
        "malloc": "glibc, thresholds fixed (" + ", ".join(f"{k}={v}" for k, v in MALLOC_ENV.items()) + ")"
        if malloc_fixed() else "glibc defaults",
    }


def _stamp() -> dict:
    # the CPU too: sections measured on different days may come from different machines
    return {"date": datetime.datetime.now().isoformat(timespec="minutes"), "load_start": round(os.getloadavg()[0], 2),
            "cpu": cpu_model()}


def _close(section: dict) -> dict:
    section["load_end"] = round(os.getloadavg()[0], 2)
    return section


# -- measuring -------------------------------------------------------------------------
def run_gd(rounds: int) -> dict:
    from gd_workloads import Workload, measure

    section = {**_stamp(), "rounds": rounds, "rows": []}
    for m, steps in GD_WORKLOADS:
        w = Workload(m=m, steps=steps)
        r = measure(w, rounds)
        section["rows"].append({"name": w.name, "m": m, "steps": steps, "record_every": w.record_every, **r})
        print(f"gd    {w.name}: ratio {r['ratio']:.3f} ({r['ratio_low']:.3f}-{r['ratio_high']:.3f})", flush=True)
    return _close(section)


def malloc_fixed() -> bool:
    return all(os.environ.get(k) == v for k, v in MALLOC_ENV.items())


def run_online(rounds: int) -> dict:
    import torch
    from online_workloads import OnlineWorkload, measure_online

    w = OnlineWorkload()
    r = measure_online(w, rounds)
    rows = [{"name": w.name, "malloc": "fixed" if malloc_fixed() else "glibc default", **w.__dict__, **r}]
    print(f"online {w.name}: ratio {r['ratio']:.3f} ({rows[0]['malloc']} malloc)", flush=True)
    if malloc_fixed():  # the same once more with glibc's default malloc, in a fresh process
        env = {k: v for k, v in os.environ.items() if k not in MALLOC_ENV}
        cmd = [sys.executable, str(HERE / "online_workloads.py"), "--json", "--rounds", str(max(3, rounds // 2)),
               "--threads", str(torch.get_num_threads())]
        proc = subprocess.run(cmd, env=env, capture_output=True, text=True, check=True)
        r2 = json.loads(proc.stdout.strip().splitlines()[-1])
        rows.append({"name": w.name, "malloc": "glibc default", **w.__dict__, **r2})
        print(f"online {w.name}: ratio {r2['ratio']:.3f} (glibc default malloc)", flush=True)
    return _close({**_stamp(), "rounds": rounds, "rows": rows})


def run_ntk(rounds: int) -> dict:
    from ntk_workloads import WORKLOADS, measure_gram

    section = {**_stamp(), "rounds": rounds, "rows": []}
    for w in WORKLOADS:
        r = measure_gram(w, rounds)
        section["rows"].append({"name": w.name, "chapter": w.chapter, "package_fn": w.package_name,
                                "plain_fn": w.plain_name, "reps": w.reps, **r})
        print(f"ntk   {w.name}: ratio {r['ratio']:.3f}", flush=True)
    return _close(section)


def run_seeds(rounds: int) -> dict:
    from seed_workloads import SeedWorkload, measure_seeds

    section = {**_stamp(), "rounds": rounds, "rows": []}
    for m in (50, 100):
        w = SeedWorkload(m=m, seeds=SEEDS)
        r = measure_seeds(w, rounds)
        section["rows"].append({"name": w.name, **w.__dict__, **r})
        print(f"seeds {w.name}: {r['ratio_plain1']:.2f} x plain, {r['ratio_train1']:.2f} x train, "
              f"{r['ratio_batched1']:.2f} x batched(1)", flush=True)
    return _close(section)


def run_imports(rounds: int) -> dict:
    from import_workloads import measure_imports

    section = {**_stamp(), "rounds": rounds, "rows": measure_imports(rounds)}
    for r in section["rows"]:
        print(f"imports {r['name']}: {r['median']:.3f} s ({r['over_torch']:.2f} x import torch)", flush=True)
    return _close(section)


def import_checks(s: dict) -> list[tuple[str, str, bool]]:
    """(target, measured, met) for the import and command-line targets."""
    from import_workloads import CLI_TARGET, IMPORT_TARGET

    rows = {r["name"]: r for r in s.get("rows", [])}
    out = []
    for name in ("import nndyn", "from nndyn import TwoLayerNet, train, single_neuron_data"):
        if name in rows:
            r = rows[name]
            out.append((f"`{name}` <= {IMPORT_TARGET:g} x `import torch`", f"{r['over_torch']:.2f} x ({r['median']:.2f} s)",
                        r["over_torch"] <= IMPORT_TARGET))
    for name in ("python -m nndyn --help", "python -m nndyn list"):
        if name in rows:
            r = rows[name]
            cpu = f", CPU {r['cpu']:.2f} s" if "cpu" in r else ""
            out.append((f"`{name}` < {CLI_TARGET:g} s", f"{r['median']:.2f} s{cpu}", r["median"] < CLI_TARGET))
    return out


def render_imports(s: dict) -> list[str]:
    lines = ["## Import and start-up times", "",
             f"Fresh `python` processes, warm file cache, commands alternating, median of {s['rounds']} rounds "
             f"({_when(s, threads=False)}). `import nndyn` loads nothing heavy; torch is imported with the first "
             "model or sampler, and Lightning only when a training starts.", "",
             "| command | median wall | min-max wall | x `import torch` | median CPU (user+sys) | CPU x `import torch` |",
             "|---|---|---|---|---|---|"]
    for r in s["rows"]:
        cpu = (f"{r['cpu']:.3f} s | {r['cpu_over_torch']:.2f}" if "cpu" in r else "n/a | n/a")
        lines.append(f"| `{r['name']}` | {r['median']:.3f} s | {r['min']:.3f}-{r['max']:.3f} s | {r['over_torch']:.2f} | {cpu} |")
    return lines + [""]


def run_tests() -> dict:
    from test_suite import measure_suite

    return _close({**_stamp(), **measure_suite()})


def render_tests(s: dict) -> list[str]:
    from test_suite import TARGET_S

    lines = [
        "## Test suite from a fresh clone", "",
        f"`python benchmarks/run.py --only tests` (`benchmarks/test_suite.py`): a clone of commit {s['commit']} with no "
        "`.venv` and no build, `CI=true`, `make venv` (timed alone) then `make test` (npm's axe-core, then pytest on "
        f"{s['cores']} cores with pytest-xdist, the quick book built in the background). " + _when(s, threads=False), "",
        "| step | wall time |", "|---|---|",
        f"| `make venv` (uv: every pin, torch from the local wheel) | {s['venv_seconds']:.0f} s |",
        f"| `make test` | {s['test_seconds']:.0f} s (pytest {s['pytest_seconds'] or float('nan'):.0f} s: {s['summary']}) |",
        f"| together | {s['total_seconds']:.0f} s ({s['total_seconds'] / 60:.1f} min; target {TARGET_S / 60:.0f} min: "
        f"{_yes(s['ok'] and s['total_seconds'] <= TARGET_S)}) |", "",
        "Slowest tests (pytest `--durations`; a test's time includes waiting for the cores it shares):", "",
        "| seconds | phase | test |", "|---|---|---|",
    ]
    lines += [f"| {r['seconds']:.1f} | {r['phase']} | `{r['test']}` |" for r in s["slowest"]]
    return lines + [""]


def run_book(patches: list[str]) -> dict:
    from book_build import measure_book

    return _close({**_stamp(), **measure_book("full", patches=patches, serial=True)})


# -- writing ---------------------------------------------------------------------------
def _code(text: str) -> str:
    """``text`` as a Markdown code span, fenced by more backticks than it contains in a row."""
    run = max((len(m) for m in __import__("re").findall(r"`+", text)), default=0)
    fence = "`" * (run + 1)
    return f"{fence} {text} {fence}" if run else f"`{text}`"


def _yes(ok: bool) -> str:
    return "yes" if ok else "**NO**"


def _when(s: dict, threads: bool = True) -> str:
    threads = f", torch threads {s['threads']}" if threads and "threads" in s else ""
    cpu = f" on {s['cpu']}" if "cpu" in s else ""
    return f"Measured {s['date']}{cpu}{threads}; load average {s['load_start']} at the start, {s['load_end']} at the end."


def _ms(wall: float, cpu: float | None) -> str:
    return f"{wall * 1e3:.3f}" if cpu is None else f"{wall * 1e3:.3f} ({cpu * 1e3:.3f})"


def _ratio(r: dict) -> str:
    if "ratio_low" in r:
        return f"{r['ratio']:.3f} ({r['ratio_low']:.3f}-{r['ratio_high']:.3f})"
    return f"{r['ratio']:.3f}"


def _ratio_cpu(r: dict) -> str:
    return f"{r['ratio_cpu']:.3f} ({r['ratio_cpu_low']:.3f}-{r['ratio_cpu_high']:.3f})"


def judged(r: dict) -> float:
    """The ratio a target is judged on: the median of the rounds' wall-clock ratios."""
    return r["ratio"]


METHOD = (
    "**Method.** Every comparison runs its two paths alternately in one process, the order swapped every round, on the "
    "same data, initialisation and batches, and checks that both give the same results. Times are medians over the "
    "rounds; a ratio is the median of the rounds' ratios (range in brackets), and the targets are judged on it "
    "(wall-clock time). \"Of minima\" divides the two paths' fastest rounds, a second estimate. The machine may be "
    "shared with other work (load averages below); on a busy one, rounds of the same code differed by up to tens of "
    "percent. The CPU time of the process (`time.process_time`, in brackets) tracks the wall-clock time, so the spread "
    "is not time spent waiting for a core but slower execution while other work runs (shared caches and memory "
    "bandwidth, virtual CPUs shared by the host); more rounds narrow the median, not the range. torch runs one thread "
    "(`--threads`, default 1): with two threads on two busy cores a step waits for the other thread's time slice, and "
    "single rounds came out up to 15x slower."
)


def render_gd(s: dict) -> list[str]:
    lines = [
        "### Full-batch GD (`nndyn.train` vs a plain loop)", "",
        "`nndyn.train` (Lightning `Trainer` built and fitted inside the timing; several GD steps per "
        "`training_step`) against a plain PyTorch loop (`torch.optim.SGD`, the same steps and records), "
        f"{s['rounds']} rounds; both loss curves are checked equal. " + _when(s), "",
        f"| workload | steps | record every | Lightning ms/step, wall (CPU) | plain ms/step, wall (CPU) | ratio (range) "
        f"| ratio of CPU times (range) | of minima | <= {TARGET} |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for r in s["rows"]:
        lines.append(f"| {r['name']} | {r['steps']} | {r['record_every']} | {_ms(r['lightning'], r.get('lightning_cpu'))} "
                     f"| {_ms(r['plain'], r.get('plain_cpu'))} | {r['ratio']:.3f} ({r['ratio_low']:.3f}-{r['ratio_high']:.3f}) "
                     f"| {_ratio_cpu(r) if 'ratio_cpu' in r else '-'} | {r['ratio_min']:.3f} | {_yes(judged(r) <= TARGET)} |")
    lines += [
        "", "Where the Lightning path's time goes (wall clock, medians, ms; from a callback's time stamps at the hooks):", "",
        "| workload | before the first call | between calls (per call) | after | Lightning's own cost, % of plain | "
        "inside `training_step` / whole plain loop |",
        "|---|---|---|---|---|---|",
    ]
    for r in s["rows"]:
        own = (r["before"] + r["between"] + r["after"]) / r["plain_total"]
        lines.append(f"| m={r['m']} | {r['before'] * 1e3:.1f} | {r['between'] * 1e3:.1f} ({r['between'] / r['calls'] * 1e3:.2f} x {int(r['calls'])}) "
                     f"| {r['after'] * 1e3:.1f} | {own:.1%} | {r['inside_over_plain']:.3f} |")
    small = min(s["rows"], key=lambda r: r["m"])
    own = (small["before"] + small["between"] + small["after"]) / small["plain_total"]
    lines += ["", f"At m={small['m']}, where a step is cheapest and Lightning's cost weighs most, the Lightning path's own "
                  f"cost is {own:.1%} of the plain loop ({small['before'] * 1e3:.0f} ms before the first call, "
                  f"{small['between'] / small['calls'] * 1e3:.2f} ms per call x {int(small['calls'])} calls, records included); "
                  "the steps inside `training_step` do the plain loop's arithmetic, and the rest of the difference "
                  "in a round is within the spread between rounds (last column, and the ranges above)."]
    lines += ["", "\"Before the first call\": argument checks, the `GDModule`, the `Trainer`, `fit`'s set-up and the "
                  "record at step 0; \"between calls\": Lightning's loop (next batch, counters, hooks) and the record after "
                  "each call (the plain loop makes the same records, about 0.1 ms each at m=50); \"inside\": the "
                  "gradient steps, the same arithmetic as the plain loop's."]
    return lines + [""]


def render_online(s: dict) -> list[str]:
    r0 = s["rows"][0]
    lines = [
        "### Online SGD on the parity (`train_online` vs a plain loop)", "",
        f"`train_online` (Lightning, automatic optimisation, one SGD step per `training_step`, test evaluation every "
        f"{r0['eval_every']} steps on {r0['n_test']} points) against a plain loop making the same steps on the same "
        f"batches (`ParityStream`) with the same evaluations; lr {r0['lr']}, {r0['steps']} steps per round, "
        f"{s['rounds']} rounds ({max(3, s['rounds'] // 2)} for the second row). The two paths' histories are identical "
        f"(largest difference {max(r['max_abs_diff'] for r in s['rows']):.1e}). Page faults: minor faults of the "
        "process per step. " + _when(s), "",
        f"| workload | malloc | package ms/step, wall (CPU) | plain ms/step, wall (CPU) | ratio (range) | ratio of CPU times (range) "
        f"| of minima | page faults per step (package, plain) | <= {TARGET} |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for r in s["rows"]:
        lines.append(f"| {r['name']} | {r.get('malloc', '?')} | {_ms(r['package'], r.get('package_cpu'))} | {_ms(r['plain'], r.get('plain_cpu'))} "
                     f"| {_ratio(r)} | {_ratio_cpu(r) if 'ratio_cpu' in r else '-'} | {r['ratio_min']:.3f} "
                     f"| {r.get('package_faults', float('nan')):.0f}, {r.get('plain_faults', float('nan')):.0f} "
                     f"| {_yes(judged(r) <= TARGET)} |")
    if len(s["rows"]) > 1:
        lines += ["", "The target is judged on the first row. With glibc's adaptive malloc thresholds a step pays "
                      "thousands of page faults, how many depends on the process's history, and either path can come "
                      "out slower by tens of percent; with the thresholds fixed neither path faults and a step is much "
                      "faster. The book build now runs its notebooks with the fixed thresholds (`scripts/build_book.py`)."]
    return lines + [""]


def render_ntk(s: dict) -> list[str]:
    lines = [
        "### Tangent kernels (Gram matrices)", "",
        "Here a *step* is one computation of one Gram matrix. The package's `torch.func` functions (`vmap` of "
        "`jacrev`) against the plain way (per point: a forward pass and `torch.autograd.grad`, the gradients "
        "stacked into the Jacobian J, then J J^T); `explicit_gram` against the same formula written inline. "
        f"Sizes of the `full` preset; both results agree to 1e-10 (relative). {s['rounds']} rounds. " + _when(s), "",
        f"| computation (chapter) | package | reference | package ms, wall (CPU) | plain ms, wall (CPU) | ratio (range) "
        f"| ratio of CPU times (range) | of minima | <= {TARGET} |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for r in s["rows"]:
        lines.append(f"| {r['name']} ({r['chapter']}) | `{r['package_fn']}` | {r['plain_fn']} | {_ms(r['package'], r.get('package_cpu'))} | "
                     f"{_ms(r['plain'], r.get('plain_cpu'))} | {_ratio(r)} | {_ratio_cpu(r) if 'ratio_cpu' in r else '-'} "
                     f"| {r['ratio_min']:.3f} | {_yes(judged(r) <= TARGET)} |")
    return lines + [""]


def seed_ratio(r: dict, base: str = "plain1") -> float:
    return r[f"ratio_{base}"]


def render_seeds(s: dict) -> list[str]:
    lines = [
        "## Seeds as one batched computation", "",
        f"`nndyn.training.batched.train_seeds` trains {SEEDS} networks (seeds 0-{SEEDS - 1}) by full-batch GD in one "
        "computation (stacked parameters, the notes' gradients written out, batched matrix products); seed s of it "
        "equals the single-seed run of `nndyn.train` to about 1e-16 (`tests/test_batched.py` asserts 1e-10). Every "
        "variant makes the same number of steps and records; one seed is run three ways: the plain loop, "
        f"`nndyn.train`, and `train_seeds` with one seed. Target: {SEEDS} seeds <= {SEED_TARGET:g} x one seed run "
        "the ordinary way, judged against the plain loop (the faster ordinary way); ms/step wall-clock (CPU), ratios "
        f"wall-clock (CPU). {s['rounds']} rounds. " + _when(s), "",
        f"| workload | steps | {SEEDS} seeds batched, ms/step | one seed: plain | `nndyn.train` | `train_seeds` | "
        f"{SEEDS} seeds / plain | / `train` | / `train_seeds`(1) | <= {SEED_TARGET:g} x |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in s["rows"]:
        def cell(base: str) -> str:
            return f"{seed_ratio(r, base):.2f} ({r.get(f'ratio_cpu_{base}', float('nan')):.2f})"

        lines.append(f"| {r['name']} | {r['steps']} | {_ms(r['batched'], r.get('batched_cpu'))} | {_ms(r['plain1'], r.get('plain1_cpu'))} "
                     f"| {_ms(r['train1'], r.get('train1_cpu'))} | {_ms(r['batched1'], r.get('batched1_cpu'))} | {cell('plain1')} "
                     f"| {cell('train1')} | {cell('batched1')} | {_yes(seed_ratio(r) <= SEED_TARGET)} |")
    over = [r for r in s["rows"] if seed_ratio(r, "batched1") > SEED_TARGET]
    if over:
        lines += ["", f"`train_seeds` with one seed is itself {min(seed_ratio(r, 'batched1') / seed_ratio(r) for r in s['rows']):.1f}x "
                      "or more faster than the plain loop (no autograd graph, no optimizer). Against it, "
                      f"{SEEDS} seeds cost more than {SEED_TARGET:g}x at "
                      + ", ".join(f"m={r['m']} ({seed_ratio(r, 'batched1'):.2f}x)" for r in over)
                      + f": a step of {SEEDS} seeds does {SEEDS}x the arithmetic of one, which at these widths is no "
                      "longer negligible next to the fixed cost of each operation."]
    return lines + [""]


BOOK_TARGETS = {"cold": 240.0, "warm": 10.0}
"""Seconds: a cold full build (install done) and a rebuild with nothing changed (issue 15)."""


def book_checks(s: dict) -> dict[str, tuple[str, bool]]:
    """Measured value and verdict of each book-build target."""
    b = {r["name"]: r for r in s["builds"]}
    out = {}
    if "cold" in b:
        out["cold"] = (f"{b['cold']['seconds']:.0f} s ({b['cold']['seconds'] / 60:.1f} min)", b["cold"]["ok"] and b["cold"]["seconds"] <= BOOK_TARGETS["cold"])
    if "warm" in b:
        out["warm"] = (f"{b['warm']['seconds']:.1f} s", b["warm"]["ok"] and b["warm"]["seconds"] <= BOOK_TARGETS["warm"])
    if "prose edit" in b:
        n = len(b["prose edit"]["executed"])
        out["prose"] = (f"{n} notebooks executed", b["prose edit"]["ok"] and n == 0 and s.get("prose_edit_in_html", False))
    if "code edit" in b:
        ex = b["code edit"]["executed"]
        out["code"] = (f"executed: {', '.join(ex) or 'none'}", b["code edit"]["ok"] and ex == [s["code_chapter"]])
    comparison = s.get("serial_vs_parallel")
    if comparison:
        out["same"] = (f"{comparison['notebooks']} notebooks, {comparison['outputs']} outputs, "
                       f"{len(comparison['differences'])} differences", not comparison["differences"])
    return out


def render_book(s: dict) -> list[str]:
    lines = [
        "## Whole-book build", "",
        f"`scripts/build_book.py --preset {s['preset']}` (what `make book` runs) in a temporary copy of the book, by "
        "`python benchmarks/run.py --book` (`benchmarks/book_build.py`). Wall time of the whole command; a notebook "
        "counts as executed when myst-nb logs `Executing notebook` for it (checked against the new rows of the "
        "jupyter-cache database). Prose edit: a sentence added to "
        f"`{s['prose_chapter']}`; code edit: a statement added to the first code cell of `{s['code_chapter']}`. "
        "Load: the 1-minute load average before and after each build (and its mean over the build, sampled every 5 s, "
        "where recorded). " + _when(s, threads=False), "",
        "| build | wall time | `--all` | pages read | notebooks executed | load before, after (mean) | target | met |",
        "|---|---|---|---|---|---|---|---|",
    ]
    checks = book_checks(s)
    target = {"cold": (f"<= {BOOK_TARGETS['cold']:.0f} s", "cold"), "warm": (f"<= {BOOK_TARGETS['warm']:.0f} s", "warm"),
              "prose edit": ("0 executed", "prose"),
              "code edit": (f"only `{s['code_chapter']}`", "code")}
    for r in s["builds"]:
        t, key = target.get(r["name"], ("-", None))
        met = _yes(checks[key][1]) if key in checks else "-"
        executed = f"{len(r['executed'])}" + (f" ({', '.join(Path(p).stem for p in r['executed'])})" if 0 < len(r["executed"]) <= 3 else "")
        load = f"{r['load'][0]}, {r['load'][1]}" + (f" ({r['load_mean']})" if r.get("load_mean") is not None else "")
        lines.append(f"| {r['name']}{'' if r['ok'] else ' (FAILED)'} | {r['seconds']:.1f} s | {'yes' if r['full'] else 'no'} "
                     f"| {r['pages_read']} | {executed} | {load} | {t} | {met} |")
    cold = next((r for r in s["builds"] if r["name"] == "cold"), None)
    if cold and cold.get("exec_seconds"):
        total = sum(cold["exec_seconds"].values())
        per = ", ".join(f"{Path(k).stem[:2] if Path(k).stem[:2].isdigit() else Path(k).stem} {v:.0f} s"
                        for k, v in cold["exec_seconds"].items())
        lines += ["", f"Cold build: the notebooks' executions, two at a time, add up to {total:.0f} s within the {cold['seconds']:.0f} s "
                      f"of the build ({per}); the build's other work is Sphinx's (reading, the API page's imports, writing)."]
    lines += ["", f"The prose edit is in the rebuilt HTML: {'yes' if s.get('prose_edit_in_html') else 'NO'}."]
    comparison = s.get("serial_vs_parallel")
    serial = next((r for r in s["builds"] if r["name"] == "cold serial"), None)
    if comparison and serial and cold:
        lines += ["", f"Chapters two at a time against one at a time: the cold build with one process (`NNDYN_BUILD_JOBS=1`, "
                      f"in a second copy; its kernels get the threads of the parallel build's, see `scripts/parallel_jb.py`) took {serial['seconds']:.0f} s, the parallel one "
                      f"{cold['seconds']:.0f} s ({serial['seconds'] / cold['seconds']:.2f}x faster). Their executed notebooks "
                      f"were compared output by output ({comparison['notebooks']} notebooks, {comparison['outputs']} outputs: "
                      "every glued value, text and image, except wall-clock timings): "
                      + ("identical." if not comparison["differences"] else "DIFFERENT: " + "; ".join(comparison["differences"][:5]))]
    site = s.get("serial_vs_parallel_html")
    if site:
        pages = site["differing"]
        text = (f"The two cold sites compared page by page (`compare_sites`; Sphinx's `?v=` suffixes of static files removed): "
                f"{site['pages']} pages, {len(pages)} differ"
                + (f", {len(site['only_in_one'])} in one site only: {', '.join(site['only_in_one'])}" if site["only_in_one"] else "")
                + (" (the first lines that differ in each, serial -> parallel):" if pages else "."))
        lines += ["", text]
        for name, d in pages.items():
            shown = "; ".join(f"{_code(a[:160])} -> {_code(b[:160])}" for a, b in d["first"])
            lines.append(f"* `{name}`: {d['blocks']} block{'s' if d['blocks'] != 1 else ''} ({shown})")
    if s.get("patches"):
        lines += ["", "The copy was patched before the first build (`--book-patch`), because the repository's build failed "
                      "on these references with `-W -n` when it was measured; the patches change docstrings only, not what "
                      "is executed:", ""]
        lines += [f"* `{p['file']}`: {_code(p['old'].strip())} -> {_code(p['new'].strip())}"
                  f"{'' if p['applied'] else ' (not found: not applied)'}" for p in s["patches"]]
    if s.get("notes"):
        lines += ["", *s["notes"]]
    return lines + [""]


def summary(store: dict) -> list[str]:
    rows = []
    ratios = []
    for key in ("gd", "online", "ntk"):
        for r in store.get(key, {}).get("rows", [])[: 1 if key == "online" else None]:
            ratios.append((judged(r), r["name"]))
    if ratios:
        worst = max(ratios)
        missed = [n for v, n in ratios if v > TARGET]
        rows.append(f"| package / plain PyTorch <= {TARGET}, every workload | worst {worst[0]:.3f} ({worst[1]}) | "
                    f"{_yes(not missed)}{'' if not missed else ': missed on ' + '; '.join(missed)} |")
    for r in store.get("seeds", {}).get("rows", []):
        rows.append(f"| {SEEDS} seeds batched <= {SEED_TARGET:g} x one seed ({r['name'].split(', ')[2]}) | "
                    f"{seed_ratio(r):.2f} x the plain loop ({seed_ratio(r, 'train1'):.2f} x `nndyn.train`, "
                    f"{seed_ratio(r, 'batched1'):.2f} x `train_seeds` with one seed) | {_yes(seed_ratio(r) <= SEED_TARGET)} |")
    if "imports" in store:
        for target, value, ok in import_checks(store["imports"]):
            rows.append(f"| {target} | {value} | {_yes(ok)} |")
    if "book" in store:
        names = {"cold": f"cold full build <= {BOOK_TARGETS['cold'] / 60:.0f} min", "warm": f"warm rebuild <= {BOOK_TARGETS['warm']:.0f} s",
                 "prose": "prose edit: 0 notebooks re-executed", "code": "code edit: only that chapter re-executes",
                 "same": "parallel and serial builds execute to the same outputs"}
        for key, (value, ok) in book_checks(store["book"]).items():
            rows.append(f"| {names[key]} | {value} | {_yes(ok)} |")
    if "tests" in store:
        from test_suite import TARGET_S

        t = store["tests"]
        rows.append(f"| `make test` from a fresh clone, install included <= {TARGET_S / 60:.0f} min | {t['total_seconds']:.0f} s "
                    f"({t['total_seconds'] / 60:.1f} min: install {t['venv_seconds']:.0f} s, tests {t['test_seconds']:.0f} s) | "
                    f"{_yes(t['ok'] and t['total_seconds'] <= TARGET_S)} |")
    return ["## Targets", "", "| target | measured | met |", "|---|---|---|", *rows, ""]


def missed(store: dict) -> list[str]:
    """One paragraph per missed target, with the numbers that explain it."""
    out = []
    gd = store.get("gd", {})
    for r in gd.get("rows", []):
        if judged(r) <= TARGET:
            continue
        own = r["before"] + r["between"] + r["after"]
        out.append(
            f"* **{r['name']}**: ratio {judged(r):.3f} > {TARGET} (rounds {r['ratio_low']:.3f}-{r['ratio_high']:.3f}, "
            f"of the fastest rounds {r['ratio_min']:.3f}, of CPU times {r.get('ratio_cpu', float('nan')):.3f}). Lightning's own cost per run: {r['before'] * 1e3:.1f} ms "
            f"before the first `training_step` (argument checks, `Trainer`, `fit` set-up), {r['between'] / r['calls'] * 1e3:.2f} ms "
            f"between consecutive calls x {int(r['calls'])} calls (loop bookkeeping and the record), {r['after'] * 1e3:.1f} ms "
            f"after: {own * 1e3:.0f} ms = {own / r['plain_total']:.1%} of the plain loop's {r['plain_total'] * 1e3:.0f} ms. "
            f"The steps inside `training_step` took {r['inside_over_plain']:.3f} x the whole plain loop "
            f"(load average {gd['load_start']}-{gd['load_end']} on {os.cpu_count()} CPUs)."
        )
    for key in ("online", "ntk"):
        for r in store.get(key, {}).get("rows", [])[: 1 if key == "online" else None]:
            if judged(r) > TARGET:
                text = (f"* **{r['name']}**: ratio {judged(r):.3f} > {TARGET} (rounds {r.get('ratio_low', float('nan')):.3f}-"
                        f"{r.get('ratio_high', float('nan')):.3f}, of the fastest rounds {r['ratio_min']:.3f}, of CPU times "
                        f"{r.get('ratio_cpu', float('nan')):.3f})")
                if "package_faults" in r:
                    text += (f"; page faults per {'computation' if key == 'ntk' else 'step'}: {r['package_faults']:.0f} "
                             f"(package) and {r['plain_faults']:.0f} (plain)")
                out.append(text + ".")
    for r in store.get("seeds", {}).get("rows", []):
        if seed_ratio(r) > SEED_TARGET:
            out.append(
                f"* **{r['name']}**: {seed_ratio(r):.2f} x one seed by the plain loop > {SEED_TARGET:g} x "
                f"({r['batched'] * 1e3:.3f} vs {r['plain1'] * 1e3:.3f} ms/step; one seed by `train_seeds` "
                f"{r['batched1'] * 1e3:.3f} ms/step). A step of {SEEDS} seeds does {SEEDS} x the arithmetic of one."
            )
    if "imports" in store:
        for target, value, ok in import_checks(store["imports"]):
            if not ok:
                base = {r["name"]: r for r in store["imports"]["rows"]}.get("python -c pass")
                empty = (f"; an empty `python -c pass` took {base['median']:.2f} s wall and {base['cpu']:.2f} s CPU in the "
                         "same rounds, so the wall time is the machine's load, not the work" if base and "cpu" in base else "")
                out.append(f"* **{target}**: {value} (load average {store['imports']['load_start']}-"
                           f"{store['imports']['load_end']} on {os.cpu_count()} CPUs{empty}).")
    if "book" in store:
        b = {r["name"]: r for r in store["book"]["builds"]}
        for key, (value, ok) in book_checks(store["book"]).items():
            if ok:
                continue
            if key == "same":
                out.append(f"* **parallel against serial outputs**: {value}: " + "; ".join(store["book"]["serial_vs_parallel"]["differences"][:5]))
                continue
            name = {"cold": "cold", "warm": "warm", "prose": "prose edit", "code": "code edit"}[key]
            r = b[name]
            text = f"* **{name} build**: {value}"
            if not r["ok"]:
                text += " (the build failed; see the log tail in results.json)"
            if key == "cold" and r.get("exec_seconds"):
                slow = sorted(r["exec_seconds"].items(), key=lambda kv: -kv[1])[:3]
                text += (f"; executing the notebooks took {sum(r['exec_seconds'].values()):.0f} s, the slowest "
                         + ", ".join(f"{Path(k).stem} {v:.0f} s" for k, v in slow)
                         + f"; load average {r['load'][0]} before and {r['load'][1]} after the build"
                         + (f", {r['load_mean']} on average during it" if r.get("load_mean") is not None else ""))
                times = HERE.parent / "code" / "nndyn" / "experiment_times.json"
                if times.exists():
                    t = json.loads(times.read_text())
                    total = sum(v.get("full", 0.0) for v in t["seconds"].values())
                    text += (f". For comparison, the `full` preset's experiments took {total:.0f} s in all when "
                             f"`code/nndyn/experiment_times.json` was measured ({t.get('machine', '?')})")
            out.append(text + ".")
    return out


def render(store: dict) -> str:
    m = store.get("machine", {})
    parts = [
        "# Benchmark results", "",
        "Written by `make bench` (`python benchmarks/run.py`: training paths and seeds) and `python benchmarks/run.py "
        "--book` (the book build). Each section says when and on which CPU it was measured; the machine may be shared "
        "with other work, so the load average at the start and end of each section is given.", "",
        f"Machine: {m.get('cpu', '?')}; {m.get('memory', '?')} RAM; {m.get('os', '?')}; {m.get('software', '?')}; "
        f"malloc: {m.get('malloc', '?')}.", "",
        *summary(store),
    ]
    parts += [METHOD, ""]
    if any(k in store for k in ("gd", "online", "ntk")):
        parts += ["## Training paths against plain PyTorch", ""]
        for key, fn in (("gd", render_gd), ("online", render_online), ("ntk", render_ntk)):
            if key in store:
                parts += fn(store[key])
    if "seeds" in store:
        parts += render_seeds(store["seeds"])
    if "imports" in store:
        parts += render_imports(store["imports"])
    if "book" in store:
        parts += render_book(store["book"])
    if "tests" in store:
        parts += render_tests(store["tests"])
    if store.get("contributor_notes"):  # written by hand in results.json (issue 26)
        parts += ["## A contributor's loop: one chapter, re-executions after an edit", "", *store["contributor_notes"], ""]
    parts += ["## Missed targets and why", "", *(missed(store) or ["None."]), ""]
    if store.get("history_notes"):  # written by hand in results.json: earlier measurements and what changed
        parts += ["## Earlier measurements", "", *store["history_notes"], ""]
    return "\n".join(parts).rstrip() + "\n"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--book", action="store_true", help="also time the whole-book build (minutes)")
    parser.add_argument("--only", nargs="+", choices=SECTIONS, help="measure only these sections")
    parser.add_argument("--threads", type=int, default=1,
                        help="torch.set_num_threads for the measurements (default 1; 0: torch's default)")
    parser.add_argument("--rounds", type=int, default=None, help="rounds per workload (default: 9 GD, 7 online and NTK, 5 seeds)")
    parser.add_argument("--render", action="store_true", help="only rewrite RESULTS.md from results.json")
    parser.add_argument("--book-patch", action="append", default=[], metavar="FILE::OLD::NEW",
                        help="a replacement in the book's copy before it is built (see book_build.py)")
    parser.add_argument("--default-malloc", action="store_true", help="measure with glibc's default malloc thresholds")
    parser.add_argument("--out", type=Path, default=HERE, help="folder of results.json and RESULTS.md (default: benchmarks/)")
    args = parser.parse_args(argv)
    if not args.render and not args.default_malloc and not malloc_fixed():
        # glibc reads these variables when the process starts: start again with them
        again = sys.argv[1:] if argv is None else list(argv)
        os.execve(sys.executable, [sys.executable, str(Path(__file__).resolve()), *again], {**os.environ, **MALLOC_ENV})
    import torch

    store_path, results_path = args.out / STORE.name, args.out / RESULTS.name

    if args.threads > 0:
        torch.set_num_threads(args.threads)
    store = json.loads(store_path.read_text()) if store_path.exists() else {}
    if not args.render:
        sections = args.only or [s for s in SECTIONS if (s != "book" or args.book) and s != "tests"]
        store["machine"] = machine()
        runners = {
            "gd": lambda: run_gd(args.rounds or 9),
            "online": lambda: run_online(args.rounds or 7),
            "ntk": lambda: run_ntk(args.rounds or 7),
            "seeds": lambda: run_seeds(args.rounds or 5),
            "imports": lambda: run_imports(args.rounds or 7),
            "book": lambda: run_book(args.book_patch),
            "tests": run_tests,
        }
        for name in sections:
            store[name] = {**runners[name](), "threads": torch.get_num_threads()}
            store_path.write_text(json.dumps(store, indent=2) + "\n")
    results_path.write_text(render(store))
    print(f"wrote {results_path}")


if __name__ == "__main__":
    main()
