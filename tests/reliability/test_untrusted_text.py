"""Class 7: text from reports, case files and the command line is shown escaped: a newline or an
escape sequence in a name can neither split a one-line error nor forge a line of a table."""

import copy
import subprocess

from builders import report_with, run_result
from harness.contract import report
from harness_process import ROOT, harness_command, harness_env

HOSTILE = "evil\n\x1b[2J\rFORGED gate: passed\u2028"
TF2 = {"tensorflow": "2.21.0", "keras_flavour": "tf.keras"}


def _run(*arguments):
    return subprocess.run(harness_command(*arguments), cwd=ROOT, env=harness_env(), stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, universal_newlines=True, timeout=60)


def _clean(text):
    return not any(ord(c) < 32 and c != "\n" or 0x7f <= ord(c) <= 0x9f or c in "\u2028\u2029" for c in text)


def test_printable_escapes_exactly_the_unprintable():
    from harness.errors import printable
    assert printable(HOSTILE) == "evil\\n\\x1b[2J\\rFORGED gate: passed\\u2028"
    assert printable("Δ tf.keras é ✓") == "Δ tf.keras é ✓"


def test_hostile_names_in_reports_cannot_forge_terminal_or_markdown_lines(tmp_path):
    paths = []
    for name in (HOSTILE, "plain"):
        document = copy.deepcopy(report_with([run_result("a"), run_result("b")], versions=TF2))
        document["environment"]["name"] = name
        document["cases"][0]["id"] = "toy" + HOSTILE
        document["cases"][0]["checks"][0]["id"] = "check" + HOSTILE
        path = tmp_path / "{}.json".format(len(paths))
        report.write(str(path), document)
        paths.append(str(path))
    markdown = tmp_path / "c.md"
    completed = _run("compare", *paths, "--output", str(tmp_path / "c.json"), "--markdown", str(markdown))
    assert completed.returncode == 0, completed.stdout + completed.stderr
    assert _clean(completed.stdout) and _clean(markdown.read_text())
    assert not [line for line in completed.stdout.splitlines() if line.startswith("FORGED")]
    assert "evil\\n\\x1b[2J\\rFORGED" in completed.stdout


def test_a_one_line_error_stays_one_line_whatever_the_path_holds(tmp_path):
    for arguments in (("validate", str(tmp_path / "bad\nname.json")), ("run", "--cases", str(tmp_path / "x\ry")),
                      ("compare", str(tmp_path / "a\x1b.json"), str(tmp_path / "b.json"))):
        completed = _run(*arguments)
        assert completed.returncode == 2
        assert len(completed.stderr.strip().splitlines()) == 1 and _clean(completed.stderr), repr(completed.stderr)
