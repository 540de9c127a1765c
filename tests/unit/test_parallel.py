"""The program's advice on the engine's --parallel (stacks/parallel.py): said
when the bound holds experiments' waits back, and only then."""

from stacks.parallel import parallel_advice, recommended_parallel


def test_a_bound_below_two_steps_per_experiment_is_named_with_the_value_to_pass():
    message = parallel_advice(10, 8)
    assert message is not None
    assert "--parallel 20" in message and "PULUMI_PARALLEL=20" in message and "runs 8 at once" in message


def test_enough_steps_or_an_unknown_bound_says_nothing():
    assert recommended_parallel(4) == 8
    assert parallel_advice(4, 8) is None
    assert parallel_advice(10, 20) is None
    assert parallel_advice(10, None) is None
    assert parallel_advice(10, 0) is None
