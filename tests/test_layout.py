"""The README's "Where things live" map matches the tree, and the sides keep their boundary."""

import ast
import glob
import os
import re

from harness_process import ROOT


def _map_paths():
    with open(os.path.join(ROOT, "README.md"), encoding="utf-8") as stream:
        text = stream.read()
    section = text.split("## Where things live", 1)[1].split("\n## ", 1)[0]
    return {path.rstrip("/") for row in section.splitlines() if row.startswith("| `")
            for path in re.findall(r"`([^`]+)`", row.split("|")[1])}


def test_every_module_is_on_the_map_and_every_mapped_path_exists():
    mapped = _map_paths()
    modules = {os.path.relpath(path, ROOT) for path in glob.glob(os.path.join(ROOT, "harness", "**", "*.py"), recursive=True)
               if os.path.basename(path) not in ("__init__.py", "__main__.py")}
    assert sorted(modules - mapped) == []
    assert sorted(path for path in mapped if not os.path.exists(os.path.join(ROOT, path))) == []


def _imports(path):
    with open(path, encoding="utf-8") as stream:
        tree = ast.parse(stream.read())
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module:
            yield node.module
        elif isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name


def test_the_sides_keep_their_boundary():
    """The environment side and the contract never import the host side; the host never imports
    a framework or the environment side; only the compatibility layer imports TensorFlow/Keras."""
    for path in glob.glob(os.path.join(ROOT, "harness", "**", "*.py"), recursive=True):
        side = os.path.relpath(path, os.path.join(ROOT, "harness")).split(os.sep)[0]
        imported = set(_imports(path))
        if side in ("run", "contract", "case.py", "measures.py"):
            assert not [m for m in imported if m.startswith("harness.host")], path
        if side in ("host", "contract"):
            assert not [m for m in imported if m.startswith("harness.run")], path
        if not path.endswith(os.path.join("run", "framework.py")):
            assert not [m for m in imported if m.split(".")[0] in ("tensorflow", "keras", "jax", "torch")], path


def test_the_presenters_take_their_words_from_the_wording_module_not_the_engine():
    for name in ("present.py", "html_page.py"):
        imported = set(_imports(os.path.join(ROOT, "harness", "host", name)))
        engine = {"harness.host." + module for module in ("compare", "materiality", "attribution", "expectations",
                                                           "verdicts", "gate", "lineup")}
        assert not imported & engine, name
        assert "harness.host" in imported or "harness.host.wording" in imported, name
