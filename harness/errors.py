"""The one kind of error a user can cause, printed as one line without a traceback.

A framework's failure is data (it goes into the report); a bug of ours shows a traceback; a
user's mistake (a broken case file, a bad option, a report that is not a report) is a
``UserError`` whose message names the file and the problem, so that the fix is obvious.
"""


class UserError(Exception):
    """A mistake in what the user gave us; ``str(error)`` is the whole message."""


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
