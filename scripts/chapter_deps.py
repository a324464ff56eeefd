"""Which package files each chapter's execution depends on, found statically.

jupyter-cache keys a notebook on its code cells only, so an edit under ``code/`` leaves
old outputs in the execution cache. ``scripts/build_book.py`` used to clear the whole
cache on any edit of the package; with this module it removes only the cached executions
of the chapters whose *dependencies* changed: the chapter's code cells are parsed
(``ast``), every ``nndyn`` module they import is followed through its own imports, and
the files reached (the chapter's *closure*) are hashed. A chapter re-executes when the
hash of its closure differs from the one its cached outputs were made with.

What is followed (conservatively: when in doubt, more files, never fewer):

* ``import nndyn.a.b``, ``from nndyn.a import b``, ``from . import x``, ``from ..m import y``,
  at the top of a module *and inside functions* (a lazy import counts like an eager one);
* the ``__init__.py`` of every package on the way (importing ``nndyn.a.b`` runs
  ``nndyn/__init__.py`` and ``nndyn/a/__init__.py``);
* lazy names (PEP 562) declared through :func:`nndyn._lazy.lazy_names` with a literal
  ``_WHERE``-style dict: ``from nndyn import train`` adds the module that defines ``train``;
  a package bound as a module object (``import nndyn``, ``import nndyn.training as t``)
  adds every lazy target of that package, since any attribute may be used;
* dynamic imports, ``importlib.import_module(...)`` or ``__import__(...)``: a literal
  name is that module; an f-string with a literal prefix (``f"nndyn.experiments.{name}"``)
  is every module under that prefix; anything else means *every* package file. A dynamic
  import inside a function counts only where that function's name is used (called,
  referenced, or named in ``getattr``/``hasattr``) by some code of the closure:
  ``nndyn.experiments.registry()`` imports every experiment, and a chapter depends on all
  of them only if its closure calls ``registry``. (A function reached only through
  ``getattr`` with a computed name is not seen: ``tests/test_chapter_deps.py`` lists the
  functions that import dynamically, so that a new one is looked at.) The dynamic import of
  :mod:`nndyn._lazy` is the mechanism of lazy names, resolved through the dicts above;
* a code cell that cannot be parsed means every package file.

Always part of every closure (:data:`GLOBAL_INPUTS`): ``requirements.txt`` (the versions
of everything else). A package file that is not Python (data read at run time, such as
``experiment_times.json``) is part of the closure of every module whose source names it
(its file name appears in the text: ``nndyn.reproduce`` for the timings, so that a new
timing re-executes the reproduce page only); a data file that no module names is part of
every closure, since it may be read under a computed name.

Usage::

    python scripts/chapter_deps.py                   # each chapter's nndyn modules
    python scripts/chapter_deps.py code/nndyn/ntk.py  # the chapters an edit of that file re-executes
"""

from __future__ import annotations

import ast
import hashlib
import json
import re
import sys
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = "nndyn"
GLOBAL_INPUTS = ("requirements.txt",)
"""Files outside the package that every chapter's outputs depend on (relative to the root)."""
LAZY_MECHANISM = "nndyn._lazy"
"""The module whose dynamic import implements lazy names (resolved through their dicts)."""
EVERYTHING = "*"
"""Marker of an unresolvable dependency: every package file."""


@dataclass
class ModuleInfo:
    """What one package module imports.

    Attributes
    ----------
    static : set of str
        Modules imported by name anywhere in the file (also inside functions).
    bound_packages : set of str
        Packages bound as module objects (every lazy name of theirs may be used).
    lazy_names : dict
        For a package ``__init__`` that declares lazy names: name -> module that defines it.
    dynamic : dict
        Function name (``""`` at module level) -> modules it imports dynamically
        (:data:`EVERYTHING` when unresolvable).
    mentions : set of str
        Names and attributes used in the file (for the reachability of dynamic imports).
    """

    static: set[str] = field(default_factory=set)
    bound_packages: set[str] = field(default_factory=set)
    lazy_names: dict[str, str] = field(default_factory=dict)
    dynamic: dict[str, set[str]] = field(default_factory=dict)
    mentions: set[str] = field(default_factory=set)


class Package:
    """The modules of ``nndyn`` under ``code/`` and what each imports."""

    def __init__(self, root: Path = ROOT):
        self.root = root
        self.base = root / "code"
        self.files: dict[str, Path] = {}
        for path in sorted((self.base / PACKAGE).rglob("*.py")):
            parts = path.relative_to(self.base).with_suffix("").parts
            name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
            self.files[name] = path

    def is_package(self, name: str) -> bool:
        return name in self.files and self.files[name].name == "__init__.py"

    @cached_property
    def data_files(self) -> list[Path]:
        """Package files that are not Python (read at run time)."""
        return sorted(p for p in (self.base / PACKAGE).rglob("*")
                      if p.is_file() and p.suffix not in (".py", ".pyc") and "__pycache__" not in p.parts)

    @cached_property
    def data_readers(self) -> dict[Path, set[str]]:
        """Each data file -> the modules whose source names it (its file name), or
        :data:`EVERYTHING` when none does (it may be read under a computed name)."""
        sources = {name: path.read_text() for name, path in self.files.items()}
        out = {}
        for data in self.data_files:
            readers = {name for name, text in sources.items() if data.name in text}
            out[data] = readers or {EVERYTHING}
        return out

    def data_for(self, modules: set[str]) -> set[Path]:
        """The data files that the modules ``modules`` may read."""
        return {data for data, readers in self.data_readers.items() if EVERYTHING in readers or readers & modules}

    def info(self, name: str) -> ModuleInfo:
        if name not in self._infos:
            path = self.files[name]
            self._infos[name] = analyse(ast.parse(path.read_text(), str(path)), name, self.is_package(name), self)
        return self._infos[name]

    @cached_property
    def _infos(self) -> dict[str, ModuleInfo]:
        return {}

    def parents(self, name: str) -> list[str]:
        """The packages whose ``__init__`` runs when ``name`` is imported, and ``name`` itself if known."""
        parts = name.split(".")
        return [".".join(parts[:i]) for i in range(1, len(parts) + 1) if ".".join(parts[:i]) in self.files]

    def under(self, prefix: str) -> set[str]:
        """Every module whose name starts with ``prefix``."""
        return {name for name in self.files if name.startswith(prefix)}

    def closure(self, roots: set[str], bound: set[str] = frozenset(), mentions: set[str] = frozenset()) -> set[str]:
        """Every module reached from ``roots`` (module names, or :data:`EVERYTHING`).

        ``bound`` are packages the caller binds as module objects; ``mentions`` the names the
        caller's own code uses (a dynamic import inside a function counts when the function
        is mentioned).
        """
        if EVERYTHING in roots:
            return set(self.files) | {EVERYTHING}
        seen: set[str] = set()
        todo = [p for r in self.resolve(roots) for p in self.parents(r)]
        todo += [t for b in bound for t in self._lazy_targets(b)]
        used = set(mentions)
        pending_dynamic: dict[tuple[str, str], set[str]] = {}
        while True:
            while todo:
                name = todo.pop()
                if name in seen or name not in self.files:
                    continue
                seen.add(name)
                info = self.info(name)
                used |= info.mentions
                for dep in self.resolve(info.static):
                    todo += self.parents(dep)
                for package in info.bound_packages:
                    todo += self._lazy_targets(package)
                for function, targets in info.dynamic.items():
                    pending_dynamic[(name, function)] = targets
            fired = [(key, targets) for key, targets in pending_dynamic.items()
                     if key[1] == "" or key[1] in used]
            if not fired:
                return seen
            for key, targets in fired:
                del pending_dynamic[key]
                if EVERYTHING in targets:
                    return set(self.files) | {EVERYTHING}
                for target in targets:
                    todo += self.parents(target)

    def resolve(self, deps: set[str]) -> set[str]:
        """Module names of ``deps``, whose ``package:name`` entries are lazy names of a package."""
        out = set()
        for dep in deps:
            if ":" in dep:
                base, name = dep.split(":")
                target = self.info(base).lazy_names.get(name) if base in self.files else None
                if target is not None:
                    out.add(target)
            elif dep in self.files:
                out.add(dep)
        return out

    def _lazy_targets(self, package: str) -> list[str]:
        if package not in self.files:
            return []
        return [*self.parents(package), *self.info(package).lazy_names.values()]


def _resolve_relative(module: str, is_package: bool, level: int, target: str | None) -> str:
    if level == 0:
        return target or ""
    parts = module.split(".")
    if not is_package:
        parts = parts[:-1]
    parts = parts[: len(parts) - (level - 1)] if level > 1 else parts
    return ".".join(parts + ([target] if target else []))


def _dynamic_targets(call: ast.Call, package: Package | None) -> set[str] | None:
    """The modules a dynamic-import call reaches, ``None`` if the call is not one."""
    func = call.func
    name = func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else ""
    if name not in ("import_module", "__import__"):
        return None
    if not call.args:
        return {EVERYTHING}
    arg = call.args[0]
    if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
        if arg.value.startswith("."):
            return {EVERYTHING}
        return {arg.value} if arg.value.split(".")[0] == PACKAGE else set()
    if isinstance(arg, ast.JoinedStr) and arg.values and isinstance(arg.values[0], ast.Constant):
        prefix = str(arg.values[0].value)
        if prefix.startswith(PACKAGE + "."):
            return package.under(prefix) if package is not None else {EVERYTHING}
        return {EVERYTHING} if PACKAGE.startswith(prefix) else set()
    return {EVERYTHING}


def analyse(tree: ast.Module, module: str, is_package: bool = False, package: Package | None = None) -> ModuleInfo:
    """The imports of one module (or of a chapter's code, ``module=""``)."""
    info = ModuleInfo()
    lazy_dicts: dict[str, dict[str, str]] = {}
    lazy_calls: list[ast.Call] = []

    def add_from(base: str, names: list[str]) -> None:
        if not base.startswith(PACKAGE):
            return
        info.static.add(base)
        for alias in names:
            if alias == "*":
                info.bound_packages.add(base)
            else:
                info.static.add(f"{base}.{alias}")  # a submodule, if one has that name
                info.static.add(f"{base}:{alias}")  # a lazy name, if the package declares one

    def visit(node: ast.AST, function: str) -> None:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            for child in ast.iter_child_nodes(node):
                visit(child, function or node.name)
            return
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.split(".")[0] != PACKAGE:
                    continue
                info.static.add(alias.name)
                if alias.asname:
                    info.bound_packages.add(alias.name)
                else:  # `import a.b` binds `a`; `a.b.x` may follow: every prefix is bound
                    parts = alias.name.split(".")
                    info.bound_packages |= {".".join(parts[:i]) for i in range(1, len(parts) + 1)}
        elif isinstance(node, ast.ImportFrom):
            base = _resolve_relative(module, is_package, node.level, node.module)
            add_from(base, [alias.name for alias in node.names])
            for alias in node.names:  # `from nndyn import training` binds the package
                info.bound_packages.add(f"{base}.{alias.name}")
        elif isinstance(node, ast.Call):
            if module != LAZY_MECHANISM:
                targets = _dynamic_targets(node, package)
                if targets is not None:
                    info.dynamic.setdefault(function, set()).update(targets)
            func = node.func
            if isinstance(func, ast.Name) and func.id == "lazy_names":
                lazy_calls.append(node)
            if isinstance(func, ast.Name) and func.id in ("getattr", "hasattr") and len(node.args) >= 2:
                arg = node.args[1]
                if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
                    info.mentions.add(arg.value)
        elif isinstance(node, ast.Assign) and isinstance(node.value, ast.Dict):
            try:
                value = ast.literal_eval(node.value)
            except ValueError:
                value = None
            if isinstance(value, dict):
                for target in node.targets:
                    if isinstance(target, ast.Name):
                        lazy_dicts[target.id] = value
        elif isinstance(node, ast.Name):
            info.mentions.add(node.id)
        elif isinstance(node, ast.Attribute):
            info.mentions.add(node.attr)
        for child in ast.iter_child_nodes(node):
            visit(child, function)

    visit(tree, "")
    for call in lazy_calls:
        where = call.args[1] if len(call.args) > 1 else None
        if not (isinstance(where, ast.Name) and where.id in lazy_dicts):
            info.dynamic.setdefault("", set()).add(EVERYTHING)
            continue
        for name, target in lazy_dicts[where.id].items():
            info.lazy_names[name] = f"{module}.{target if target is not None else name}"
    return info


CODE_CELL = re.compile(r"^(`{3,})\{code-cell\}[^\n]*\n(.*?)^\1[ \t]*$", flags=re.M | re.S)


def chapter_code(path: Path) -> str:
    """The code cells of a MyST notebook, joined (cell options, IPython magics and shell lines dropped)."""
    lines: list[str] = []
    for match in CODE_CELL.finditer(path.read_text()):
        body = match.group(2).splitlines()
        if body and body[0].strip() == "---":  # a YAML block of options
            end = next((i for i in range(1, len(body)) if body[i].strip() == "---"), 0)
            body = body[end + 1:]
        else:
            while body and body[0].startswith(":"):  # short options (:tags: [...])
                body = body[1:]
        lines += [line for line in body if not line.lstrip().startswith(("%", "!"))]
        lines.append("")
    return "\n".join(lines)


def is_notebook(path: Path) -> bool:
    """A page that executes: a MyST notebook (a jupytext header with a kernelspec)."""
    head = path.read_text()[:600]
    return head.startswith("---") and "kernelspec" in head


def chapter_modules(path: Path, package: Package | None = None) -> set[str]:
    """The ``nndyn`` modules a chapter's execution imports, directly or not.

    Contains :data:`EVERYTHING` (and every module) when a dependency cannot be resolved.
    """
    package = package or Package()
    try:
        tree = ast.parse(chapter_code(path), str(path))
    except SyntaxError:
        return set(package.files) | {EVERYTHING}
    info = analyse(tree, "", False, package)
    roots = set(info.static)
    dynamic = set().union(*info.dynamic.values()) if info.dynamic else set()
    return package.closure(roots | dynamic, info.bound_packages, info.mentions)


def closure_files(path: Path, package: Package | None = None) -> list[Path]:
    """Every file a chapter's outputs depend on: its modules, the package data they name and :data:`GLOBAL_INPUTS`."""
    package = package or Package()
    modules = chapter_modules(path, package)
    files = {package.files[m] for m in modules if m in package.files}
    files |= package.data_for(modules)
    files |= {package.root / name for name in GLOBAL_INPUTS}
    return sorted(files)


def dependency_hash(path: Path, package: Package | None = None) -> str:
    """SHA-256 over the names and contents of a chapter's :func:`closure_files`."""
    package = package or Package()
    digest = hashlib.sha256()
    for file in closure_files(path, package):
        digest.update(str(file.relative_to(package.root)).encode() + b"\0")
        digest.update(file.read_bytes() if file.exists() else b"<missing>")
    return digest.hexdigest()


def notebook_pages(source: Path = ROOT) -> dict[str, Path]:
    """Every executable page under ``book/``, by docname (``book/06_kernel_regime``)."""
    return {str(p.relative_to(source).with_suffix("")): p for p in sorted((source / "book").rglob("*.md")) if is_notebook(p)}


def dependency_hashes(source: Path = ROOT) -> dict[str, str]:
    """:func:`dependency_hash` of every executable page of the book, by docname."""
    package = Package(source)
    return {doc: dependency_hash(path, package) for doc, path in notebook_pages(source).items()}


# --------------------------------------------------------------------------- the execution cache


def stale_chapters(stamp: Path, current: dict[str, str], preset: str) -> list[str]:
    """The docnames whose cached outputs were made with other dependencies (or another preset).

    ``stamp`` is the JSON file written by :func:`write_stamp` when the cache was last made
    consistent; a missing or unreadable stamp (or an old-style one) makes every page stale.
    """
    try:
        recorded = json.loads(stamp.read_text())
    except (OSError, ValueError):
        return sorted(current)
    if not isinstance(recorded, dict) or recorded.get("preset") != preset or not isinstance(recorded.get("chapters"), dict):
        return sorted(current)
    chapters = recorded["chapters"]
    return sorted(doc for doc, digest in current.items() if chapters.get(doc) != digest)


def write_stamp(stamp: Path, current: dict[str, str], preset: str) -> None:
    stamp.parent.mkdir(parents=True, exist_ok=True)
    stamp.write_text(json.dumps({"preset": preset, "chapters": current}, indent=1, sort_keys=True) + "\n")


def forget_executions(cache_path: Path, source: Path, docnames: list[str]) -> list[str]:
    """Remove from the jupyter-cache at ``cache_path`` every cached execution of the pages
    ``docnames`` (records are matched by the notebook path they were cached from, relative
    to ``source`` or by its last components when the book was built from another folder).
    Returns the docnames of the records removed."""
    from jupyter_cache import get_cache

    if not cache_path.exists() or not docnames:
        return []
    cache = get_cache(cache_path)
    suffixes = {doc: Path(doc + ".md").parts for doc in docnames}
    removed = []
    for record in cache.list_cache_records():
        parts = Path(record.uri).parts
        for doc, suffix in suffixes.items():
            if parts[-len(suffix):] == suffix:
                cache.remove_cache(record.pk)
                removed.append(doc)
                break
    # notebooks added to the cache's "project" are re-matched from the cache records; nothing else to do
    return sorted(set(removed))


def invalidate(cache_path: Path, stamp: Path, source: Path, preset: str) -> list[str]:
    """Make the execution cache at ``cache_path`` hold no output older than its chapter's
    dependencies; return the docnames whose executions were forgotten (they re-execute).

    Writes the new stamp only after the stale records are gone: an interrupted call leaves
    the old stamp, and the next one removes them again.
    """
    current = dependency_hashes(source)
    stale = stale_chapters(stamp, current, preset)
    forget_executions(cache_path, source, stale)
    write_stamp(stamp, current, preset)
    return stale


def dependents(changed: Path, source: Path = ROOT) -> list[str]:
    """The executable pages whose closure contains the file ``changed``."""
    package = Package(source)
    changed = changed.resolve()
    return [doc for doc, path in notebook_pages(source).items()
            if changed in {f.resolve() for f in closure_files(path, package)}]


def main(argv: list[str] | None = None) -> None:
    argv = sys.argv[1:] if argv is None else argv
    if argv:
        for name in argv:
            print(f"{name}: " + " ".join(Path(d).name for d in dependents(Path(name))))
        return
    package = Package()
    for doc, path in notebook_pages().items():
        modules = chapter_modules(path, package)
        shown = "EVERYTHING" if EVERYTHING in modules else " ".join(sorted(m.removeprefix("nndyn.") for m in modules))
        print(f"{doc}: {shown}")


if __name__ == "__main__":
    main()
