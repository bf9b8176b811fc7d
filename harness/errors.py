"""The one kind of error a user can cause, printed as one line without a traceback.

A framework's failure is data (it goes into the report); a bug of ours shows a traceback; a
user's mistake (a broken case file, a bad option, a report that is not a report) is a
``UserError`` whose message names the file and the problem, so that the fix is obvious.
"""

import re

# Characters a terminal line or a one-line message must not contain as they are: C0 and C1 controls
# (newline, carriage return, escape sequences), DEL, and line/paragraph separators.
_UNPRINTABLE = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029]")


def printable(text: object) -> str:
    """``text`` with every unprintable character spelled as an escape (``\\n``, ``\\x1b``).

    Names and messages from reports, case files and the command line are untrusted: a newline
    would split a one-line error in two, an escape sequence could forge lines of a table.
    """
    return _UNPRINTABLE.sub(lambda match: match.group(0).encode("unicode_escape").decode("ascii"), str(text))


class UserError(Exception):
    """A mistake in what the user gave us; ``str(error)`` is the whole message, on one line
    whatever the names in it contain."""

    def __init__(self, message: str) -> None:
        super().__init__(printable(message))


class CaseFileError(UserError):
    """A case file that cannot be loaded; the message starts with the file's path."""

    def __init__(self, path: str, problem: str) -> None:
        super().__init__("{}: {}".format(path, problem))
        self.path = path
        self.problem = problem


class ReportError(UserError):
    """A report file that cannot be read or does not follow the schema."""

    def __init__(self, path: str, problem: str) -> None:
        super().__init__("{}: {}".format(path, problem))
        self.path = path
        self.problem = problem
