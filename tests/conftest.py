"""Shared fixtures: throw-away case folders built from a dict of files, and hand-built runs."""

import os
import sys
import textwrap

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
if ROOT not in sys.path:
    sys.path.insert(0, ROOT)


@pytest.fixture
def make_cases(tmp_path):
    """Write ``{filename: source}`` into a fresh cases folder and return its path."""
    def make(files):
        folder = tmp_path / "cases"
        folder.mkdir(exist_ok=True)
        for name, source in files.items():
            (folder / name).write_text(textwrap.dedent(source))
        return str(folder)
    return make

# Fixture case folders are inputs of the integration tests, not tests of this session.
collect_ignore_glob = ["fixtures/*"]
