import pytest

from harness.contract.versions import parse, release, satisfied


@pytest.mark.parametrize("text, expected", [("1.14.0", (1, 14, 0)), ("2.2.4-tf", (2, 2, 4)),
                                            ("2.0.0rc1", (2, 0, 0)), ("2.13.0+cpu", (2, 13, 0))])
def test_release_reads_leading_numbers(text, expected):
    assert release(text) == expected


@pytest.mark.parametrize("requirement, versions, expected", [
    ("tensorflow<2.0", {"tensorflow": "1.14.0"}, True),
    ("tensorflow<2.0", {"tensorflow": "2.0.0"}, False),
    ("tensorflow<2.0", {"tensorflow": "2.0.0rc1"}, False),
    ("tensorflow>=1.14,<1.15", {"tensorflow": "1.14.0"}, True),
    ("tensorflow==2.21", {"tensorflow": "2.21.0"}, True),
    ("tensorflow<2.0", {"tensorflow": None}, False),
    ("keras<3", {"tensorflow": "2.15.1"}, False),
])
def test_requirements(requirement, versions, expected):
    assert satisfied(requirement, versions) is expected


def test_unreadable_requirement_says_what_is_expected():
    with pytest.raises(ValueError, match="expected e.g. 'tensorflow<2.0'"):
        parse("tensorflow newer than 2")
