"""The test results of an edition as a small page: ``index.html`` and ``results.json``.

The release workflow (``.github/workflows/release.yml``) runs the test suite with
``--junitxml`` and then writes, with this script, ``_build/html/test-results/``: every test
id (``tests/test_x.py::test_name[param]``, as the ledger page names them), its outcome
(passed, failed, error, skipped) and duration, with the date of the run, the commit and the
edition. The ledger page (``book/ledger.md``) links it.

Usage::

    python scripts/test_results_page.py JUNIT_XML OUT_DIR [--edition TAG] [--commit SHA] [--root DIR]

The page is one self-contained HTML file (no script, no style sheet from elsewhere).
"""

from __future__ import annotations

import argparse
import datetime as _dt
import html
import json
import os
import subprocess
import xml.etree.ElementTree as ET
from dataclasses import asdict, dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUTCOMES = ("passed", "failed", "error", "skipped")


@dataclass(frozen=True)
class Result:
    id: str
    outcome: str
    duration_s: float
    message: str = ""


def test_id(classname: str, name: str, root: Path | None = None) -> str:
    """pytest's node id from a junit ``classname`` (``tests.test_x`` or ``tests.test_x.TestClass``) and ``name``.

    The module is the longest dotted prefix that is a file under ``root``; without ``root``
    (or when none is), the prefix up to the first part named ``test_*`` or ``*_test``.
    """
    parts = classname.split(".") if classname else []
    split = None
    if root is not None:
        for k in range(len(parts), 0, -1):
            if (root.joinpath(*parts[:k]).with_suffix(".py")).is_file():
                split = k
                break
    if split is None:
        split = next((k + 1 for k, part in enumerate(parts) if part.startswith("test_") or part.endswith("_test")), len(parts))
    module = "/".join(parts[:split]) + ".py" if parts else ""
    return "::".join([p for p in [module, *parts[split:], name] if p])


def read_junit(path: Path, root: Path | None = ROOT) -> tuple[list[Result], str | None]:
    """The results of a junit XML file (pytest's ``--junitxml``) and the run's timestamp, if given."""
    tree = ET.parse(path)
    top = tree.getroot()
    suites = [top] if top.tag == "testsuite" else list(top.iter("testsuite"))
    results: list[Result] = []
    stamp = None
    for suite in suites:
        stamp = stamp or suite.get("timestamp")
        for case in suite.iter("testcase"):
            outcome, message = "passed", ""
            for tag, name in (("failure", "failed"), ("error", "error"), ("skipped", "skipped")):
                found = case.find(tag)
                if found is not None:
                    outcome, message = name, (found.get("message") or "").strip()
                    break
            results.append(Result(id=test_id(case.get("classname", ""), case.get("name", ""), root), outcome=outcome,
                                  duration_s=round(float(case.get("time") or 0.0), 3), message=message[:300]))
    return sorted(results, key=lambda r: r.id), stamp


def summary(results: list[Result]) -> dict[str, int]:
    return {outcome: sum(r.outcome == outcome for r in results) for outcome in OUTCOMES}


def _commit(root: Path) -> str:
    if os.environ.get("GITHUB_SHA"):
        return os.environ["GITHUB_SHA"]
    try:
        out = subprocess.run(["git", "rev-parse", "HEAD"], cwd=root, capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.SubprocessError):
        return ""
    return out.stdout.strip() if out.returncode == 0 else ""


def page(results: list[Result], *, edition: str, commit: str, date: str) -> str:
    """The HTML page of the results."""
    counts = summary(results)
    total = len(results)
    duration = sum(r.duration_s for r in results)
    rows = "\n".join(
        f'<tr class="{r.outcome}"><td><code>{html.escape(r.id)}</code></td><td>{r.outcome}</td>'
        f'<td class="num">{r.duration_s:.3f}</td><td>{html.escape(r.message)}</td></tr>'
        for r in results)
    counted = ", ".join(f"{counts[o]} {o}" for o in OUTCOMES if counts[o]) or "no test"
    title = f"Test results of {edition}"
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{html.escape(title)}</title>
<style>
body {{ font-family: system-ui, sans-serif; margin: 1rem auto; max-width: 70rem; padding: 0 1rem; color: #222; background: #fff; }}
table {{ border-collapse: collapse; width: 100%; font-size: 0.875rem; }}
th, td {{ border-bottom: 1px solid #ccc; padding: 0.25rem 0.5rem; text-align: left; vertical-align: top; }}
td code {{ overflow-wrap: anywhere; }}
td.num {{ text-align: right; white-space: nowrap; }}
tr.failed td, tr.error td {{ background: #fde8e8; }}
tr.skipped td {{ color: #555; }}
</style>
</head>
<body>
<main>
<h1>{html.escape(title)}</h1>
<p>The whole test suite of the book (<code>make test</code>), run on commit <code>{html.escape(commit or "unknown")}</code>
on {html.escape(date)}: {total} tests, {html.escape(counted)}; {duration:.0f} s of test time in all.
The tests that check a numbered statement are listed on the book's page
<a href="../book/ledger.html">What is checked, and how</a>. The same results as data:
<a href="results.json">results.json</a>.</p>
<table>
<thead><tr><th scope="col">Test</th><th scope="col">Outcome</th><th scope="col">Seconds</th><th scope="col">Message</th></tr></thead>
<tbody>
{rows}
</tbody>
</table>
</main>
</body>
</html>
"""


def write(junit: Path, out: Path, *, edition: str, commit: str, date: str | None = None, root: Path | None = ROOT) -> dict:
    """Write ``out/index.html`` and ``out/results.json`` from ``junit``; return the JSON's data."""
    results, stamp = read_junit(junit, root)
    date = date or (stamp or _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"))
    data = {"edition": edition, "commit": commit, "date": date, "summary": summary(results),
            "tests": [asdict(r) for r in results]}
    out.mkdir(parents=True, exist_ok=True)
    (out / "results.json").write_text(json.dumps(data, indent=1) + "\n", encoding="utf-8")
    (out / "index.html").write_text(page(results, edition=edition, commit=commit, date=date), encoding="utf-8")
    return data


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("junit", type=Path, help="pytest's --junitxml file")
    parser.add_argument("out", type=Path, help="folder to write index.html and results.json into")
    parser.add_argument("--edition", default=os.environ.get("NNDYN_EDITION") or "a development build")
    parser.add_argument("--commit", default=None, help="default: $GITHUB_SHA, else git rev-parse HEAD")
    parser.add_argument("--root", type=Path, default=ROOT, help="the checkout the tests ran in (to name test files)")
    args = parser.parse_args(argv)
    data = write(args.junit, args.out, edition=args.edition, commit=args.commit if args.commit is not None else _commit(args.root),
                 root=args.root)
    print(f"{len(data['tests'])} test results ({data['summary']}) in {args.out}")
    failed = data["summary"]["failed"] + data["summary"]["error"]
    return 1 if failed or not data["tests"] else 0


if __name__ == "__main__":
    raise SystemExit(main())
