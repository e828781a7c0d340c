"""Units pause the cycle collector while they run and leave it as they found it, also when
several run at once in threads or one fails."""

from __future__ import annotations

import gc
import threading

import pytest

from eotext.run.unit import _collector_paused


def test_pause_is_shared_by_units_in_threads_and_restored() -> None:
    assert gc.isenabled()
    inside, release = threading.Barrier(3), threading.Event()
    seen: list[bool] = []

    def unit() -> None:
        with _collector_paused():
            inside.wait()
            release.wait()
            seen.append(gc.isenabled())

    threads = [threading.Thread(target=unit) for _ in range(2)]
    for t in threads:
        t.start()
    inside.wait()
    assert not gc.isenabled()
    release.set()
    for t in threads:
        t.join()
    assert seen == [False, False]  # the first to end did not resume it under the other
    assert gc.isenabled()


def test_restored_after_a_failing_unit_and_left_off_if_it_was_off() -> None:
    with pytest.raises(RuntimeError), _collector_paused():
        raise RuntimeError("unit failed")
    assert gc.isenabled()
    gc.disable()
    try:
        with _collector_paused():
            pass
        assert not gc.isenabled()
    finally:
        gc.enable()
