import pytest

from service.waiting import Backoff, DeadlineExceeded, wait_for


class FakeTime:
    def __init__(self):
        self.now = 0.0
        self.sleeps: list[float] = []

    def clock(self):
        return self.now

    def sleep(self, seconds):
        self.sleeps.append(seconds)
        self.now += seconds


def test_returns_the_first_non_none_poll_result():
    t = FakeTime()
    answers = iter([None, None, "done"])
    assert wait_for("x", lambda: next(answers), 60, Backoff(initial_seconds=1), t.clock, t.sleep) == "done"
    assert len(t.sleeps) == 2


def test_deadline_names_what_it_waited_for_and_how_to_raise_it():
    t = FakeTime()
    with pytest.raises(DeadlineExceeded, match=r"campaign c to become ACTIVE after 30s .*deadline is 30s.*`waits`"):
        wait_for("campaign c to become ACTIVE", lambda: None, 30, Backoff(initial_seconds=2), t.clock, t.sleep)
    assert t.now == pytest.approx(30)  # the last sleep is cut to the deadline


def test_interval_grows_with_elapsed_time_between_floor_and_cap():
    backoff = Backoff(initial_seconds=2, max_seconds=300, fraction_of_elapsed=0.1)
    for elapsed, low, high in [(0, 1.6, 2), (100, 8, 10), (1000, 80, 100), (100000, 240, 300)]:
        assert low <= backoff.interval(elapsed) <= high


def test_a_two_hour_wait_polls_less_than_once_a_minute_and_notices_within_ten_percent():
    t = FakeTime()
    done_at = 2 * 3600
    wait_for(
        "training", lambda: True if t.now >= done_at else None, 4 * 3600, Backoff(initial_seconds=2), t.clock, t.sleep
    )
    polls = len(t.sleeps) + 1
    assert polls < done_at / 60
    assert t.now - done_at <= 0.1 * done_at


def test_training_waits_longer_than_other_creates_unless_the_stack_says_otherwise():
    from providers.campaign import CampaignProvider
    from providers.solution_version import SolutionVersionProvider

    assert SolutionVersionProvider().lifecycle({}).waits["createSeconds"] == 14400
    assert CampaignProvider().lifecycle({}).waits["createSeconds"] == 3600
    assert SolutionVersionProvider().lifecycle({"waits": {"createSeconds": 36000}}).waits["createSeconds"] == 36000


def _default_backoff() -> Backoff:
    """The backoff a training's wait gets when the stack sets no `waits`."""
    from providers.solution_version import SolutionVersionProvider

    return SolutionVersionProvider().lifecycle({}).backoff


@pytest.mark.parametrize("done_at", [3600, 3610, 3650, 3700, 5400, 7200])
def test_by_default_an_hour_long_training_is_noticed_within_two_minutes(monkeypatch, done_at):
    # The jitter at its top: the longest intervals, the latest notice. Every
    # experiment's chain waits on its training, and the last chain sets the end
    # of `up`, so this bound is what many experiments add to the critical path.
    monkeypatch.setattr("service.waiting.random.uniform", lambda low, high: high)
    t = FakeTime()
    wait_for("training", lambda: True if t.now >= done_at else None, 4 * 3600, _default_backoff(), t.clock, t.sleep)
    assert t.now - done_at <= 120


def test_by_default_a_two_hour_training_is_polled_less_than_once_a_minute(monkeypatch):
    monkeypatch.setattr("service.waiting.random.uniform", lambda low, high: (low + high) / 2)
    t = FakeTime()
    wait_for("training", lambda: True if t.now >= 7200 else None, 4 * 3600, _default_backoff(), t.clock, t.sleep)
    assert len(t.sleeps) + 1 < 120
