"""Which runs an environment makes: controlled runs only where they can tell something."""

from builders import toy_case
from harness.case import Seeds
from harness.contract.settings import Settings
from harness.run.planning import plan, seeds_for


def keys(**given):
    return [(k.variant, k.init_mode, k.repeat, k.replica) for k in plan([toy_case()], Settings(env_name="t", **given))]


def test_pinned_repeat_0_of_every_variant_is_run_once_more_controlled():
    planned = keys(repeats=2)
    assert [k for k in planned if k[1] == "controlled"] == [("a", "controlled", 0, 0), ("b", "controlled", 0, 0)]
    assert len(planned) == 2 * 2 * 2 + 2 * 2 + 2  # variants x modes x repeats, determinism re-runs, controlled


def test_no_controlled_runs_without_pinned_init_or_when_switched_off():
    assert not [k for k in keys(init_modes=["framework"]) if k[1] == "controlled"]
    assert not [k for k in keys(controlled_runs=False) if k[1] == "controlled"]


def test_a_seed_offset_shifts_every_seed_of_every_repeat():
    assert seeds_for(Seeds(1, 2, 3), 0, 100).as_dict() == {"numpy": 101, "python": 102, "framework": 103}
    assert seeds_for(Seeds(1, 2, 3), 2, 100).as_dict() == {"numpy": 2101, "python": 2102, "framework": 2103}


def test_the_matrix_plan_is_the_default_plan_s_first_seed():
    """--plan matrix makes exactly the default's runs of repeat 0 (both init modes, the determinism
    re-runs, the controlled runs) and none of the later seeds."""
    matrix, default = keys(plan="matrix"), keys()
    assert matrix == [k for k in default if k[2] == 0]
    assert {k[3] for k in matrix} == {0, 1} and {k[1] for k in matrix} == {"framework", "pinned", "controlled"}
    assert len(default) > len(matrix)
