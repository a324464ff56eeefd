"""Build the book in one preset, re-executing every chapter when the package changed.

jupyter-cache keys a notebook on its code cells only, so an edit under ``code/`` would
leave stale figures in the cache. This script hashes, for each chapter, the package
modules its code imports, directly or not (and the pinned requirements:
``scripts/chapter_deps.py``), and removes from the execution cache the outputs of the
chapters whose hash differs from the one their outputs were made with: those re-execute,
the others come from the cache.

Sphinx re-reads only the pages that changed since the last build, unless it is given
``--all`` (a fresh environment: every page re-read, every notebook looked up in the
cache, the API page re-imported, every page re-written; about 20 s on a quiet two-core
machine when nothing changed, against about 3 s without it: benchmarks/RESULTS.md). The script passes ``--all`` only when an incremental build could
be wrong or incomplete:

* there is no record of a successful build of the same inputs (first build, a failed or
  interrupted last build: with ``-W`` the warnings of a page are reported only when the
  page is read, so after a failure every page is read again);
* the package or the requirements changed (the cache was cleared: every chapter must
  run again, including those whose text did not change);
* ``_config.yml``, ``_toc.yml`` or the bibliography changed;
* ``--all`` is given to this script.

Otherwise the build is incremental: a page whose text changed is re-read (a notebook
whose code cells changed re-executes, one whose prose only changed takes its outputs from
the cache) and the other pages are kept. One limit of Sphinx's incremental builds
remains: a page that did not change is not re-written, so a cross-reference *from* it to a
label removed elsewhere is not reported again; ``--all`` (or a fresh clone, as in CI)
checks every reference.

Usage::

    python scripts/build_book.py [--preset full|quick|lecture] [--out DIR] [--all] [--pdf]

``--_pdf-from-cache PRESET OUT`` (for the test suite's background job) makes only the PDF,
from the current HTML build in ``OUT``, and leaves the HTML alone.

``--pdf`` (``make pdf``) then builds the whole book as one PDF with Sphinx's LaTeX builder
(sphinx-jupyterbook-latex, xelatex through latexmk) into ``<out>/_build/latex/book.pdf``
and copies it into the site as ``book.pdf``. The HTML build runs first, so the PDF is
made from the same execution cache (``<out>/_build/.jupyter_cache``): when the HTML is
current nothing re-executes. The LaTeX build keeps its own Sphinx environment
(``<out>/_build/.doctrees-latex``), so it never disturbs the HTML's incremental builds.
Nothing is installed: without ``xelatex`` or ``latexmk`` the script says which Debian
packages to install (:data:`TEX_PACKAGES`) and stops.

The notebooks run with glibc's malloc thresholds fixed (:data:`MALLOC_ENV`, unless the
caller's environment sets them): by default glibc returns freed blocks of a few MB to the
system and takes fresh pages for the next ones, and the large tensors of the training
loops then cost thousands of page faults per step, more or fewer depending on what ran
before; with the thresholds fixed a step of chapter 4's online SGD ran 1.4 to 3 times
faster (``benchmarks/RESULTS.md``). Results do not change: the allocator does not enter
the arithmetic.

The ``full`` preset builds into ``_build/html``; the others into ``_build/<preset>/_build/html``.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import shutil
import subprocess
import sys
from pathlib import Path

import chapter_deps  # scripts/, beside this file
from nndyn._malloc import MALLOC_ENV  # one definition for the build and the benchmarks

ROOT = Path(__file__).resolve().parent.parent
PRESETS = ("quick", "full", "lecture")
TEX_PACKAGES = (
    "texlive-latex-recommended", "texlive-latex-extra", "texlive-fonts-recommended", "texlive-xetex",
    "texlive-pictures", "latexmk", "tex-gyre", "fonts-freefont-otf",
)
"""Debian packages (``apt-get install --no-install-recommends``) that ``--pdf`` needs: xelatex,
latexmk, the LaTeX packages sphinx-jupyterbook-latex loads (bbm, ucharclasses, unicode-math,
pgfplots, ...) and the fonts (FreeSerif, TeX Gyre)."""
PDF_NAME = "book.pdf"


def code_hash(root: Path = ROOT) -> str:
    """SHA-256 over the package sources and the pinned requirements."""
    digest = hashlib.sha256()
    files = sorted((root / "code").rglob("*.py")) + [root / "requirements.txt"]
    for path in files:
        digest.update(str(path.relative_to(root)).encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


def inputs_hash(root: Path = ROOT) -> str:
    """SHA-256 over everything that makes an incremental build unsafe when it changes.

    The package and requirements (:func:`code_hash`), the book's configuration, table of
    contents, bibliography and Sphinx extensions (``scripts/nndyn_book.py``, ``scripts/nndyn_latex.py``
    and its LaTeX package, ``scripts/nndyn_page_scripts.py``, ``scripts/experiment_modules.py``, the patches of upstream code (``scripts/sphinx_patches/``), and the notebook converters
    ``scripts/notebook_markdown.py`` and ``scripts/notebook_refs.py`` that ``nndyn_book`` uses).
    """
    digest = hashlib.sha256(code_hash(root).encode())
    for name in ("_config.yml", "_toc.yml", "book/references.bib", "scripts/nndyn_book.py", "scripts/nndyn_latex.py",
                 "scripts/latex/nndynbook.sty", "scripts/nndyn_page_scripts.py", "scripts/notebook_markdown.py",
                 "scripts/notebook_refs.py", "scripts/experiment_modules.py", "code/nndyn/_version.py",
                 *sorted(str(p.relative_to(root)) for p in (root / "scripts" / "sphinx_patches").glob("*.py"))):
        path = root / name
        digest.update(name.encode())
        digest.update(path.read_bytes() if path.exists() else b"")
    return digest.hexdigest()


def output_folder(preset: str, root: Path = ROOT) -> Path:
    """Where a preset's build goes (``jupyter-book --path-output``)."""
    return root if preset == "full" else root / "_build" / preset


def build(
    preset: str, out: Path, source: Path = ROOT, extra_args: tuple[str, ...] = (), *, force_all: bool = False
) -> Path:
    """Build the book from ``source`` into ``out``; return the path of ``index.html``.

    ``--all`` goes to jupyter-book when ``force_all`` is true or an incremental build
    could be wrong (see the module's docstring).
    """
    build_dir = out / "_build"
    ok_stamp = build_dir / ".last-successful-build"  # the inputs of the last successful build
    inputs = f"{inputs_hash(source)} {preset}"
    cache = build_dir / ".jupyter_cache"
    # Only the chapters whose nndyn imports (or the preset) changed lose their cached
    # outputs (scripts/chapter_deps.py); the stamp is rewritten before the build, so from
    # here on the cache holds executions of this code only.
    stale = chapter_deps.invalidate(cache, build_dir / ".chapter-deps.json", source, preset)
    if stale and cache.exists():
        print(f"nndyn (or the preset) changed for {len(stale)} pages: they re-execute ({', '.join(Path(d).name for d in stale)})", flush=True)
    environment = build_dir / ".doctrees" / "environment.pickle"
    last_ok = ok_stamp.read_text().strip() if ok_stamp.exists() else None
    full = force_all or last_ok != inputs or not environment.exists()
    if full and not force_all:
        print("full build (--all): " + ("no successful build of these inputs yet" if last_ok != inputs else "no saved environment"), flush=True)
    build_dir.mkdir(parents=True, exist_ok=True)
    ok_stamp.unlink(missing_ok=True)  # written back only if this build succeeds
    # The execution cache exists before the build starts: its processes would otherwise
    # both find none and race to create it (scripts/parallel_jb.py).
    from jupyter_cache.cache.db import create_db

    cache.mkdir(parents=True, exist_ok=True)
    create_db(cache).dispose()
    env = {**MALLOC_ENV, **os.environ, "NNDYN_PRESET": preset, "PYTHONWARNINGS": os.environ.get("PYTHONWARNINGS", "")}
    # jupyter-book with Sphinx's parallel read: chapters execute two at a time (scripts/parallel_jb.py)
    jb = [sys.executable, str(Path(__file__).resolve().with_name("parallel_jb.py"))]
    cmd = [*jb, "build", str(source), "--path-output", str(out), *(["--all"] if full else []), "-W", "-n", "--keep-going", *extra_args]
    print("$ NNDYN_PRESET=" + preset, " ".join(cmd), flush=True)
    result = subprocess.run(cmd, env=env)
    if result.returncode != 0:
        raise SystemExit(result.returncode)
    ok_stamp.write_text(inputs + "\n")
    return build_dir / "html" / "index.html"


def missing_tex() -> list[str]:
    """The programs ``--pdf`` needs that are not on the PATH."""
    return [prog for prog in ("xelatex", "latexmk") if shutil.which(prog) is None]


def tex_message(missing: list[str]) -> str:
    """One line: what is missing and the Debian packages that provide it."""
    return (f"make pdf needs {' and '.join(missing)}: install the Debian packages with "
            f"'apt-get install --no-install-recommends {' '.join(TEX_PACKAGES)}'")


def build_pdf(preset: str, out: Path, source: Path = ROOT, *, force_all: bool = False) -> Path:
    """Build the HTML (incremental when current), then the PDF from the same execution cache.

    Returns the path of the PDF copied into the site (``<out>/_build/html/book.pdf``).
    """
    missing = missing_tex()
    if missing:
        raise SystemExit(tex_message(missing))
    os.environ["NNDYN_PDF"] = "1"  # the HTML links the PDF made next (scripts/nndyn_book.py, site_links_pdf)
    build(preset, out, source, force_all=force_all)
    return pdf_from_cache(preset, out, source)


def pdf_from_cache(preset: str, out: Path, source: Path = ROOT) -> Path:
    """The PDF from the execution cache of the HTML build in ``out``, which must be current.

    The HTML is not touched (but for the copied ``book.pdf``), so this can run while the site
    is being read, as the test suite does after its quick build (``tests/conftest.py``).
    Returns the path of the PDF copied into the site.
    """
    missing = missing_tex()
    if missing:
        raise SystemExit(tex_message(missing))
    html_index = out / "_build" / "html" / "index.html"
    build_dir = out / "_build"
    ok_stamp = build_dir / ".last-successful-build"
    current = f"{inputs_hash(source)} {preset}"
    if not html_index.exists() or not ok_stamp.exists() or ok_stamp.read_text().strip() != current:
        raise SystemExit(f"no current {preset} build in {out}: build the HTML first (the PDF takes its outputs from that build's cache)")
    latex = build_dir / "latex"
    env = {**MALLOC_ENV, **os.environ, "NNDYN_PRESET": preset, "PYTHONWARNINGS": os.environ.get("PYTHONWARNINGS", "")}
    cmd = [sys.executable, str(Path(__file__).resolve()), "--_sphinx-latex", str(source), str(latex)]
    print("$ NNDYN_PRESET=" + preset, " ".join(cmd), flush=True)
    if subprocess.run(cmd, env=env).returncode != 0:
        raise SystemExit("the LaTeX build failed (see the messages above)")
    print(f"$ make -C {latex} all-pdf", flush=True)
    proc = subprocess.run(["make", "all-pdf", "LATEXMKOPTS=-interaction=nonstopmode -halt-on-error"], cwd=latex,
                          env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    if proc.returncode != 0:
        print(proc.stdout[-8000:])
        raise SystemExit(f"xelatex failed: see {latex / 'book.log'}")
    pdf = latex / PDF_NAME
    target = html_index.parent / PDF_NAME
    partial = target.with_name(PDF_NAME + ".partial")  # a reader of the site never sees half a file
    shutil.copy2(pdf, partial)
    os.replace(partial, target)
    return target


def _sphinx_latex(source: Path, latex: Path) -> int:
    """Sphinx's LaTeX builder over the book, as ``jupyter-book build --builder latex`` runs it,
    with its own doctree folder and the HTML's execution cache (``latex/../.jupyter_cache``)."""
    from jupyter_book.sphinx import build_sphinx

    return build_sphinx(
        str(source), str(latex), builder="latex", use_external_toc=True, noconfig=True,
        path_config=str(source / "_config.yml"), doctreedir=str(latex.parent / ".doctrees-latex"),
        confoverrides={"external_toc_path": str(source / "_toc.yml"), "latex_individualpages": False, "nitpicky": True,
                       # in the PDF a long signature on one line runs into the margin, so one
                       # parameter a line; not on the site, where Sphinx 7.4 writes such a
                       # signature as a <dl> of <dd> without <dt> (axe: definition-list, serious)
                       "maximum_signature_line_length": 88},
        warningiserror=True, keep_going=True,
    ) or 0


def main(argv: list[str] | None = None) -> None:
    if argv is None and len(sys.argv) == 4 and sys.argv[1] == "--_sphinx-latex":
        raise SystemExit(_sphinx_latex(Path(sys.argv[2]), Path(sys.argv[3])))
    if argv is None and len(sys.argv) == 4 and sys.argv[1] == "--_pdf-from-cache":  # the test suite's background build
        print(f"\nThe PDF is at: {pdf_from_cache(sys.argv[2], Path(sys.argv[3]).resolve())}")
        return
    if argv is None and sys.argv[1:] == ["--tex-packages"]:
        print(" ".join(TEX_PACKAGES))
        return
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--preset", choices=PRESETS, default=os.environ.get("NNDYN_PRESET") or "full")
    parser.add_argument("--out", type=Path, default=None, help="output folder (default depends on the preset)")
    parser.add_argument("--all", action="store_true", dest="force_all", help="re-read and re-write every page (Sphinx's fresh environment)")
    parser.add_argument("--pdf", action="store_true", help="then build the whole book as a PDF (needs xelatex and latexmk)")
    args = parser.parse_args(argv)
    out = (args.out or output_folder(args.preset)).resolve()
    if args.pdf:
        pdf = build_pdf(args.preset, out, force_all=args.force_all)
        print(f"\nThe PDF ({args.preset} preset) is at: {pdf}")
        return
    index = build(args.preset, out, force_all=args.force_all)
    print(f"\nThe book ({args.preset} preset) is at: {index}")


if __name__ == "__main__":
    main()
