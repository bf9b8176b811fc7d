"""pytest integration: ``pytest cases/`` runs the cases and reports every check as a test.

Each case file under a folder named ``cases`` becomes a pytest file; each variant becomes an item
(it fails when a run of the variant crashed or timed out) and each check an item named
``check_id[variant-variant]``, so ``pytest cases/ -k bn`` selects by case, variant or check.
Known failures are strict xfails: a known failure shows as ``xfailed``, one that now passes as
``XPASS(strict)``, which fails the session. ``noise`` and ``skipped`` checks are skipped with
the reason.

**The upgrade gate.** With ``--harness-baseline reports/tf215.json`` the session's report is compared
with that baseline (``harness compare``'s comparison, which needs SciPy in the environment) and each
case adds an item per variant and init mode, ``decided[variant-mode]``: a material change that no
case declared expected fails it, an undetermined one skips it with the seeds that would decide it
(``harness decide`` runs them), the same passes; and an item ``marks`` fails on a check that held in
the baseline and no longer does, undeclared. ``--harness-env`` names this environment.

There is one code path: the first selected item runs :func:`harness.run.runner.run` once for every
selected case (runs in forked children, the same report written to ``reports/<env>.json``), and
the items only read the verdicts from that report. Activate with ``-p harness.pytest_plugin``
(the repository's ``conftest.py`` does).
"""

import os
from typing import Any, Callable, Dict, Iterator, Optional

import pytest

from harness.contract import settings
from harness.contract.reading import Case, Report
from harness.contract.vocabulary import CASE_KINDS, INIT_MODES, check_fails_environment, run_fails_environment
from harness.errors import CaseFileError, UserError
from harness.run.discovery import load_case_file
from harness.rules import RUN_VARIANT
from harness.run import runner

_DOCUMENT = pytest.StashKey[Dict[str, Any]]()
_COMPARISON = pytest.StashKey[Dict[str, Any]]()
_GUARD = pytest.StashKey[Callable[[str, str], Optional[str]]]()


def pytest_addoption(parser: Any) -> None:
    """The run settings that make sense under pytest, made from the one settings table, and the baseline
    the upgrade gate compares with."""
    group = parser.getgroup("keras-harness")
    for setting in settings.pytest_settings():
        options = setting.argparse_options()
        options["dest"] = setting.pytest_dest
        group.addoption(setting.pytest_flag, **options)
    group.addoption("--harness-baseline", dest="harness_baseline", metavar="REPORT",
                    help="compare this environment's report with this baseline report: a test per variant and init "
                         "mode fails on a material change, skips while undetermined")


def pytest_collect_file(file_path: Any, parent: Any) -> Optional["CaseFile"]:
    if (file_path.suffix == ".py" and file_path.parent.name == "cases" and not file_path.name.startswith("_")
            and file_path.name != "conftest.py"):
        return CaseFile.from_parent(parent, path=file_path)
    return None


def _import_guard(config: Any) -> Callable[[str, str], Optional[str]]:
    """The runner's import guard, made once per session: this process is the one every run forks
    from, so a case file must pass the same check here before pytest imports it."""
    if _GUARD not in config.stash:
        from harness.run.framework import load
        from harness.run.import_guard import guard
        config.stash[_GUARD] = guard(load().runtime_state, runner.GUARD_TIMEOUT_S)
    return config.stash[_GUARD]


def _named(config: Any, path: str) -> bool:
    """Whether the command line names this file (``pytest cases/text_lstm.py``), not only its folder."""
    return any(os.path.abspath(os.path.join(str(config.invocation_params.dir), argument.split("::")[0])) == path
               for argument in config.args)


class CaseFile(pytest.File):
    def collect(self) -> Iterator[pytest.Item]:
        path, folder = str(self.path), str(self.path.parent)
        try:
            problem = _import_guard(self.config)(path, folder)
            if problem is not None:
                raise CaseFileError(path, problem)
            loaded = load_case_file(path, folder)
        except UserError as error:  # a broken file, or no framework to test in this Python
            yield BrokenCaseFile.from_parent(self, name="load", error=error)
            return
        case = loaded.case
        if case.on_request and not _named(self.config, str(self.path)):
            return  # as the runner leaves it out unless -k names it: here, unless its file is named
        if case.kind == CASE_KINDS[1]:  # a family: its one run, then each rule as the check it is
            yield VariantItem.from_parent(self, name=RUN_VARIANT, case_id=case.id, variant=RUN_VARIANT)
            if case.generated:  # its rules are known once its run generated them (a Family has the attribute)
                yield GeneratedRulesItem.from_parent(self, name="generated", case_id=case.id)
            for rule in case.rules:
                yield CheckItem.from_parent(self, name=rule.id, case_id=case.id, check_id=rule.id)
            return
        for variant in case.variants:
            yield VariantItem.from_parent(self, name=variant.name, case_id=case.id, variant=variant.name)
        for check in case.checks:
            yield CheckItem.from_parent(self, name="{}[{}]".format(check.id, "-".join(check.variants)),
                                        case_id=case.id, check_id=check.id)
        if self.config.getoption("harness_baseline"):
            for variant in case.variants:
                for mode in INIT_MODES:
                    yield DecidedItem.from_parent(self, name="decided[{}-{}]".format(variant.name, mode),
                                                  case_id=case.id, variant=variant.name, init_mode=mode)
        if self.config.getoption("harness_baseline") and (case.checks or case.kind == CASE_KINDS[1]):
            yield MarksItem.from_parent(self, name="marks", case_id=case.id)


class BrokenCaseFile(pytest.Item):
    def __init__(self, *, error: UserError, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.error = error

    def runtest(self) -> None:
        raise CaseFileFailed(str(self.error))

    def repr_failure(self, excinfo: Any, style: Any = None) -> str:
        return str(excinfo.value)


class CaseFileFailed(Exception):
    pass


class HarnessItem(pytest.Item):
    """An item whose outcome is read from the session's one harness run."""

    def __init__(self, *, case_id: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.case_id = case_id

    def case_entry(self) -> Case:
        for case in Report(_session_report(self.session)).cases:
            if case.id == self.case_id:
                return case
        pytest.fail("case {} did not run".format(self.case_id), pytrace=False)

    def repr_failure(self, excinfo: Any, style: Any = None) -> str:
        if isinstance(excinfo.value, HarnessFailure):
            return str(excinfo.value)
        return super().repr_failure(excinfo, style)

    def reportinfo(self) -> Any:
        return self.path, None, "{}::{}".format(self.case_id, self.name)


class HarnessFailure(Exception):
    pass


class VariantItem(HarnessItem):
    def __init__(self, *, variant: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.variant = variant

    def runtest(self) -> None:
        runs = [run for run in self.case_entry().runs if run.variant == self.variant]
        broken = [run for run in runs if run_fails_environment(run.status)]
        if broken:
            raise HarnessFailure("\n".join("{} init, seeds {}: {}: {}".format(
                run.init_mode, run.seeds, run.status, run.error_message) for run in broken))
        if runs and all(run.status == "skipped" for run in runs):
            pytest.skip(runs[0].error_message or "skipped")


class CheckItem(HarnessItem):
    def __init__(self, *, check_id: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.check_id = check_id

    def runtest(self) -> None:
        check = next(c for c in self.case_entry().checks if c.id == self.check_id)
        known = [g.known_failure for g in check.groups if g.known_failure]
        if known:  # strict: a known failure that passes fails the session as XPASS(strict)
            self.add_marker(pytest.mark.xfail(strict=True, reason="known: {} ({})".format(known[0]["reason"], known[0]["source"])))
        verdict = check.verdict
        if verdict in ("pass", "fixed"):
            return
        reasons = [g.reason for g in check.groups if g.reason]
        if verdict in ("noise", "skipped"):
            pytest.skip("{}: {}".format(verdict, reasons[0] if reasons else ""))
        failing = [g for g in check.groups if g.verdict not in ("pass", "fixed")]
        raise HarnessFailure("{} [{}] {}: {}".format(check.id, check.kind, verdict, "; ".join(
            "{} repeat {}: measured {} (limit {} {}){}".format(
                g.init_mode, g.repeat, g.measured, check.limit_operator, check.limit_bound,
                ", first divergence " + g.first_divergence if g.first_divergence else "")
            for g in failing[:4])))


class GeneratedRulesItem(HarnessItem):
    """A generated family's rules, which only its run knows: fails naming each rule that makes the
    environment fail (a failure not declared, an error, a declared failure now fixed), and when it
    generated nothing."""

    def runtest(self) -> None:
        case = self.case_entry()
        if not case.checks:
            raise HarnessFailure("{} generated no rule".format(self.case_id))
        failing = [check for check in case.checks if check_fails_environment(check.kind, check.verdict)]
        if failing:
            raise HarnessFailure("{} of {} generated rules: {}".format(len(failing), len(case.checks), "; ".join(
                "{} {}".format(check.id, check.verdict) for check in failing[:20])))


class DecidedItem(HarnessItem):
    """One variant and init mode of the upgrade gate: the comparison with the baseline decides it."""

    def __init__(self, *, variant: str, init_mode: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.variant = variant
        self.init_mode = init_mode

    def runtest(self) -> None:
        from harness.host import wording
        comparison = _gate_comparison(self.session)
        gaps = [gap for gap in comparison["gaps"] if gap["case"] in (self.case_id, None)]
        if gaps:
            raise HarnessFailure("not compared: " + "; ".join(wording.gap_text(gap) for gap in gaps))
        item = next((item for item in comparison["comparisons"] if (item["case"], item["variant"]) ==
                     (self.case_id, self.variant)), None)
        result = item["by_init_mode"].get(self.init_mode) if item else None
        if result is None:
            pytest.skip("no run of {} / {} init finished in both environments".format(self.variant, self.init_mode))
        if result["materiality"] == "material" and not result["expected"]:
            raise HarnessFailure("MATERIAL ({}) against {}: {}".format(wording.cause_words(result["cause"]),
                                                                       comparison["baseline"], wording.result_text(result)))
        if result["materiality"] == "undetermined":
            flag = next((flag for flag in comparison["flags"] if flag["code"] == "undetermined"
                         and flag["case"] == self.case_id), None)
            pytest.skip("UNDETERMINED against {}: {}{}".format(comparison["baseline"], wording.result_text(result),
                                                               "; " + wording.flag_text(flag) if flag else ""))


class MarksItem(HarnessItem):
    """A case's checks against the baseline: one that held there and no longer does, undeclared, fails."""

    def runtest(self) -> None:
        from harness.host import wording
        comparison = _gate_comparison(self.session)
        changed = [reason for reason in comparison["gate"]["reasons"]
                   if reason["code"] == "verdict_changed" and reason["case"] == self.case_id]
        if changed:
            raise HarnessFailure("\n".join(wording.reason_text(reason, comparison) for reason in changed))


def _gate_comparison(session: Any) -> Dict[str, Any]:
    """The comparison, or the one line that says why there is none (an unreadable baseline, no SciPy)."""
    try:
        return _session_comparison(session)
    except UserError as error:
        raise HarnessFailure(str(error))


def _session_comparison(session: Any) -> Dict[str, Any]:
    """This session's report compared with the baseline report, once."""
    stash = session.config.stash
    if _COMPARISON not in stash:
        from harness.contract import report
        from harness.host import compare
        baseline = report.load(session.config.getoption("harness_baseline"))
        current = _session_report(session)
        names = (current["environment"]["name"], baseline["environment"]["name"])
        if names[0] == names[1]:
            raise UserError("--harness-baseline {}: names this environment too ({}); name this one with "
                            "--harness-env".format(session.config.getoption("harness_baseline"), names[0]))
        stash[_COMPARISON] = compare.compare([(names[0], current), (names[1], baseline)], baseline=names[1])
    return stash[_COMPARISON]


def _session_report(session: Any) -> Dict[str, Any]:
    """Run every selected case once, the first time any item asks."""
    stash = session.config.stash
    if _DOCUMENT not in stash:
        items = [item for item in session.items if isinstance(item, HarnessItem)]
        options = session.config.option
        chosen = settings.Settings(cases_folder=str(items[0].path.parent), patterns=sorted({item.case_id for item in items}),
                                   **{s.name: getattr(options, s.pytest_dest) for s in settings.pytest_settings()})
        reporter = session.config.pluginmanager.get_plugin("terminalreporter")
        stash[_DOCUMENT] = runner.run(chosen, out=_ReporterStream(reporter)).document
    return stash[_DOCUMENT]


class _ReporterStream(object):
    """The runner's progress lines, shown by pytest's terminal reporter despite output capture."""

    def __init__(self, reporter: Any) -> None:
        self.reporter = reporter

    def write(self, text: str) -> None:
        if self.reporter is not None:
            self.reporter.write(text)

    def flush(self) -> None:
        if self.reporter is not None:
            self.reporter.flush()
