"""One writer per report, and no lock file left behind once the writer is done."""

import pytest

from harness.errors import UserError
from harness.run.output_lock import OutputLock


def test_the_lock_file_goes_when_the_run_ends_and_a_second_writer_is_refused_meanwhile(tmp_path):
    report = str(tmp_path / "tf2.json")
    with OutputLock(report):
        assert (tmp_path / "tf2.json.lock").exists()
        with pytest.raises(UserError, match="another run is writing this report"):
            with OutputLock(report):
                pass
    assert not (tmp_path / "tf2.json.lock").exists()
    with OutputLock(report):  # and the next run can take it again
        pass
    assert list(tmp_path.iterdir()) == []


def test_a_lock_on_a_file_that_was_removed_meanwhile_does_not_count(tmp_path):
    """A run that opened the lock file just before its holder removed it must lock the new one."""
    report = str(tmp_path / "r.json")
    first = OutputLock(report).__enter__()
    stale = open(report + ".lock", "a+")  # opened while the first holds it
    first.__exit__(None, None, None)
    second = OutputLock(report).__enter__()  # the path now names a new file, locked by the second
    assert second._names_this_file(second._stream) and not second._names_this_file(stale)
    stale.close()
    second.__exit__(None, None, None)
