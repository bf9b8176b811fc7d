import pytest

from harness.contract.versions import environment_versions, parse, release, satisfied


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
    with pytest.raises(ValueError, match="expected a package, an operator and a version, e.g. 'tensorflow<2.0'"):
        parse("tensorflow newer than 2")
    with pytest.raises(ValueError, match="keras-flavour is not a version"):
        parse("keras_flavour>=2")


def test_a_version_an_untrusted_report_made_up_satisfies_nothing():
    assert satisfied("tensorflow>=2", {"tensorflow": "two point one"}) is False
    assert satisfied("tensorflow>=2", {"tensorflow": "9" * 5000}) is True  # read as far as a version goes, no error


def test_one_map_holds_every_package_python_and_the_framework_s_own_versions():
    from builders import ENVIRONMENT
    found = environment_versions(dict(ENVIRONMENT, packages={"NumPy": "2.1.0", "tensorflow_cpu": "2.15.1"}))
    assert found["numpy"] == "1.16.6" and found["tensorflow-cpu"] == "2.15.1" and found["tensorflow"] == "1.14.0"
    assert found["python"] == "3.11.7" and found["keras_flavour"] == "tf.keras" and found["backend"] == "tensorflow"
    assert satisfied("python>=3.8", found) and satisfied("tensorflow-cpu>=2.15", found)
