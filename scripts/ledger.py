"""The ledger of the book's claims: every numbered statement, how it is established, what checks it.

Read from the sources, never typed (and without importing torch or the tests):

* **Statements**: the numbered theorems, lemmas, propositions and corollaries of the
  chapters (``prf`` directives with a ``:label:`` in ``book/*.md``), with their chapter,
  title, whether a ``prf:proof`` follows them (before the next ``prf`` directive), the papers
  they cite (``{cite}``) and the errata entries (``book/errata/*.md``) that refer to them
  (``{prf:ref}``).
* **Declarations** of the tests (``tests/*.py``, read with :mod:`ast`): the markers
  ``@pytest.mark.checks(labels, what, shown_in=...)`` (the test checks those statements) and
  ``@pytest.mark.observation(experiment, what, shown_in=...)`` (it checks a measurement of an
  experiment that no theorem covers), on a test function, a class, a ``pytest.param`` of a
  parametrize, or a module's ``pytestmark``.
* **Excuses**: ``UNCHECKED`` of ``tests/ledger_unchecked.py``, the statements that nothing
  checks numerically, each with its reason.

:func:`collect` returns a :class:`Ledger`; :func:`problems` lists where the declarations break
the rules of the ledger (``tests/test_ledger.py`` asserts there are none); :func:`markdown`
writes the page "What is checked, and how" (``book/ledger.md``, through
``scripts/nndyn_ledger.py``), and :func:`statement_line` the line under each statement box.

``python scripts/ledger.py`` prints the counts.
"""

from __future__ import annotations

import ast
import importlib.util
import hashlib
import json
import re
import sys
from dataclasses import asdict, dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
STATEMENT_KINDS = ("theorem", "lemma", "proposition", "corollary")
"""The ``prf`` directives that are numbered statements of the ledger."""
UNCHECKED_FILE = "tests/ledger_unchecked.py"
LEDGER_DOC = "book/ledger"
"""The page of the ledger (``book/ledger.md``)."""
ERRATA_DIR = "book/errata"
ANCHOR_PREFIX = "ledger-"
"""Each statement's entry on the ledger page has the label ``ledger-<statement label>``."""
ERRATA_ANCHOR_PREFIX = "errata-"
"""The first errata entry that refers to a statement gets the label ``errata-<statement label>``."""

FENCE = re.compile(r"^(?P<indent>[ \t]*)(?P<fence>`{3,}|:{3,}|~{3,})\s*(?P<info>.*)$")
DIRECTIVE = re.compile(r"^\{(?P<name>[^}\s]+)\}\s*(?P<arg>.*)$")
OPTION = re.compile(r"^\s*:(?P<key>[\w-]+):\s*(?P<value>.*)$")
CITE = re.compile(r"\{cite(?::[a-z]+)?\}`(?P<keys>[^`]+)`")
PRF_REF = re.compile(r"\{prf:ref\}`(?P<content>[^`]+)`")
GLUE_ROLE = re.compile(r"\{glue(?::[a-z]+)?\}`(?P<content>[^`]+)`")
FIGURE_NAME = re.compile(r"^[\s:]*name:\s*(?P<label>fig-[\w.-]+)\s*$", flags=re.M)
HEADING = re.compile(r"^#\s+(?P<title>.+?)\s*$", flags=re.M)


# --------------------------------------------------------------------------- the data


@dataclass(frozen=True)
class Statement:
    """A numbered statement of the book."""

    label: str
    kind: str
    """theorem, lemma, proposition or corollary."""
    title: str
    docname: str
    """Its chapter's page, e.g. ``book/01_classical_convergence``."""
    chapter: int | None
    """The chapter's number (the order of the numbered parts of ``_toc.yml``), or None."""
    number: str | None
    """The number the book gives it (``1.2``: chapter, then the count of its kind in the
    chapter), or None for a statement outside a numbered chapter or with ``:nonumber:``."""
    line: int
    proved_here: bool
    """A ``prf:proof`` follows it before the next ``prf`` directive."""
    citations: tuple[str, ...]
    """The BibTeX keys its title or body cites."""
    errata: tuple[str, ...]
    """The errata files (``book/errata/chNN.md``) that refer to it."""

    @property
    def name(self) -> str:
        """``Theorem 1.2 (title)`` as the book shows it."""
        head = self.kind.title() + (f" {self.number}" if self.number else "")
        return head + (f" ({self.title})" if self.title else "")

    @property
    def proved_in_paper(self) -> bool:
        return not self.proved_here and bool(self.citations)


@dataclass(frozen=True)
class Declaration:
    """A test's marker: ``checks`` (statements) or ``observation`` (an experiment)."""

    kind: str
    targets: tuple[str, ...]
    """The labels of the statements checked, or the one experiment observed."""
    what: str
    shown_in: tuple[str, ...]
    test_id: str
    """``tests/test_x.py::test_name`` (``::Class::test_name``, ``[param-id]`` for a pytest.param)."""
    path: str
    function: str
    """The test function's name (``Class::name`` for a method)."""
    line: int


@dataclass
class Ledger:
    """Everything the ledger page and the rules need, read from a checkout."""

    statements: list[Statement]
    declarations: list[Declaration]
    unchecked: dict[str, str]
    chapters: dict[str, tuple[int | None, str]]
    """docname -> (chapter number, title) of every page of ``book/``."""
    figures: dict[str, str]
    """figure label -> docname."""
    glue_keys: dict[str, str]
    """glue key shown in the prose ({glue} roles) -> docname."""
    experiments: dict[str, tuple[int, str]]
    """experiment name -> (chapter, title), from ``nndyn/experiments/catalog.py``."""
    other_labels: set[str] = field(default_factory=set)
    """Labels of the other ``prf`` directives (definitions, remarks, ...)."""
    functions: dict[str, set[str]] = field(default_factory=dict)
    """test file -> names of the test functions it defines (``Class::name`` for methods)."""
    read_errors: list[str] = field(default_factory=list)
    """Declarations that could not be read (arguments that are not literals, ...)."""

    def statement(self, label: str) -> Statement | None:
        return next((s for s in self.statements if s.label == label), None)

    def checks(self, label: str | None = None) -> list[Declaration]:
        """The ``checks`` declarations (of the statement ``label``, if given)."""
        return [d for d in self.declarations if d.kind == "checks" and (label is None or label in d.targets)]

    def observations(self, experiment: str | None = None) -> list[Declaration]:
        return [d for d in self.declarations if d.kind == "observation" and (experiment is None or experiment in d.targets)]

    def counts(self) -> dict[str, int]:
        """How many statements, and how each is established (see :data:`COUNT_NAMES`)."""
        checked = {s.label for s in self.statements if self.checks(s.label)}
        return {
            "statements": len(self.statements),
            "proved_here": sum(s.proved_here for s in self.statements),
            "proved_in_paper": sum(s.proved_in_paper for s in self.statements),
            "corrected": sum(bool(s.errata) for s in self.statements),
            "checked": len(checked),
            "check_tests": len({d.test_id for d in self.checks()}),
            "unchecked_with_reason": sum(s.label not in checked and s.label in self.unchecked for s in self.statements),
            "neither": sum(not s.proved_here and s.label not in checked for s in self.statements),
            "observations": len(self.observations()),
            "observed_experiments": len({d.targets[0] for d in self.observations() if d.targets}),
        }

    def fingerprint(self) -> str:
        """A hash of everything the page and the lines under the statements show."""
        data = {"statements": [asdict(s) for s in self.statements], "declarations": [asdict(d) for d in self.declarations],
                "unchecked": self.unchecked, "chapters": self.chapters, "figures": self.figures,
                "glue": self.glue_keys, "experiments": self.experiments}
        return hashlib.sha256(json.dumps(data, sort_keys=True, default=list).encode()).hexdigest()


COUNT_NAMES = {
    "statements": "numbered statements (theorems, lemmas, propositions, corollaries)",
    "proved_here": "proved in this book",
    "proved_in_paper": "proved in a cited paper (no proof here)",
    "corrected": "the notes' statement, corrected (an errata entry)",
    "checked": "checked numerically (at least one test)",
    "check_tests": "tests that check a statement",
    "unchecked_with_reason": "not checked numerically, with the reason",
    "neither": "neither proved in this book nor checked numerically",
    "observations": "tests of observations (measurements no theorem covers)",
    "observed_experiments": "experiments with observations",
}


# --------------------------------------------------------------------------- the book


@dataclass
class _Directive:
    name: str
    arg: str
    options: dict[str, str]
    body: str
    line: int


def directives(text: str) -> list[_Directive]:
    """The top-level fenced directives of a MyST page, in order (``{name} arg``, options, body).

    A fence closes at a line of the same character at least as long; code blocks (fences
    without ``{...}``) are skipped with their content.
    """
    lines = text.splitlines()
    found: list[_Directive] = []
    i = 0
    while i < len(lines):
        match = FENCE.match(lines[i])
        if not match:
            i += 1
            continue
        fence = match.group("fence")
        j = i + 1
        while j < len(lines):
            stripped = lines[j].strip()
            if len(stripped) >= len(fence) and set(stripped) == {fence[0]}:
                break
            j += 1
        directive = DIRECTIVE.match(match.group("info").strip())
        if directive:
            body = lines[i + 1:j]
            options: dict[str, str] = {}
            if body and body[0].strip() == "---" and "---" in (b.strip() for b in body[1:]):
                end = [b.strip() for b in body[1:]].index("---") + 1
                for option in body[1:end]:
                    key, _, value = option.partition(":")
                    options[key.strip()] = value.strip()
                body = body[end + 1:]
            else:
                while body and OPTION.match(body[0]):
                    option = OPTION.match(body[0])
                    options[option.group("key")] = option.group("value").strip()
                    body = body[1:]
            found.append(_Directive(directive.group("name"), directive.group("arg").strip(), options, "\n".join(body), i + 1))
        i = j + 1
    return found


def citations(text: str) -> tuple[str, ...]:
    """The BibTeX keys cited in ``text`` (``{cite}``, ``{cite:p}``, ``{cite:t}``, ...), in order."""
    keys: list[str] = []
    for match in CITE.finditer(text):
        for key in match.group("keys").split(","):
            if key.strip() and key.strip() not in keys:
                keys.append(key.strip())
    return tuple(keys)


def referenced_labels(text: str) -> list[str]:
    """The labels that ``{prf:ref}`` roles of ``text`` point at."""
    out = []
    for match in PRF_REF.finditer(text):
        content = match.group("content").strip()
        target = re.match(r"^.*<([^<>]+)>$", content, flags=re.S)
        out.append(target.group(1).strip() if target else content)
    return out


def chapter_numbers(root: Path) -> dict[str, int]:
    """docname -> chapter number: the chapters of the numbered parts of ``_toc.yml``, in order
    (without a ``_toc.yml``: the pages of ``book/`` whose name starts with two digits)."""
    toc_file = root / "_toc.yml"
    if not toc_file.exists():
        pages = sorted(p for p in (root / "book").glob("*.md") if p.name[:2].isdigit())
        return {f"book/{p.stem}": k for k, p in enumerate(pages, start=1)}
    import yaml

    toc = yaml.safe_load(toc_file.read_text(encoding="utf-8"))
    numbers: dict[str, int] = {}
    for part in toc.get("parts", []):
        if part.get("numbered"):
            for chapter in part.get("chapters", []):
                numbers[chapter["file"]] = len(numbers) + 1
    return numbers


def read_book(root: Path) -> tuple[list[Statement], set[str], dict[str, tuple[int | None, str]], dict[str, str], dict[str, str]]:
    """Statements, other ``prf`` labels, chapters, figure labels and glue keys of ``root/book``."""
    numbers = chapter_numbers(root)
    errata: dict[str, list[str]] = {}
    for path in sorted((root / ERRATA_DIR).glob("*.md")):
        for label in referenced_labels(path.read_text(encoding="utf-8")):
            name = str(path.relative_to(root))
            if name not in errata.setdefault(label, []):
                errata[label].append(name)
    statements: list[Statement] = []
    others: set[str] = set()
    chapters: dict[str, tuple[int | None, str]] = {}
    figures: dict[str, str] = {}
    glue: dict[str, str] = {}
    for path in sorted((root / "book").glob("*.md")):
        text = path.read_text(encoding="utf-8")
        docname = f"book/{path.stem}"
        heading = HEADING.search(text)
        chapter = numbers.get(docname)
        chapters[docname] = (chapter, heading.group("title") if heading else path.stem)
        for match in FIGURE_NAME.finditer(text):
            figures.setdefault(match.group("label"), docname)
        for match in GLUE_ROLE.finditer(text):
            content = match.group("content").strip()
            key = content.rsplit(":", 1)[0] if match.group(0).startswith("{glue:text}") and ":" in content else content
            glue.setdefault(key, docname)
        found = [d for d in directives(text) if d.name.startswith("prf:")]
        ordinal: dict[str, int] = {}
        for k, directive in enumerate(found):
            kind = directive.name[4:]
            label = directive.options.get("label", "")
            numbered = "nonumber" not in directive.options
            if kind != "proof" and numbered:
                ordinal[kind] = ordinal.get(kind, 0) + 1
            if kind not in STATEMENT_KINDS:
                if label:
                    others.add(label)
                continue
            if not label:
                continue
            following = found[k + 1] if k + 1 < len(found) else None
            statements.append(Statement(
                label=label, kind=kind, title=directive.arg, docname=docname, chapter=chapter,
                number=f"{chapter}.{ordinal[kind]}" if chapter is not None and numbered else None,
                line=directive.line, proved_here=following is not None and following.name == "prf:proof",
                citations=citations(directive.arg + "\n" + directive.body), errata=tuple(errata.get(label, ())),
            ))
    return statements, others, chapters, figures, glue


def read_experiments(root: Path) -> dict[str, tuple[int, str]]:
    """The experiments of ``code/nndyn/experiments`` by name: ``(CHAPTER, TITLE)``, read from
    each module's source by the package's own catalog (:func:`nndyn.experiments.catalog.catalog`,
    loaded from ``root`` without importing the package, so no torch)."""
    folder = root / "code" / "nndyn" / "experiments"
    path = folder / "catalog.py"
    if not path.exists():
        return {}
    spec = importlib.util.spec_from_file_location("_ledger_catalog", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return {name: (entry.chapter, entry.title) for name, entry in module.catalog(folder).items()}


# --------------------------------------------------------------------------- the tests


class DeclarationError(ValueError):
    """A marker whose arguments the collector cannot read."""


def _mark_name(node: ast.AST) -> str | None:
    """``checks`` for ``pytest.mark.checks(...)`` or ``mark.checks(...)``; else None."""
    if not isinstance(node, ast.Call):
        return None
    func = node.func
    if isinstance(func, ast.Attribute) and func.attr in ("checks", "observation"):
        owner = func.value
        if (isinstance(owner, ast.Attribute) and owner.attr == "mark") or (isinstance(owner, ast.Name) and owner.id == "mark"):
            return func.attr
    return None


def _strings(node: ast.AST, what: str) -> tuple[str, ...]:
    try:
        value = ast.literal_eval(node)
    except ValueError as exc:
        raise DeclarationError(f"{what} is not a literal ({ast.unparse(node)})") from exc
    if isinstance(value, str):
        return (value,)
    if isinstance(value, (tuple, list)) and all(isinstance(v, str) for v in value):
        return tuple(value)
    raise DeclarationError(f"{what} must be a string or a tuple of strings, not {value!r}")


def _declaration(call: ast.Call, kind: str, test_id: str, path: str, function: str) -> Declaration:
    args = list(call.args)
    keywords = {k.arg: k.value for k in call.keywords}
    first = args[0] if args else keywords.get("labels", keywords.get("experiment"))
    if len(args) > 2:
        raise DeclarationError(f"{kind}(...) takes two positional arguments ({'labels' if kind == 'checks' else 'experiment'}, "
                               f"what); a third ({ast.unparse(args[2])[:60]}) would be read as nothing: join it to the "
                               "'what' line, or name figures and glue keys with shown_in=(...)")
    what = args[1] if len(args) > 1 else keywords.get("what")
    if first is None or what is None:
        raise DeclarationError(f"{kind}(...) needs its {'labels' if kind == 'checks' else 'experiment'} and its 'what' line")
    targets = _strings(first, "labels" if kind == "checks" else "experiment")
    whats = _strings(what, "what")
    if len(whats) != 1 or not whats[0].strip():
        raise DeclarationError("'what' must be one non-empty string")
    if kind == "observation" and len(targets) != 1:
        raise DeclarationError("observation(...) names one experiment")
    shown = _strings(keywords["shown_in"], "shown_in") if "shown_in" in keywords else ()
    return Declaration(kind=kind, targets=targets, what=" ".join(whats[0].split()), shown_in=shown,
                       test_id=test_id, path=path, function=function, line=call.lineno)


def _param_id(param: ast.Call, argnames: list[str], index: int) -> str:
    """The id pytest gives a ``pytest.param(...)`` (its ``id=``, else from literal values)."""
    for keyword in param.keywords:
        if keyword.arg == "id":
            return str(ast.literal_eval(keyword.value))
    parts = []
    for name, value in zip(argnames, param.args):
        try:
            literal = ast.literal_eval(value)
        except ValueError:
            literal = ...
        if isinstance(literal, (str, int, float, bool, complex)) or literal is None:
            parts.append(literal.encode("unicode_escape").decode("ascii") if isinstance(literal, str) else str(literal))
        else:
            parts.append(f"{name}{index}")
    return "-".join(parts)


def _param_marks(decorator: ast.expr) -> list[tuple[str, ast.Call]]:
    """``(param id, marker call)`` for the ``pytest.param(..., marks=...)`` of a parametrize."""
    if not (isinstance(decorator, ast.Call) and isinstance(decorator.func, ast.Attribute)
            and decorator.func.attr == "parametrize" and len(decorator.args) >= 2):
        return []
    try:
        names = ast.literal_eval(decorator.args[0])
    except ValueError:
        return []
    argnames = [n.strip() for n in names.split(",")] if isinstance(names, str) else list(names)
    values = decorator.args[1]
    if not isinstance(values, (ast.List, ast.Tuple)):
        return []
    found = []
    for index, element in enumerate(values.elts):
        if not (isinstance(element, ast.Call) and isinstance(element.func, ast.Attribute) and element.func.attr == "param"):
            continue
        for keyword in element.keywords:
            if keyword.arg != "marks":
                continue
            marks = keyword.value.elts if isinstance(keyword.value, (ast.List, ast.Tuple)) else [keyword.value]
            found += [(_param_id(element, argnames, index), m) for m in marks if _mark_name(m)]
    return found


def _marks(decorators: list[ast.expr]) -> list[ast.Call]:
    return [d for d in decorators if _mark_name(d)]


def _module_marks(tree: ast.Module) -> list[ast.Call]:
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id == "pytestmark" for t in node.targets):
            value = node.value
            return [m for m in (value.elts if isinstance(value, (ast.List, ast.Tuple)) else [value]) if _mark_name(m)]
    return []


def read_test_file(path: Path, rel: str) -> tuple[list[Declaration], set[str], list[str]]:
    """Declarations, test function names and unreadable declarations of one test file."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    declarations: list[Declaration] = []
    functions: set[str] = set()
    errors: list[str] = []

    used: set[int] = set()

    def add(call: ast.Call, test_id: str, function: str) -> None:
        used.add(id(call))
        kind = _mark_name(call)
        try:
            declarations.append(_declaration(call, kind, test_id, rel, function))
        except (DeclarationError, ValueError) as exc:
            errors.append(f"{rel}:{call.lineno} ({function}): {exc}")

    module_marks = _module_marks(tree)

    def visit_function(node: ast.FunctionDef | ast.AsyncFunctionDef, prefix: str, inherited: list[ast.Call]) -> None:
        if not node.name.startswith("test"):
            for call in _marks(node.decorator_list):
                used.add(id(call))
                errors.append(f"{rel}:{call.lineno}: a {_mark_name(call)} marker on {node.name}, which is not a test")
            return
        name = prefix + node.name
        functions.add(name)
        test_id = f"{rel}::{name}"
        for call in [*inherited, *_marks(node.decorator_list)]:
            add(call, test_id, name)
        for decorator in node.decorator_list:
            for param_id, call in _param_marks(decorator):
                add(call, f"{test_id}[{param_id}]", name)

    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            visit_function(node, "", module_marks)
        elif isinstance(node, ast.ClassDef) and node.name.startswith("Test"):
            marks = module_marks + _marks(node.decorator_list)
            for item in node.body:
                if isinstance(item, (ast.FunctionDef, ast.AsyncFunctionDef)):
                    visit_function(item, f"{node.name}::", marks)
    for call in ast.walk(tree):  # a marker kept in a variable, or on something that is not a test
        if _mark_name(call) and id(call) not in used:
            errors.append(f"{rel}:{call.lineno}: a {_mark_name(call)} marker the ledger cannot attach to a test "
                          "(write it as a decorator of the test, its class, or a pytest.param)")
    return declarations, functions, errors


def read_tests(root: Path) -> tuple[list[Declaration], dict[str, set[str]], list[str]]:
    declarations: list[Declaration] = []
    functions: dict[str, set[str]] = {}
    errors: list[str] = []
    for path in sorted((root / "tests").glob("*.py")):
        rel = str(path.relative_to(root))
        found, names, problems = read_test_file(path, rel)
        declarations += found
        functions[rel] = names
        errors += problems
    return declarations, functions, errors


def read_unchecked(root: Path) -> tuple[dict[str, str], list[str]]:
    """``UNCHECKED`` of ``tests/ledger_unchecked.py`` (a literal dict), and what is wrong with it."""
    path = root / UNCHECKED_FILE
    if not path.exists():
        return {}, []
    for node in ast.parse(path.read_text(encoding="utf-8")).body:
        target = node.target if isinstance(node, ast.AnnAssign) else (node.targets[0] if isinstance(node, ast.Assign) else None)
        if isinstance(target, ast.Name) and target.id == "UNCHECKED" and node.value is not None:
            try:
                value = ast.literal_eval(node.value)
            except ValueError:
                return {}, [f"{UNCHECKED_FILE}: UNCHECKED is not a literal dict"]
            if not isinstance(value, dict) or not all(isinstance(k, str) and isinstance(v, str) for k, v in value.items()):
                return {}, [f"{UNCHECKED_FILE}: UNCHECKED must map labels (str) to reasons (str)"]
            return {k: " ".join(v.split()) for k, v in value.items()}, []
    return {}, [f"{UNCHECKED_FILE}: no UNCHECKED = {{...}}"]


def collect(root: Path = ROOT) -> Ledger:
    """The ledger of the checkout at ``root``."""
    statements, others, chapters, figures, glue = read_book(root)
    declarations, functions, errors = read_tests(root)
    unchecked, unchecked_errors = read_unchecked(root)
    return Ledger(statements=statements, declarations=declarations, unchecked=unchecked, chapters=chapters,
                  figures=figures, glue_keys=glue, experiments=read_experiments(root), other_labels=others,
                  functions=functions, read_errors=errors + unchecked_errors)


# --------------------------------------------------------------------------- the rules


def missing_entries(ledger: Ledger) -> list[str]:
    """Statements neither checked by a test nor excused in ``UNCHECKED``."""
    return [f"{s.label} ({s.docname}.md:{s.line}, {s.name}): no test checks it and {UNCHECKED_FILE} gives no reason"
            for s in ledger.statements if not ledger.checks(s.label) and s.label not in ledger.unchecked]


def checked_and_excused(ledger: Ledger) -> list[str]:
    return [f"{s.label}: checked by {', '.join(d.test_id for d in ledger.checks(s.label))} and yet in UNCHECKED"
            for s in ledger.statements if ledger.checks(s.label) and s.label in ledger.unchecked]


def empty_reasons(ledger: Ledger) -> list[str]:
    return [f"{label}: UNCHECKED gives an empty reason" for label, reason in ledger.unchecked.items() if not reason.strip()]


REASON_REF = re.compile(r"\{prf:ref\}`([^`<>]+)`")
"""A statement named in a reason of ``UNCHECKED``: ``{prf:ref}`label```, shown as the reader sees
it ("Lemma 2.2", a link to it), on the ledger page and in the line under the statement."""


def reason_parts(reason: str) -> list[tuple[str, str]]:
    """A reason cut into ``("text", words)`` and ``("ref", label)`` pieces, in order."""
    parts: list[tuple[str, str]] = []
    last = 0
    for match in REASON_REF.finditer(reason):
        if match.start() > last:
            parts.append(("text", reason[last:match.start()]))
        parts.append(("ref", match.group(1).strip()))
        last = match.end()
    if last < len(reason):
        parts.append(("text", reason[last:]))
    return parts


def raw_labels(text: str, labels: set[str] | list[str]) -> list[str]:
    """The labels of ``labels`` that ``text`` names as raw words, outside a ``{prf:ref}`` role."""
    bare = REASON_REF.sub(" ", text)
    return [label for label in sorted(labels) if re.search(r"(?<![\w-])" + re.escape(label) + r"(?![\w-])", bare)]


def raw_labels_in_reasons(ledger: Ledger) -> list[str]:
    """Reasons that print a label where the reader should see the statement ("Lemma 2.2")."""
    labels = {s.label for s in ledger.statements} | set(ledger.other_labels)
    return [f"{UNCHECKED_FILE}: the reason of {label!r} prints the raw label {raw!r}; write {{prf:ref}}`{raw}`"
            for label, reason in ledger.unchecked.items() for raw in raw_labels(reason, labels)]


def unknown_labels(ledger: Ledger) -> list[str]:
    """Labels named by a ``checks`` marker or by ``UNCHECKED`` (as a key, or in a reason's
    ``{prf:ref}``) that are not numbered statements (or, in a reason, prf directives)."""
    known = {s.label for s in ledger.statements}
    out = []
    for declaration in ledger.checks():
        for label in declaration.targets:
            if label not in known:
                what = "is a prf directive that is not a theorem, lemma, proposition or corollary" \
                    if label in ledger.other_labels else "is no label of the book"
                out.append(f"{declaration.test_id} ({declaration.path}:{declaration.line}) checks {label!r}, which {what}")
    for label in ledger.unchecked:
        if label not in known:
            out.append(f"{UNCHECKED_FILE}: {label!r} is not a numbered statement of the book")
    for label, reason in ledger.unchecked.items():
        for kind, target in reason_parts(reason):
            if kind == "ref" and target not in known and target not in ledger.other_labels:
                out.append(f"{UNCHECKED_FILE}: the reason of {label!r} refers to {target!r}, which is no prf label of the book")
    return out


def unknown_experiments(ledger: Ledger) -> list[str]:
    return [f"{d.test_id} ({d.path}:{d.line}) observes {d.targets[0]!r}, which is no experiment of nndyn.experiments"
            for d in ledger.observations() if d.targets[0] not in ledger.experiments]


def unknown_shown_in(ledger: Ledger) -> list[str]:
    return [f"{d.test_id} ({d.path}:{d.line}): shown_in names {name!r}, neither a figure label nor a glued key of the book"
            for d in ledger.declarations for name in d.shown_in
            if name not in ledger.figures and name not in ledger.glue_keys]


def unknown_tests(ledger: Ledger) -> list[str]:
    """Declarations whose test function is not defined in its file."""
    return [f"{d.test_id}: {d.function} is not a test function of {d.path}"
            for d in ledger.declarations if d.function not in ledger.functions.get(d.path, set())]


MATH_SPAN = re.compile(r"\$[^$]+\$")
"""Inline TeX of a ``what`` line (``$...$``), which the ledger page typesets as mathematics."""
ASCII_MATH = re.compile(
    r"<=|>=|!=|\+-|->|(?<!\.)\.\.(?!\.)|[<>=^_|*/{}~\\]"  # operators, sub- and superscripts, norms
    r"|(?<![\w.-])-\d"                                      # a minus sign written as a hyphen
    r"|\b\d+(?:\.\d+)?x(?![A-Za-z])"                          # 3x for 3 times
    r"|\b\d(?:\.\d+)?e[-+]?\d+\b"                            # 1e-12 for 10^-12
    r"|\blog\d+\b|\b(?:log|ln|exp)\s*\("                     # log2, log(...)
    r"|(?<![A-Za-z])(?:sqrt|inf|sup|sum|int|nabla|grad|alpha|beta|gamma|delta|epsilon|eps|zeta|eta|theta|lambda|mu|nu|pi"
    r"|rho|sigma|tau|phi|chi|psi|omega|Gamma|Delta|Theta|Lambda|Sigma|Phi|Psi|Omega)(?![A-Za-z])")
"""What a ``what`` line may not write outside its ``$...$`` math: ASCII stand-ins for
mathematics (``<=``, ``2^d``, ``lambda_n``, ``sqrt``, ``|x|``, ``3x``, ``1e-12``, ``-0.5``, ...),
which the page would show as typed instead of typeset."""


def ascii_math(text: str) -> list[str]:
    """The ASCII stand-ins for mathematics in ``text`` outside its ``$...$`` math (:data:`ASCII_MATH`)."""
    return [m.group(0) for m in ASCII_MATH.finditer(MATH_SPAN.sub(" ", text))]


def visible_text(text: str) -> str:
    """``text`` about as the page shows it: the TeX of its math without commands, braces and scripts."""
    def shown(match: re.Match) -> str:
        tex = match.group(0)[1:-1]
        tex = re.sub(r"\\(?:mathrm|mathbf|mathbb|operatorname|sqrt|hat|left|right)\b", "", tex)
        tex = re.sub(r"\\[A-Za-z]+", "x", tex)
        return re.sub(r"[{}^_\\]", "", re.sub(r"\\[,;!]", " ", tex))
    return MATH_SPAN.sub(shown, text)


def ascii_whats(ledger: Ledger) -> list[str]:
    """``what`` lines that write mathematics in ASCII outside ``$...$``: the page typesets only
    what is inside (``$\\lambda_n(K) \\ge 1$``, not ``lambda_n(K) >= 1``)."""
    return [f"{d.test_id} ({d.path}:{d.line}): write the mathematics of its 'what' line as $...$ TeX, "
            f"not {', '.join(repr(p) for p in dict.fromkeys(ascii_math(d.what)))}"
            for d in ledger.declarations if ascii_math(d.what)]


def long_whats(ledger: Ledger, limit: int = 240) -> list[str]:
    """``what`` lines longer than ``limit`` characters as the page shows them (:func:`visible_text`)."""
    return [f"{d.test_id}: its 'what' line has {len(visible_text(d.what))} characters (at most {limit})"
            for d in ledger.declarations if len(visible_text(d.what)) > limit]


def unestablished(ledger: Ledger) -> list[str]:
    """Statements neither proved here (a proof follows) nor citing the paper that proves them."""
    return [f"{s.label} ({s.docname}.md:{s.line}, {s.name}): no proof follows it and it cites no paper"
            for s in ledger.statements if not s.proved_here and not s.citations]


RULES = {
    "unreadable declarations": lambda ledger: list(ledger.read_errors),
    "checked and excused": checked_and_excused,
    "empty reasons": empty_reasons,
    "unknown labels": unknown_labels,
    "raw labels in reasons": raw_labels_in_reasons,
    "unknown experiments": unknown_experiments,
    "unknown figures or glue keys": unknown_shown_in,
    "unknown tests": unknown_tests,
    "long what lines": long_whats,
    "ASCII mathematics in what lines": ascii_whats,
    "neither proved here nor cited": unestablished,
    "statements without an entry": missing_entries,
}
"""Every rule of the ledger: name -> function of the ledger that lists what breaks it."""


def problems(ledger: Ledger) -> dict[str, list[str]]:
    """What breaks each rule (:data:`RULES`), only the rules that are broken."""
    found = {name: rule(ledger) for name, rule in RULES.items()}
    return {name: items for name, items in found.items() if items}


# --------------------------------------------------------------------------- the page

MARKDOWN_SPECIALS = re.compile(r"([\\`*_\[\]{}<>#|~^!])")


def inline_markdown(text: str) -> str:
    """Plain text with ``$...$`` TeX and ``{prf:ref}`label``` roles as MyST: Markdown's special
    characters escaped outside the math and the roles."""
    parts = re.split(r"(\$[^$]+\$|" + REASON_REF.pattern + ")", text)
    out = []
    for k, p in enumerate(parts):
        if k % 3 == 2:  # the role's label group of re.split
            continue
        keep = (p.startswith("$") and p.endswith("$") and len(p) > 2) or REASON_REF.fullmatch(p)
        out.append(p if keep else MARKDOWN_SPECIALS.sub(r"\\\1", p))
    return "".join(out)


def _chapter_name(ledger: Ledger, docname: str) -> str:
    number, title = ledger.chapters.get(docname, (None, docname))
    return f"Chapter {number}" if number is not None else title


def _shown(ledger: Ledger, names: tuple[str, ...] | list[str]) -> list[str]:
    """MyST for where a check is shown: ``{numref}`` of a figure, or the chapter of a glued number."""
    out = []
    for name in names:
        if name in ledger.figures:
            out.append(f"{{numref}}`{name}`")
        elif name in ledger.glue_keys:
            docname = ledger.glue_keys[name]
            out.append(f"a number in the text of {{doc}}`{_chapter_name(ledger, docname)} </{docname}>`")
        else:
            out.append(f"`{name}`")
    return out


def _join(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def _test_items(ledger: Ledger, declarations: list[Declaration]) -> list[str]:
    lines = []
    for d in declarations:
        shown = _shown(ledger, d.shown_in)
        where = f" Shown in {_join(shown)}." if shown else ""
        what = inline_markdown(d.what)
        lines.append(f"- `{d.test_id}`: {what}{'' if what.rstrip().endswith('.') else '.'}{where}")
    return lines


def established(ledger: Ledger, statement: Statement) -> str:
    """MyST: how ``statement`` is established (proved here, or in the papers it cites; corrected)."""
    if statement.proved_here:
        how = "Proved in this book."
    elif statement.citations:
        how = "Proved in " + _join([f"{{cite:t}}`{key}`" for key in statement.citations]) + " (no proof here)."
    else:
        how = "Neither proved in this book nor cited."
    if statement.errata:
        how += (f" The notes' statement, corrected: see {{ref}}`its errata entry <{ERRATA_ANCHOR_PREFIX}{statement.label}>`.")
    return how


def markdown(ledger: Ledger) -> str:
    """The body of the ledger page (MyST): per chapter each statement and what checks it, then
    the observations, then the counts. The page's own text (``book/ledger.md``) comes before."""
    out: list[str] = []
    by_chapter: dict[str, list[Statement]] = {}
    for statement in ledger.statements:
        by_chapter.setdefault(statement.docname, []).append(statement)
    ordered = sorted(by_chapter, key=lambda d: (ledger.chapters.get(d, (None,))[0] or 10**6, d))
    for docname in ordered:
        number, title = ledger.chapters[docname]
        out += [f"## {'Chapter ' + str(number) + ': ' if number is not None else ''}{title}", ""]
        for s in by_chapter[docname]:
            title_md = f" ({s.title})" if s.title else ""
            out += [f"({ANCHOR_PREFIX}{s.label})=", f"{{prf:ref}}`{s.label}`{title_md}", f": {established(ledger, s)}", ""]
            checks = ledger.checks(s.label)
            if checks:
                count = len(checks)
                out += [f"  Checked numerically by {count} test{'s' if count != 1 else ''}:", ""]
                out += ["  " + item for item in _test_items(ledger, checks)]
            elif s.label in ledger.unchecked:
                reason = inline_markdown(ledger.unchecked[s.label])
                out += [f"  Not checked numerically: {reason}{'' if reason.rstrip().endswith('.') else '.'}"]
            else:
                out += ["  Not checked numerically, and no reason is recorded."]
            out.append("")
    out += ["(ledger-observations)=", "## Observations: measurements no theorem covers", ""]
    experiments = sorted({d.targets[0] for d in ledger.observations()},
                         key=lambda e: (ledger.experiments.get(e, (99, ""))[0], e))
    if not experiments:
        out += ["No test declares an observation yet.", ""]
    for experiment in experiments:
        chapter, title = ledger.experiments.get(experiment, (None, ""))
        where = f", Chapter {chapter}" if chapter is not None else ""
        out += [f"Experiment `{experiment}` ({inline_markdown(title)}{where})", ": The tests that assert what it measures:", ""]
        out += ["  " + item for item in _test_items(ledger, ledger.observations(experiment))]
        out.append("")
    counts = ledger.counts()
    out += ["(ledger-counts)=", "## Counts", "", "| What is counted | Number |", "|:--|--:|"]
    out += [f"| {COUNT_NAMES[key].capitalize()} | {value} |" for key, value in counts.items()]
    out.append("")
    return "\n".join(out)


@dataclass(frozen=True)
class Line:
    """What the line under a statement box says."""

    tests: int
    shown_in: tuple[str, ...]
    """Figure labels and glue keys, in the order the tests name them, without repeats."""
    reason: str | None
    """Why nothing checks it numerically (None if checked, or if no reason is recorded)."""


def statement_line(ledger: Ledger, label: str) -> Line:
    checks = ledger.checks(label)
    shown: list[str] = []
    for d in checks:
        shown += [name for name in d.shown_in if name not in shown]
    return Line(tests=len(checks), shown_in=tuple(shown), reason=None if checks else ledger.unchecked.get(label))


# --------------------------------------------------------------------------- command line


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    root = Path(argv[0]) if argv else ROOT
    ledger = collect(root)
    for key, value in ledger.counts().items():
        print(f"{value:5d}  {COUNT_NAMES[key]}")
    broken = problems(ledger)
    if broken:
        print(f"\n{sum(map(len, broken.values()))} breaks of the ledger's rules (tests/test_ledger.py): "
              + ", ".join(f"{name} ({len(items)})" for name, items in broken.items()))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
