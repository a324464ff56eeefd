"""Time the whole-book build: cold, warm, after a prose edit and after a code edit.

In a temporary copy of the book (``_config.yml``, ``_toc.yml``, ``book/``, ``code/``,
``scripts/``, ``requirements.txt`` and the timings file the "Reproduce" page reads), with
the repository's ``.venv`` and ``PYTHONPATH`` pointing at the copy's ``code/`` (so the
notebooks import the copied package), it runs ``scripts/build_book.py`` (what
``make book`` runs) five times:

1. ``cold``: no ``_build`` folder, no execution cache;
2. ``warm``: again, nothing changed;
3. ``warm --all``: again with ``--all`` (Sphinx re-reads every page: the script's former
   behaviour on every build);
4. ``prose edit``: after adding a sentence to the prose of one chapter (no notebook may
   re-execute);
5. ``code edit``: after adding a line to a code cell of another chapter (exactly that
   chapter may re-execute).

A notebook counts as executed when myst-nb logs ``Executing notebook`` for it; the count
is checked against the new rows of the jupyter-cache database.

The cold build executes the chapters two at a time (``scripts/parallel_jb.py``). With
``--serial`` a second copy is built cold with one process (``NNDYN_BUILD_JOBS=1``, the
build as it was before) and the two builds' executed notebooks are compared output by
output (:func:`compare_executions`): every glued value, text and image must be the same,
except wall-clock timings (glue names ending in ``seconds``, ``wall`` or ``time``, and the
timings myst-nb records). The two cold sites are also compared page by page
(:func:`compare_sites`), and the lines that differ are recorded.

``--patch FILE::OLD::NEW`` replaces a text in the copy before the first build (for a
repository whose build fails for a reason that does not bear on the timings, such as a
broken cross-reference in a docstring); the patches are recorded with the results and
listed in ``RESULTS.md``. Usage::

    python benchmarks/book_build.py [--preset full] [--keep] [--patch FILE::OLD::NEW ...]

``benchmarks/run.py --book`` runs it and puts the numbers into ``RESULTS.md``.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
COPY = ("_config.yml", "_toc.yml", "book", "code", "scripts", "requirements.txt")
PROSE_CHAPTER = "book/08_lazy_training_ntk.md"  # an expensive notebook: a re-execution would show
CODE_CHAPTER = "book/03_orthonormal_classes.md"  # a cheap one
TARGETS = {"cold": 240.0, "warm": 10.0}
TIMING_GLUE = re.compile(r"(seconds|wall|time|minutes)$")
ANSI = re.compile(r"\x1b\[[0-9;]*m")


def copy_book(dest: Path) -> None:
    """Copy what the build reads into ``dest`` (no caches, no build output)."""
    ignore = shutil.ignore_patterns("__pycache__", "_build", "*.egg-info", ".ipynb_checkpoints")
    for name in COPY:
        src = ROOT / name
        target = dest / name
        target.parent.mkdir(parents=True, exist_ok=True)
        if src.is_dir():
            shutil.copytree(src, target, ignore=ignore)
        elif src.exists():
            shutil.copy2(src, target)


def edit_prose(path: Path) -> None:
    """Add a sentence after the chapter's title (prose only: no code cell changes)."""
    lines = path.read_text().splitlines(keepends=True)
    title = next(i for i, line in enumerate(lines) if line.startswith("# "))
    lines.insert(title + 1, "\nA sentence added by the build benchmark.\n")
    path.write_text("".join(lines))


def edit_code(path: Path) -> None:
    """Add a statement at the top of the chapter's first code cell (after its options)."""
    lines = path.read_text().splitlines(keepends=True)
    i = next(i for i, line in enumerate(lines) if line.startswith("```{code-cell}")) + 1
    while lines[i].startswith(":"):
        i += 1
    lines.insert(i, "_build_benchmark_edit = 1  # a line added by the build benchmark\n")
    path.write_text("".join(lines))


def _cache_rows(build_dir: Path) -> int:
    db = build_dir / ".jupyter_cache" / "global.db"
    if not db.exists():
        return 0
    with sqlite3.connect(db) as con:
        return int(con.execute("select coalesce(max(pk), 0) from nbcache").fetchone()[0])


def executed_outputs(build_dir: Path) -> dict[str, list]:
    """The executed notebooks of a build's jupyter-cache: for each chapter, its outputs in
    order (glue name or cell index, mime type, data), without wall-clock timings."""
    from jupyter_cache import get_cache

    cache = get_cache(build_dir / ".jupyter_cache")
    found: dict[str, list] = {}
    for record in cache.list_cache_records():
        nb = cache.get_cache_bundle(record.pk).nb
        uri = record.uri or str(record.pk)
        outputs = []
        for index, cell in enumerate(nb.cells):
            for output in cell.get("outputs", []):
                name = output.get("metadata", {}).get("scrapbook", {}).get("name")
                if name and TIMING_GLUE.search(name):
                    continue
                for mime, data in sorted(output.get("data", {}).items()):
                    outputs.append((name or f"cell {index}", mime, data if isinstance(data, str) else json.dumps(data, sort_keys=True)))
                if output.get("output_type") == "stream":
                    outputs.append((f"cell {index}", output.get("name"), output.get("text")))
        found[Path(uri).name] = outputs
    return found


def compare_executions(a: Path, b: Path) -> dict:
    """Compare the executed outputs of two builds (see :func:`executed_outputs`)."""
    first, second = executed_outputs(a), executed_outputs(b)
    differences = []
    for name in sorted(set(first) | set(second)):
        x, y = first.get(name), second.get(name)
        if x is None or y is None:
            differences.append(f"{name}: executed in one build only")
        elif x != y:
            diffs = [f"{p[0]} ({p[1]})" for p, q in zip(x, y) if p != q]
            differences.append(f"{name}: {len(diffs) + abs(len(x) - len(y))} outputs differ: {diffs[:5]}")
    return {"notebooks": len(first), "outputs": sum(len(v) for v in first.values()), "differences": differences}


def output_of(work: Path, preset: str) -> Path:
    """The output folder of a build of the copy ``work`` (``scripts/build_book.py``'s rule)."""
    return work if preset == "full" else work / "_build" / preset


ASSET_VERSION = re.compile(r"\?v=[0-9a-f]+")
"""Sphinx's cache-busting suffix of a static file's link, which differs between any two builds."""


def compare_sites(a: Path, b: Path, samples: int = 3) -> dict:
    """Compare the HTML pages of two built sites, line by line, after removing
    :data:`ASSET_VERSION`; for each page that differs, its first differing lines (pairs).

    Glued wall-clock timings (the "Reproduce" page's and chapters' seconds, the execution
    report) are not removed: they are expected among the differences, and are listed.
    """
    import difflib

    pages_a = {p.relative_to(a) for p in a.rglob("*.html")}
    pages_b = {p.relative_to(b) for p in b.rglob("*.html")}
    differing = {}
    for rel in sorted(pages_a & pages_b):
        x = ASSET_VERSION.sub("", (a / rel).read_text()).splitlines()
        y = ASSET_VERSION.sub("", (b / rel).read_text()).splitlines()
        if x == y:
            continue
        changed = []
        for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(None, x, y, autojunk=False).get_opcodes():
            if tag != "equal":
                changed.append([" | ".join(x[i1:i2])[:300], " | ".join(y[j1:j2])[:300]])
        differing[str(rel)] = {"blocks": len(changed), "first": changed[:samples]}
    return {"pages": len(pages_a | pages_b), "only_in_one": sorted(str(r) for r in pages_a ^ pages_b), "differing": differing}


def run_build(work: Path, preset: str, name: str, *extra: str, jobs: int | None = None) -> dict:
    """One ``scripts/build_book.py`` run in ``work``: wall time, notebooks executed, pages re-read."""
    out = output_of(work, preset)
    build_dir = out / "_build"
    env = {**os.environ, "PYTHONPATH": str(work / "code"), "NNDYN_PRESET": preset}
    if jobs is not None:
        env["NNDYN_BUILD_JOBS"] = str(jobs)
    cmd = [sys.executable, str(work / "scripts" / "build_book.py"), "--preset", preset, *extra]
    rows_before = _cache_rows(build_dir)
    load_before = os.getloadavg()[0]
    loads: list[float] = []
    done = threading.Event()

    def sample() -> None:  # the 1-minute load average every 5 s: how busy the machine was meanwhile
        while not done.wait(5.0):
            loads.append(os.getloadavg()[0])

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    start = time.perf_counter()
    proc = subprocess.run(cmd, cwd=work, env=env, capture_output=True, text=True)
    seconds = time.perf_counter() - start
    done.set()
    sampler.join()
    log = ANSI.sub("", proc.stdout + proc.stderr)
    (work / f"build-{name.replace(' ', '-')}.log").write_text(log)
    executed = sorted(set(re.findall(r"(\S+\.(?:md|ipynb)): Executing notebook", log)))
    exec_seconds = {
        str(Path(p).relative_to(work)) if p.startswith(str(work)) else p: float(t)
        for p, t in re.findall(r"(\S+\.(?:md|ipynb)): Executed notebook in ([0-9.]+) seconds", log)
    }
    changed = re.search(r"updating environment: (?:\[[^\]]*\] )?(\d+) added, (\d+) changed", log)
    return {
        "name": name,
        "jobs": jobs,
        "seconds": round(seconds, 1),
        "ok": proc.returncode == 0,
        "full": " --all " in log.split("$ NNDYN_PRESET=", 1)[-1].splitlines()[0] + " ",
        "executed": [str(Path(p).relative_to(work)) if p.startswith(str(work)) else p for p in executed],
        "exec_seconds": exec_seconds,
        "new_cache_rows": _cache_rows(build_dir) - rows_before,
        "pages_read": int(changed.group(1)) + int(changed.group(2)) if changed else None,
        "load": [round(load_before, 2), round(os.getloadavg()[0], 2)],
        "load_mean": round(sum(loads) / len(loads), 2) if loads else None,
        "load_max": round(max(loads), 2) if loads else None,
        "tail": "" if proc.returncode == 0 else log[-3000:],
    }


def apply_patches(work: Path, patches: list[str]) -> list[dict]:
    """Apply ``FILE::OLD::NEW`` replacements in the copy; return what was applied."""
    applied = []
    for patch in patches:
        name, old, new = patch.split("::", 2)
        path = work / name
        text = path.read_text()
        found = old in text
        if found:
            path.write_text(text.replace(old, new, 1))
        applied.append({"file": name, "old": old, "new": new, "applied": found})
    return applied


def measure_book(preset: str = "full", keep: bool = False, patches: list[str] = (), serial: bool = False) -> dict:
    """The five builds of the module's docstring, in a temporary copy; returns their records.

    With ``serial``, first a cold build with one process in a second copy, whose executed
    outputs are then compared with the parallel cold build's.
    """
    work = Path(tempfile.mkdtemp(prefix="nndyn-book-bench-"))
    records, comparison, site_comparison = [], None, None
    serial_work = Path(tempfile.mkdtemp(prefix="nndyn-book-bench-serial-")) if serial else None
    try:
        if serial_work is not None:
            copy_book(serial_work)
            apply_patches(serial_work, list(patches))
            record = run_build(serial_work, preset, "cold serial", jobs=1)
            records.append(record)
            print(f"{'cold serial':12s} {record['seconds']:7.1f} s  ok={record['ok']}", flush=True)
        copy_book(work)
        applied = apply_patches(work, list(patches))
        plan = [
            ("cold", None, ()),
            ("warm", None, ()),
            ("warm --all", None, ("--all",)),
            ("prose edit", edit_prose, ()),
            ("code edit", edit_code, ()),
        ]
        for name, edit, extra in plan:
            if edit is not None:
                edit(work / (PROSE_CHAPTER if edit is edit_prose else CODE_CHAPTER))
            record = run_build(work, preset, name, *extra)
            records.append(record)
            print(f"{name:12s} {record['seconds']:7.1f} s  ok={record['ok']}  --all={record['full']}  "
                  f"executed={record['executed']}  pages read={record['pages_read']}", flush=True)
            if not record["ok"]:
                print(record["tail"], file=sys.stderr)
                break
            if name == "cold" and serial_work is not None:  # the two cold sites, before the edits change one
                site_comparison = compare_sites(output_of(serial_work, preset) / "_build" / "html",
                                                output_of(work, preset) / "_build" / "html")
                print(f"serial and parallel sites: {site_comparison['pages']} pages, "
                      f"{len(site_comparison['differing'])} differ: {sorted(site_comparison['differing'])}", flush=True)
        out = output_of(work, preset)
        if serial_work is not None and all(r["ok"] for r in records):
            serial_out = output_of(serial_work, preset)
            comparison = compare_executions(serial_out / "_build", out / "_build")
            print(f"serial and parallel executions: {comparison['notebooks']} notebooks, {comparison['outputs']} outputs, "
                  f"{len(comparison['differences'])} differences {comparison['differences'][:3]}", flush=True)
        html = (output_of(work, preset) / "_build" / "html").resolve()
        page = html / Path(PROSE_CHAPTER).with_suffix(".html")
        prose_visible = page.exists() and "A sentence added by the build benchmark." in page.read_text()
    finally:
        if keep:
            print(f"kept {work} {serial_work or ''}")
        else:
            shutil.rmtree(work, ignore_errors=True)
            if serial_work is not None:
                shutil.rmtree(serial_work, ignore_errors=True)
    return {
        "preset": preset,
        "patches": applied,
        "prose_chapter": PROSE_CHAPTER,
        "code_chapter": CODE_CHAPTER,
        "prose_edit_in_html": prose_visible,
        "serial_vs_parallel": comparison,
        "serial_vs_parallel_html": site_comparison,
        "builds": records,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--preset", default="full", choices=("quick", "full", "lecture"))
    parser.add_argument("--keep", action="store_true", help="keep the temporary copy (and its build logs)")
    parser.add_argument("--json", type=Path, default=None, help="also write the records to this file")
    parser.add_argument("--patch", action="append", default=[], help="FILE::OLD::NEW, a replacement in the copy")
    parser.add_argument("--serial", action="store_true", help="also a cold build with one process, compared with the parallel one")
    args = parser.parse_args()
    result = measure_book(args.preset, args.keep, args.patch, args.serial)
    if args.json:
        args.json.write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps({k: v for k, v in result.items() if k != "builds"}, indent=2))


if __name__ == "__main__":
    main()
