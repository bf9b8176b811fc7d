"""Run settings, declared once: name, type, default, help, report key, whether they change numbers.

The command line (``python -m harness run``), the pytest options (``--harness-*``), the report's
``settings`` section and the rule of which settings a resumed report must share are all made
from :data:`TABLE`, as tox 4 declares its settings once, so that a default or a name cannot
drift between them. Standard library only: the runner reads it inside every environment.
"""

import argparse
import math
import os
import re
from typing import Any, Callable, Dict, List, Optional, Sequence

from harness.contract.vocabulary import INIT_MODES
from harness.errors import UserError

REPORTS_FOLDER = "reports"
# An environment's name becomes a file name (reports/<env>.json) and a column of the comparison:
# no path separators, no leading dot, no control characters, short enough for any file system.
ENV_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._+-]{0,99}$")
MAX_REPEATS = 10000  # seeds per variant: ten times what harness decide ever asks for


def positive_int(text: Any) -> int:
    """argparse type: a whole number of at least 1."""
    try:
        value = int(text)
    except (TypeError, ValueError):
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError("expected a positive integer. Received: {}".format(text))
    return value


def seed_count(text: Any) -> int:
    """argparse type: seeds per variant, 1 to MAX_REPEATS. A billion was accepted and planned for
    minutes, deaf to Ctrl-C, before anything ran."""
    value = positive_int(text)
    if value > MAX_REPEATS:
        raise argparse.ArgumentTypeError("expected at most {} seeds per variant (harness decide asks for at most "
                                         "1000). Received: {}".format(MAX_REPEATS, text))
    return value


def non_negative_int(text: Any) -> int:
    """argparse type: a whole number of at least 0."""
    try:
        value = int(text)
    except (TypeError, ValueError):
        value = -1
    if value < 0:
        raise argparse.ArgumentTypeError("expected a whole number of 0 or more. Received: {}".format(text))
    return value


def positive_float(text: Any) -> float:
    """argparse type: a finite number above 0 (``inf`` would overflow the timers)."""
    try:
        value = float(text)
    except (TypeError, ValueError):
        value = math.nan
    if not (value > 0 and math.isfinite(value)):
        raise argparse.ArgumentTypeError("expected a positive, finite number. Received: {}".format(text))
    return value


# A plan is a named set of defaults for what a run makes: which parts of it are run. ``matrix`` keeps
# every part a matrix of environments is read for -- each check's verdict and the matrix table (the
# first seed in both init modes), the bitwise-determinism line and a check's ``noise`` verdict (the
# determinism re-runs), compare's cause (the controlled runs), where two environments part (the
# traces), the rule families -- and drops the seeds beyond the first, which decide only materiality
# between environments: ``harness decide`` adds them where a comparison needs them
# (benchmarks/run_parts.py measures each part; seeds beyond the first were 41 % of a default tf2 run).
# A setting given on the command line wins over its plan's value.
PLANS = {"default": {}, "matrix": {"repeats": 1}}  # type: Dict[str, Dict[str, Any]]


def default_jobs() -> int:
    """Two runs at once where two cores exist: each run is a process of its own."""
    return min(2, os.cpu_count() or 1)


class Setting(object):
    """One run setting and every place it appears.

    ``flags`` are the command-line spellings; ``action`` is argparse's (``store``, ``append``,
    ``store_false``); ``report_key`` names it in the report's ``settings`` (None: not recorded,
    e.g. where the report is written); ``changes_numbers`` says whether two runs that differ in it
    can give different figures (a resumed report must then agree); ``pytest_flag`` makes it a
    ``pytest cases/`` option too.
    """

    def __init__(self, name: str, default: Any, help: str, flags: Sequence[str], kind: Optional[Callable[[Any], Any]] = None,
                 action: str = "store", choices: Optional[Sequence[str]] = None, metavar: Optional[str] = None,
                 report_key: Optional[str] = None, changes_numbers: bool = False,
                 pytest_flag: Optional[str] = None) -> None:
        self.name = name
        self.default = default
        self.help = help
        self.flags = tuple(flags)
        self.kind = kind
        self.action = action
        self.choices = choices
        self.metavar = metavar
        self.report_key = report_key
        self.changes_numbers = changes_numbers
        self.pytest_flag = pytest_flag

    def argparse_options(self) -> Dict[str, Any]:
        shown = self.action == "store" and self.default is not None
        planned = "".join("; plan {}: {}".format(name, values[self.name]) for name, values in PLANS.items()
                          if self.name in values)
        options = {"dest": self.name, "action": self.action,
                   "help": self.help + (" (default: {}{})".format(self.default, planned) if shown else "")}
        if self.action in ("store", "append"):
            if self.kind is not None:
                options["type"] = self.kind
            if self.choices is not None:
                options["choices"] = self.choices
            if self.metavar is not None:
                options["metavar"] = self.metavar
        # Not given is None, whatever the action, so that Settings can tell it from a value given: a plan's
        # value, then the table's default, fill it (an appended list would also share argparse's default).
        options["default"] = None
        return options

    @property
    def pytest_dest(self) -> str:
        """Where pytest keeps the option: prefixed, so no other plugin's ``timeout`` is taken."""
        return "harness_" + self.name


TABLE = (
    Setting("plan", "default", "which parts of a run to make: default (all), or matrix (one seed per variant, "
            "every other part: what a matrix of environments is read for; harness decide adds seeds where a "
            "comparison needs them); a setting given as well wins", ("--plan",), choices=tuple(PLANS),
            report_key="plan"),
    Setting("patterns", (), "select cases whose id matches (glob or substring); repeatable", ("-k",),
            action="append", metavar="PATTERN", report_key="selected"),
    Setting("cases_folder", "cases", "folder of case files", ("--cases",), metavar="FOLDER"),
    Setting("env_name", None, "environment name (default: $TOX_ENV_NAME, else 'local')", ("--env",), metavar="NAME",
            pytest_flag="--harness-env"),
    Setting("output", None, "report path (default: reports/<env>.json)", ("--output",), metavar="PATH",
            pytest_flag="--harness-report"),
    Setting("repeats", 3, "seeds per variant", ("--repeats",), kind=seed_count, metavar="N", report_key="repeats",
            changes_numbers=True, pytest_flag="--harness-repeats"),
    Setting("init_modes", INIT_MODES, "initialisation mode(s) to run (default: both)", ("--init-mode",),
            action="append", choices=INIT_MODES, report_key="init_modes", changes_numbers=True),
    Setting("profile", "default", "case size profile: default, or full (document size)", ("--profile",),
            report_key="profile", changes_numbers=True),
    Setting("timeout", 600.0, "per-run timeout in seconds", ("--timeout",), kind=positive_float, metavar="SECONDS",
            report_key="timeout_s",
            pytest_flag="--harness-timeout"),
    Setting("memory_limit_mib", None, "kill a run whose resident memory passes MIB mebibytes (recorded as an error); "
            "Linux only", ("--memory-limit",), kind=positive_float, metavar="MIB", report_key="memory_limit_mib"),
    Setting("jobs", default_jobs(), "runs at once, each in its own process", ("--jobs",), kind=positive_int, metavar="N",
            report_key="jobs", pytest_flag="--harness-jobs"),
    Setting("seed_offset", 0, "add N to every seed: another seed set for the same environment, so that comparing a "
            "report with another made at a different offset measures the false-alarm rate (A/A)", ("--seed-offset",),
            kind=non_negative_int, metavar="N", report_key="seed_offset", changes_numbers=True),
    Setting("learning_rate_scale", 1.0, "multiply each compiled optimizer's learning rate by X: a known change, to "
            "measure whether compare detects it (power)", ("--learning-rate-scale",), kind=positive_float,
            metavar="X", report_key="learning_rate_scale", changes_numbers=True),
    Setting("controlled_runs", True, "do not run pinned repeat 0 a third time with training randomness (Dropout-like "
            "layers, shuffling) switched off, which lets compare tell training randomness from arithmetic",
            ("--no-controlled-runs",), action="store_false", report_key="controlled_runs", changes_numbers=True),
    Setting("last_look", False, "the seeds asked for (--repeats) are the last of the cases run: their comparison "
            "spends what is left of its false-alarm level, and no seeds may be added to them later (harness decide "
            "passes it when its cap is reached)", ("--last-look",), action="store_true"),
    Setting("traces", True, "do not record the pinned and controlled runs' trace (every variable after the first "
            "steps and each epoch), with which compare says where two environments part", ("--no-trace",),
            action="store_false", report_key="traces"),
    Setting("determinism_reruns", True, "do not run repeat 0 twice to test bitwise determinism",
            ("--no-determinism-rerun",), action="store_false", report_key="determinism_reruns", changes_numbers=True),
)
# What to do with a report already at the output path: two exclusive switches, one setting.
ON_EXISTING = {"--resume": ("resume", "keep the finished cases of the unfinished report at --output and run the rest"),
               "--overwrite": ("overwrite", "replace the report at --output even if it is unfinished or unreadable")}
# The report keys whose values a resumed report must share (they change the figures).
NUMBER_KEYS = tuple(setting.report_key for setting in TABLE if setting.changes_numbers)


def env_name_from(given: Optional[str]) -> str:
    """The environment's name: as given, else tox's env name, else ``local``."""
    name = given or os.environ.get("TOX_ENV_NAME") or "local"
    if not ENV_NAME.match(name):
        raise UserError("--env {}: an environment name is 1 to 100 letters, digits, '.', '_', '+' or '-', not "
                        "starting with '.' or '-' (e.g. tf2-gpu-a100)".format(name[:120]))
    return name


def report_path(env_name: str, given: Optional[str] = None) -> str:
    """Where an environment's report goes: as given, else ``reports/<env>.json``."""
    return given or os.path.join(REPORTS_FOLDER, env_name + ".json")


class Settings(object):
    """What the user asked for, with every default from :data:`TABLE`."""

    def __init__(self, **given: Any) -> None:
        unknown = sorted(set(given) - {setting.name for setting in TABLE} - {"on_existing"})
        if unknown:
            raise TypeError("unknown setting(s): {}".format(", ".join(unknown)))
        if given.get("plan") not in (None,) + tuple(PLANS):
            raise TypeError("unknown plan {!r}: one of {}".format(given["plan"], ", ".join(PLANS)))
        plan = PLANS[given.get("plan") or "default"]
        for setting in TABLE:
            value = given.get(setting.name)
            if value is None:
                value = plan.get(setting.name, setting.default)
            setattr(self, setting.name, list(value) if isinstance(value, (list, tuple)) else value)
        self.on_existing = given.get("on_existing")  # type: Optional[str]
        self.env_name = env_name_from(self.env_name)
        self.output = report_path(self.env_name, self.output)

    @classmethod
    def from_arguments(cls, arguments: argparse.Namespace) -> "Settings":
        return cls(on_existing=getattr(arguments, "on_existing", None),
                   **{setting.name: getattr(arguments, setting.name, None) for setting in TABLE})

    def as_report(self) -> Dict[str, Any]:
        """The report's ``settings`` section."""
        return {setting.report_key: getattr(self, setting.name) for setting in TABLE if setting.report_key}


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Every setting as a ``python -m harness run`` option."""
    for setting in TABLE:
        parser.add_argument(*setting.flags, **setting.argparse_options())
    existing = parser.add_mutually_exclusive_group()
    for flag, (value, help) in ON_EXISTING.items():
        existing.add_argument(flag, dest="on_existing", action="store_const", const=value, help=help)


def arguments_reproducing(recorded: Dict[str, Any]) -> List[str]:
    """The ``harness run`` options that make runs of the settings a report recorded: every setting that
    changes the numbers (but the seeds asked for), so that a run adding seeds to the report resumes it
    rather than being refused as made otherwise."""
    found = []  # type: List[str]
    for setting in TABLE:
        if not setting.changes_numbers or setting.report_key == "repeats" or setting.report_key not in recorded:
            continue
        value = recorded[setting.report_key]
        if setting.action == "store_false":
            found += [] if value else [setting.flags[0]]
        elif setting.action == "append":
            for item in value or []:
                found += [setting.flags[0], str(item)]
        elif value != setting.default:
            found += [setting.flags[0], str(value)]
    return found


def pytest_settings() -> List[Setting]:
    """The settings ``pytest cases/`` offers as ``--harness-*`` options."""
    return [setting for setting in TABLE if setting.pytest_flag]
