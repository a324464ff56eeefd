"""Editions: one version number, a changelog entry for it, a citation file that agrees."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import yaml

import nndyn

ROOT = Path(__file__).resolve().parent.parent
import changelog_section  # noqa: E402  (scripts/, on the path through pyproject.toml)


def test_version_is_written_in_one_place():
    from importlib.metadata import version

    source = (ROOT / "code" / "nndyn" / "_version.py").read_text()
    assert re.search(r'^__version__ = "\d+\.\d+\.\d+"', source, flags=re.M)
    assert version("nndyn") == nndyn.__version__, "reinstall nndyn (make venv): the metadata is stale"
    pyproject = (ROOT / "pyproject.toml").read_text()
    project = pyproject.split("[project]", 1)[1].split("\n[", 1)[0]
    assert not re.search(r'^version\s*=', project, flags=re.M), "pyproject.toml must read the version from nndyn/_version.py"
    assert re.search(r'^dynamic\s*=\s*\["version"\]', project, flags=re.M)
    assert 'attr = "nndyn._version.__version__"' in pyproject


def test_changelog_has_a_section_for_the_version():
    text = (ROOT / "CHANGELOG.md").read_text()
    assert text.startswith("# Changelog") and "## [Unreleased]" in text
    body = changelog_section.section(nndyn.__version__, text)
    assert "### " in body
    heading = re.search(rf"^## \[{re.escape(nndyn.__version__)}\] - (\d{{4}}-\d{{2}}-\d{{2}})$", text, flags=re.M)
    assert heading, "the version's heading must read '## [X.Y.Z] - YYYY-MM-DD'"
    cff = yaml.safe_load((ROOT / "CITATION.cff").read_text())
    assert cff["date-released"] == heading.group(1)
    out = subprocess.run([sys.executable, str(ROOT / "scripts" / "changelog_section.py"), "0.0.0-none"], capture_output=True, text=True)
    assert out.returncode == 1 and "no section" in out.stderr


def test_citation_file_agrees_with_the_package():
    cff = yaml.safe_load((ROOT / "CITATION.cff").read_text())
    assert cff["cff-version"] == "1.2.0"
    assert cff["version"] == nndyn.__version__
    assert cff["repository-code"] == yaml.safe_load((ROOT / "_config.yml").read_text())["repository"]["url"]
    notes = cff["references"][0]
    assert notes["authors"][0]["family-names"] == "Wu" and notes["year"] == 2021


def test_release_workflow_checks_the_tag_and_attaches_pdf_and_html():
    text = (ROOT / ".github" / "workflows" / "release.yml").read_text()
    workflow = yaml.safe_load(text)
    assert workflow[True]["push"]["tags"] == ["v*"]  # YAML reads the key `on` as True
    assert "code/nndyn/_version.py" in text and "make pdf" in text
    assert ".pdf" in text and "-html.tar.gz" in text and "gh release create" in text
    assert "deploy-pages" in text and "NNDYN_EDITION" in text
