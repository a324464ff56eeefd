"""MyST Markdown of the book's pages as plain Jupyter Markdown, for the chapter notebooks.

Jupyter and Colab render CommonMark, some HTML and ``$...$``/``$$...$$`` math; they show MyST
roles (``{glue:text}``, ``{prf:ref}``, ...), directive fences (```` ```{prf:theorem} ````)
and targets (``(label)=``) as raw text. :func:`to_jupyter` rewrites the Markdown of one cell
so that it reads like the page:

* a glued value becomes the value computed when the book was built, in a ``<span>`` whose
  ``title`` says so (:data:`GLUED_TITLE`);
* a reference (``{ref}``, ``{numref}``, ``{prf:ref}``, ``{eq}``, ``{cite}``, ``{py:func}``, ...)
  becomes what the page shows, e.g. a link "Theorem 4.1" to the published page;
* a statement (``prf:theorem`` ...) or exercise becomes a bold heading with its number and
  title, a proof starts with *Proof.* and ends with ∎, a hidden solution becomes a
  ``<details>`` block, admonitions a bold heading, a ``{math}`` block ``$$...$$`` (with its
  number as ``\\tag``); targets and comments are dropped.

What the page shows (numbers, link targets, glued values) comes from a :class:`Resolver`,
which the book build implements with Sphinx's environment (``scripts/notebook_refs.py``);
:class:`PlainResolver` stands in without a build. An unknown directive is an error, not raw
text in a notebook.
"""

from __future__ import annotations

import html
import re
from typing import Protocol

GLUED_TITLE = "computed when the book was built"
"""Tooltip of every glued value in a notebook (the notebook's first cell says the same)."""

ROLE = re.compile(r"\{(?P<name>[A-Za-z][\w:+.-]*)\}`(?P<content>[^`]+)`")
"""A MyST role: ``{name}`content```."""
FENCE = re.compile(r"^(?P<indent>\s*)(?P<fence>`{3,}|~{3,}|:{3,})(?P<info>[^`]*)$")
DIRECTIVE = re.compile(r"^\{(?P<name>[^}\s]+)\}\s*(?P<arg>.*)$")
TARGET = re.compile(r"^\s*\((?P<label>[^)\s]+)\)=\s*$")
COMMENT = re.compile(r"^\s*%")
OPTION = re.compile(r"^:(?P<key>[\w-]+):\s*(?P<value>.*)$")

ADMONITIONS = {"note", "tip", "hint", "important", "warning", "caution", "attention", "danger", "error", "seealso"}
"""Directives shown as a bold heading (their name, or the title of ``admonition``) and their text."""
PROOF_TYPES = {"axiom", "theorem", "lemma", "algorithm", "definition", "remark", "conjecture", "corollary",
               "criterion", "example", "property", "observation", "proposition", "assumption", "notation"}
"""sphinx-proof's statement directives (``prf:<type>``); ``prf:proof`` is handled on its own."""


class Resolver(Protocol):
    """What the page shows for the parts of a MyST page that need the whole book."""

    def glue(self, key: str, fmt: str) -> str | None:
        """The text of glued value ``key`` formatted with ``fmt`` (as ``{glue:text}`` does), or None."""

    def xref(self, role: str, content: str) -> str:
        """Markdown for the role ``{role}`content``` (a link where the page has one)."""

    def title(self, role: str, content: str) -> str | None:
        """Plain text of what the role shows (e.g. ``Theorem 4.1``, ``(1.2)``), or None."""


class PlainResolver:
    """A stand-in without a book build: references show their label or explicit title,
    glued values a note that the code computes them."""

    def glue(self, key: str, fmt: str) -> str | None:
        return None

    def xref(self, role: str, content: str) -> str:
        title, target = split_title(content)
        return title or f"`{target}`"

    def title(self, role: str, content: str) -> str | None:
        return None


def split_title(content: str) -> tuple[str | None, str]:
    """``"text <target>"`` -> ``("text", "target")``; ``"target"`` -> ``(None, "target")``."""
    match = re.match(r"^(.+?)\s*<([^<>]+)>$", content.strip(), flags=re.S)
    return (match.group(1), match.group(2)) if match else (None, content.strip())


def glue_parts(role: str, content: str) -> tuple[str, str]:
    """Key and format of a glue role (myst-nb: ``key:format`` for ``glue:text`` only)."""
    if role == "glue:text" and ":" in content:
        key, fmt = content.rsplit(":", 1)
        return key, fmt
    return content, "s" if role == "glue:text" else ""


def glued(value: str | None) -> str:
    """A glued value as the notebook shows it."""
    if value is None:
        return "*(computed by the code cells)*"
    text = value if "$" in value else html.escape(value, quote=False)
    return f'<span title="{GLUED_TITLE}">{text}</span>'


FORMAT_SPAN = re.compile(r"\]\{\.(?P<only>html|latex)-only\}")
"""The end of a MyST ``[text]{.html-only}`` or ``[text]{.latex-only}`` span (``attrs_inline``)."""


def site_text(text: str) -> str:
    """``text`` as the site shows it: ``[...]{.html-only}`` spans keep their text (a notebook,
    like the site, is read on a screen), ``[...]{.latex-only}`` spans (for the PDF) are dropped."""
    out = text
    while (end := FORMAT_SPAN.search(out)) is not None:
        depth, start = 0, None
        for k in range(end.start() - 1, -1, -1):  # the matching "[", past nested brackets
            if out[k] == "]":
                depth += 1
            elif out[k] == "[":
                if depth == 0:
                    start = k
                    break
                depth -= 1
        if start is None:
            raise ValueError(f"unbalanced [...]{{.{end.group('only')}-only}} span: {out[:end.end()][-80:]!r}")
        inner = out[start + 1:end.start()] if end.group("only") == "html" else ""
        out = out[:start] + inner + out[end.end():]
    return out


def convert_roles(text: str, resolver: Resolver) -> str:
    """Every role of ``text`` (outside code) replaced by what the page shows; text meant only
    for the PDF dropped (:func:`site_text`)."""
    text = site_text(text)

    def replace(match: re.Match) -> str:
        name, content = match.group("name"), match.group("content")
        if name in ("glue", "glue:", "glue:any", "glue:text", "glue:md"):
            return glued(resolver.glue(*glue_parts(name, content)))
        if name == "math":
            return f"${content}$"
        return resolver.xref(name, content)

    return ROLE.sub(replace, text)


def _closes(line: str, fence: str) -> bool:
    stripped = line.strip()
    return len(stripped) >= len(fence) and set(stripped) == {fence[0]}


def _options(body: list[str]) -> tuple[dict[str, str], list[str]]:
    """A directive's options (``:key: value`` lines or a ``---`` YAML block) and its content."""
    options: dict[str, str] = {}
    rest = list(body)
    if rest and rest[0].strip() == "---" and "---" in (line.strip() for line in rest[1:]):
        end = [line.strip() for line in rest[1:]].index("---") + 1
        for line in rest[1:end]:
            key, _, value = line.partition(":")
            options[key.strip()] = value.strip()
        rest = rest[end + 1:]
    else:
        while rest and OPTION.match(rest[0]):
            match = OPTION.match(rest[0])
            options[match.group("key")] = match.group("value").strip()
            rest = rest[1:]
    while rest and not rest[0].strip():
        rest = rest[1:]
    while rest and not rest[-1].strip():
        rest = rest[:-1]
    return options, rest


def _heading(text: str, title: str) -> str:
    return f"**{text}{f' ({title})' if title else ''}.**"


def render_directive(name: str, arg: str, body: list[str], resolver: Resolver, titles: dict[str, str]) -> list[str]:
    """Plain Markdown lines for the directive ``name`` with argument ``arg`` and ``body``
    (``titles``: the titles of the page's exercises, by label, for their solutions)."""
    options, content = _options(body)
    label = options.get("label", "")
    if name == "math":
        number = resolver.title("eq", label) if label else None
        tag = [rf"\tag{{{number.strip('()')}}}"] if number else []
        return ["$$", *content, *tag, "$$"]
    if name in ("code-block", "code", "sourcecode"):
        return [f"```{arg.strip()}", *content, "```"]
    inner = convert_lines(content, resolver, titles)
    title = convert_roles(arg.strip(), resolver)
    if name == "prf:proof":
        if inner and inner[-1].strip() and not inner[-1].strip().startswith(("$$", "```", "~~~", "</")):
            return ["*Proof.*", "", *inner[:-1], inner[-1] + " ∎"]
        return ["*Proof.*", "", *inner, "", "∎"]
    if name.startswith("prf:") and name[4:] in PROOF_TYPES:
        number = resolver.title("prf:ref", label) if label and "nonumber" not in options else None
        return [_heading(number or name[4:].title(), title), "", *inner]
    if name == "exercise":
        number = resolver.title("numref", label) if label and "nonumber" not in options else None
        return [_heading(number or "Exercise", title), "", *inner]
    if name == "solution":
        exercise = resolver.title("numref", arg.strip()) or "the exercise"
        heading = f"Solution to {exercise}" + (f" ({titles[arg.strip()]})" if titles.get(arg.strip()) else "")
        if "dropdown" in options.get("class", "").split():
            return ["<details>", f"<summary><b>{heading}</b></summary>", "", *inner, "", "</details>"]
        return [f"**{heading}.**", "", *inner]
    if name in ADMONITIONS or name == "admonition":
        heading = title if name == "admonition" else ("See also" if name == "seealso" else name.title())
        if "dropdown" in options.get("class", "").split():
            return ["<details>", f"<summary><b>{heading}</b></summary>", "", *inner, "", "</details>"]
        return [f"**{heading}.**", "", *inner]
    raise ValueError(f"directive {{{name}}}: the chapter notebooks have no rendering for it "
                     "(add one to scripts/notebook_markdown.py)")


def convert_lines(lines: list[str], resolver: Resolver, titles: dict[str, str]) -> list[str]:
    """The lines of a MyST cell (or of a directive's content) as Jupyter Markdown lines."""
    out: list[str] = []
    text: list[str] = []  # lines of text since the last fence: roles may span a line break

    def flush() -> None:
        if text:
            out.extend(convert_roles("\n".join(text), resolver).split("\n"))
            text.clear()

    i = 0
    while i < len(lines):
        line = lines[i]
        fence = FENCE.match(line)
        if fence:
            flush()
            indent, mark, info = fence.group("indent"), fence.group("fence"), fence.group("info").strip()
            j = i + 1
            while j < len(lines) and not _closes(lines[j], mark):
                j += 1
            body = [b[len(indent):] if b.startswith(indent) else b.lstrip() for b in lines[i + 1:j]]
            directive = DIRECTIVE.match(info)
            if directive:
                rendered = render_directive(directive.group("name"), directive.group("arg"), body, resolver, titles)
                out.extend(indent + r if r else "" for r in rendered)
            else:  # a code block: left as it is
                out.extend(lines[i:j + 1])
            i = j + 1
            continue
        if not (TARGET.match(line) or COMMENT.match(line)):
            text.append(line)
        i += 1
    flush()
    return out


def exercise_titles(page: str, resolver: Resolver | None = None) -> dict[str, str]:
    """The titles of the exercises of a MyST page, by label (a solution's heading repeats it)."""
    found = re.finditer(r"^\s*(?:`{3,}|:{3,})\{exercise\}[ \t]*(?P<title>.*)\n:label:[ \t]*(?P<label>\S+)", page, flags=re.M)
    return {m.group("label"): convert_roles(m.group("title").strip(), resolver or PlainResolver()) for m in found}


FOOTNOTE_DEFINITION = re.compile(r"^\[\^(?P<name>[^\]\s]+)\]:[ \t]*(?P<text>.*(?:\n(?:[ \t]+\S.*))*)", re.M)
"""A footnote's definition: ``[^name]: text``, continued by indented lines."""


def inline_footnotes(source: str, notes: list[tuple[str, str]] | None = None) -> str:
    """Footnotes (``[^name]`` and their definitions ``[^name]: ...``) as Jupyter can show them:
    Jupyter's Markdown has no footnotes and would print both raw. Each reference becomes a
    superscript number. The definitions are appended to ``notes`` (``(name, text)``, numbered
    by their place in it, so that a whole notebook numbers its notes once and can show them at
    its end, where the page shows them), or, without ``notes``, move numbered to the end of
    the cell (MyST-NB keeps a footnote's definition in the cell of its reference)."""
    definitions = {m.group("name"): " ".join(line.strip() for line in m.group("text").splitlines())
                   for m in FOOTNOTE_DEFINITION.finditer(source)}
    if not definitions:
        return source
    body = FOOTNOTE_DEFINITION.sub("", source)
    collected: list[tuple[str, str]] = [] if notes is None else notes

    def number(match: re.Match) -> str:
        name = match.group(1)
        if name not in definitions:
            return match.group(0)
        names = [n for n, _ in collected]
        if name not in names:
            collected.append((name, definitions[name]))
            names.append(name)
        return f"<sup>{names.index(name) + 1}</sup>"

    body = re.sub(r"\[\^([^\]\s]+)\]", number, body)
    if notes is not None:
        return body
    return body.rstrip("\n") + "\n\n---\n\n" + footnote_list(collected) + "\n"


def footnote_list(notes: list[tuple[str, str]]) -> str:
    """The numbered notes collected by :func:`inline_footnotes`, as Markdown."""
    return "\n\n".join(f"<sup>{i + 1}</sup> {text}" for i, (_, text) in enumerate(notes))


def to_jupyter(source: str, resolver: Resolver | None = None, titles: dict[str, str] | None = None,
               notes: list[tuple[str, str]] | None = None) -> str:
    """The MyST Markdown ``source`` of one cell as Markdown that Jupyter renders like the page
    (``titles``: :func:`exercise_titles` of the whole page, if the cell has solutions;
    ``notes``: where footnote definitions go, see :func:`inline_footnotes`)."""
    lines = convert_lines(inline_footnotes(source, notes).splitlines(), resolver or PlainResolver(), titles or {})
    text = "\n".join(lines)
    return re.sub(r"\n{3,}", "\n\n", text).strip("\n")


RAW_MYST = re.compile(r"\[\^[^\]\s]+\]|\]\{\.(?:html|latex)-only\}|\{[A-Za-z][\w:+.-]*\}`|^\s*(`{3,}|~{3,}|:{3,})\{|^\s*\([^)\s]+\)=\s*$", re.M)
"""What Jupyter would show raw: a footnote, a role, a format span, a directive fence or a target (for checks)."""


def raw_myst(markdown: str) -> list[str]:
    """The pieces of ``markdown`` that Jupyter would show as raw MyST."""
    return [m.group(0) for m in RAW_MYST.finditer(markdown)]
