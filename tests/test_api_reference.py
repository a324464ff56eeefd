"""The API reference documents every public module and name of nndyn."""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import re
from pathlib import Path

import nndyn

API_PAGE = Path(__file__).resolve().parents[1] / "book" / "api.md"


def public_modules() -> list[str]:
    names = ["nndyn"]
    for info in pkgutil.walk_packages(nndyn.__path__, prefix="nndyn."):
        if not any(part.startswith("_") for part in info.name.split(".")):
            names.append(info.name)
    return names


def public_names(module_name: str) -> list[str]:
    """Functions and classes defined in a module (not imported into it), without a leading underscore."""
    module = importlib.import_module(module_name)
    return [
        name
        for name, obj in vars(module).items()
        if not name.startswith("_")
        and (inspect.isfunction(obj) or inspect.isclass(obj))
        and getattr(obj, "__module__", None) == module_name
    ]


def test_every_public_module_is_on_the_api_page():
    listed = set(re.findall(r"automodule:: (\S+)", API_PAGE.read_text()))
    missing = [name for name in public_modules() if name != "nndyn" and name not in listed]
    assert not missing, f"add to book/api.md: {missing}"


def test_every_public_function_and_class_has_a_docstring():
    undocumented = [
        f"{module}.{name}"
        for module in public_modules()
        for name in public_names(module)
        if not inspect.getdoc(getattr(importlib.import_module(module), name))
    ]
    assert not undocumented, undocumented
