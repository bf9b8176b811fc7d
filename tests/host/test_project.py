"""A user's project gets every harness environment from a generated tox.ini, never a copied pin."""

import configparser
import os
import re
import shutil
import subprocess

import pytest

from harness.errors import UserError
from harness.host import project
from harness_process import ROOT, run_harness


def test_generative_names_expand_as_tox_expands_them():
    assert project.expand("tf2{1-3}") == ["tf21", "tf22", "tf23"]
    assert project.expand("tf1{14,15}") == ["tf114", "tf115"]
    assert project.expand("k31{0-1}-x{a,b}") == ["k310-xa", "k310-xb", "k311-xa", "k311-xb"]


def test_the_matrix_is_the_harnesss_own_tox_ini():
    assert os.path.samefile(project.MATRIX_FILE, os.path.join(ROOT, "tox.ini"))
    envs = project.Matrix().envs
    assert {"tf114", "tf114-keras", "tf20", "tf215", "tf221", "tf2", "tf2-gpu", "tf2-legacy", "keras3-jax",
            "keras3-torch", "k30", "k315"} <= set(envs)
    assert len(envs) == len(set(envs)) == 47 and "test" not in envs


def generated(envs=("tf215", "tf2"), **options):
    return project.tox_ini(list(envs), "keras-regression-harness @ file:///somewhere", **options)


def test_the_generated_tox_ini_installs_the_harness_and_the_projects_dependencies_with_the_pins():
    text = generated(extra_deps=["pandas>=2", "-rrequirements.txt"], cases="model_cases")
    parser = configparser.ConfigParser(interpolation=None)
    parser.read_string(text)
    deps = parser["testenv"]["deps"].strip().splitlines()
    assert deps[:3] == ["keras-regression-harness @ file:///somewhere", "pandas>=2", "-rrequirements.txt"]
    assert "tf215: tensorflow-cpu==2.15.1" in deps and "tf114: numpy<1.17" in deps and "k315: keras==3.15.1" in deps
    assert parser["tox"]["env_list"].split() == ["tf215", "tf2"]
    assert "--cases model_cases" in parser["testenv"]["commands"]
    assert "PYTHONPATH = {tox_root}" in parser["testenv"]["set_env"]  # the project's own modules import
    # Only the harness's own test and benchmark environments are left out.
    assert not re.search(r"jsonschema|hypothesis|actionlint|HARNESS_REQUIRE_FRAMEWORK|\btest\b|\bbench\b", text)
    assert text.startswith(project.MARKER)


def test_an_unknown_environment_is_named_with_the_ones_there_are():
    with pytest.raises(UserError, match=r"--envs: unknown environment 'tf3'; the harness has: tf114, tf114-keras"):
        generated(envs=("tf215", "tf3"))


@pytest.mark.skipif(shutil.which("tox") is None, reason="tox is not on PATH")
def test_every_environment_resolves_to_the_harnesss_own_pins(tmp_path):
    """tox itself reads both files: every env gets the same interpreter, pins and variables."""
    (tmp_path / "tox.ini").write_text(generated())
    envs = ",".join(project.Matrix().envs)
    keys = ["-k", "base_python", "deps", "set_env"]

    def resolved(folder):
        env = {k: v for k, v in os.environ.items() if not k.startswith("TOX_") and k != "VIRTUAL_ENV"}
        completed = subprocess.run(["tox", "config", "-e", envs] + keys, cwd=str(folder), env=env,
                                   stdout=subprocess.PIPE, stderr=subprocess.STDOUT, universal_newlines=True, timeout=300)
        assert completed.returncode == 0, completed.stdout[-2000:]
        text = completed.stdout.replace(str(folder), "ROOT")
        return [line for line in text.splitlines() if "keras-regression-harness" not in line]

    assert resolved(tmp_path) == resolved(ROOT)


def test_a_tox_ini_the_user_wrote_is_kept(tmp_path):
    own = tmp_path / "tox.ini"
    own.write_text("[tox]\nenv_list = mine\n")
    completed = run_harness("tox-ini", "--output", str(own))
    assert completed.returncode == 2 and completed.stdout.count("\n") == 1
    assert "exists and was not made by `python -m harness tox-ini`; it is kept" in completed.stdout
    assert own.read_text() == "[tox]\nenv_list = mine\n"
    assert run_harness("tox-ini", "--output", str(own), "--force").returncode == 0
    assert own.read_text().startswith(project.MARKER)
    assert run_harness("tox-ini", "--output", str(own), "--envs", "tf114").returncode == 0  # ours: regenerated
    assert "env_list =\n    tf114\n" in own.read_text()


def test_bad_arguments_are_one_line(tmp_path):
    completed = run_harness("tox-ini", "--envs", "tf215,nope", "--output", str(tmp_path / "tox.ini"))
    assert completed.returncode == 2 and completed.stdout.startswith("error: --envs: unknown environment 'nope'")
    assert not (tmp_path / "tox.ini").exists()


def test_a_checkout_installs_itself_by_path():
    assert project.harness_requirement() == "keras-regression-harness @ file://" + ROOT
