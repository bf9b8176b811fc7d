"""Finding and loading case files, as pytest and asv discover theirs: by file.

Every ``*.py`` file in the cases folder whose name does not start with ``_`` is a case file and
must bind ``CASE = Case(...)``. A file that cannot be loaded becomes a :class:`CaseFileError`
naming the file and the problem in one line; the other cases still load and run.
"""

import fnmatch
import glob
import hashlib
import importlib.util
import os
import sys
import traceback
from typing import Callable, List, Optional, Sequence, Tuple, Union

from harness.case import Case, CaseDeclarationError
from harness.rules import Family
from harness.errors import CaseFileError


class LoadedCase(object):
    """A case together with the file it came from and that file's hash."""

    def __init__(self, case: Union[Case, Family], path: str, relative_path: str, source_hash: str) -> None:
        self.case = case
        self.path = path
        self.relative_path = relative_path
        self.source_hash = source_hash


def case_files(folder: str) -> List[str]:
    return sorted(path for path in glob.glob(os.path.join(folder, "*.py"))
                  if not os.path.basename(path).startswith("_"))


def _where(error: BaseException, path: str) -> str:
    """'line N' of the deepest frame inside the case file, if the error came from there."""
    for frame in reversed(traceback.extract_tb(error.__traceback__)):
        if os.path.abspath(frame.filename) == os.path.abspath(path):
            return "line {}: ".format(frame.lineno)
    return ""


def load_case_file(path: str, folder: str) -> LoadedCase:
    """Import one case file and return its validated ``CASE``, or raise :class:`CaseFileError`."""
    with open(path, "rb") as stream:
        source = stream.read()
    stem = os.path.splitext(os.path.basename(path))[0]
    spec = importlib.util.spec_from_file_location("harness_cases." + stem, path)
    module = importlib.util.module_from_spec(spec)
    try:
        spec.loader.exec_module(module)
    except SyntaxError as error:
        raise CaseFileError(path, "line {}: syntax error: {}".format(error.lineno, error.msg))
    except CaseDeclarationError as error:  # the field, what it expects, and where the README shows it
        raise CaseFileError(path, "{}{} (README: \"{}\")".format(_where(error, path), error, error.section))
    except Exception as error:
        raise CaseFileError(path, "{}{}: {}".format(_where(error, path), type(error).__name__, error))
    finally:
        sys.modules.pop(spec.name, None)
    if not hasattr(module, "CASE"):
        raise CaseFileError(path, "defines no CASE; a case file must bind CASE = Case(...)")
    if not isinstance(module.CASE, (Case, Family)):
        raise CaseFileError(path, "CASE must be a harness.case.Case (or a harness.rules.Family of rules). Received: "
                            "{}".format(type(module.CASE).__name__))
    return LoadedCase(module.CASE, os.path.abspath(path), os.path.relpath(path, folder),
                      hashlib.sha256(source).hexdigest()[:16])


def matches(case_id: str, patterns: Sequence[str]) -> bool:
    """Selected by id: a pattern is a glob or a substring of the id."""
    return any(fnmatch.fnmatchcase(case_id, p) or p in case_id for p in patterns)


def discover(folder: str, patterns: Sequence[str] = (),
             guard: Optional[Callable[[str, str], Optional[str]]] = None,
             every: bool = False) -> Tuple[List[LoadedCase], List[CaseFileError]]:
    """Load every case file in ``folder``; return the selected cases and the files that failed.

    No patterns selects every case but those run on request (``Case(on_request=True)``), which a
    pattern must name; ``every`` selects them all (``harness list``). ``guard(path, folder)``, when
    given, is asked first and may refuse a file with a problem (see :mod:`harness.run.import_guard`):
    a refused file is never imported here.
    """
    if not os.path.isdir(folder):
        raise CaseFileError(folder, "no such cases folder")
    loaded, errors = [], []  # type: Tuple[List[LoadedCase], List[CaseFileError]]
    first_file = {}
    for path in case_files(folder):
        problem = guard(path, folder) if guard is not None else None
        if problem is not None:
            errors.append(CaseFileError(path, problem))
            continue
        try:
            item = load_case_file(path, folder)
        except CaseFileError as error:
            errors.append(error)
            continue
        if item.case.id in first_file:
            errors.append(CaseFileError(path, "case id '{}' is already used by {}".format(item.case.id, first_file[item.case.id])))
            continue
        first_file[item.case.id] = path
        if every or (matches(item.case.id, patterns) if patterns else not item.case.on_request):
            loaded.append(item)
    return loaded, errors
