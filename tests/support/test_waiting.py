import itertools

import pytest

from tests.support.waiting import wait_until


def test_returns_the_first_true_value():
    counter = itertools.count()

    assert wait_until(lambda: next(counter) >= 3 and "ready", timeout=5, interval=0) == "ready"


def test_fails_the_test_naming_what_it_waited_for():
    with pytest.raises(pytest.fail.Exception, match=r"gave up after 0\.1 s waiting for the moon"):
        wait_until(lambda: False, timeout=0.1, what="the moon")
