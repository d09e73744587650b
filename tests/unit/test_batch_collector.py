"""The batch pauses Python's cyclic garbage collector while a chunk runs
(``services.claims._collector_paused``, docs/performance.md figure 4) and restores it as it was,
also when the chunk fails and when chunks overlap in threads."""

from __future__ import annotations

import gc
import threading

import pytest

from spenddown.services import claims


def test_the_collector_is_paused_in_a_chunk_and_enabled_again_after() -> None:
    assert gc.isenabled()
    with claims._collector_paused():
        assert not gc.isenabled()
        with claims._collector_paused():  # nested
            assert not gc.isenabled()
        assert not gc.isenabled()
    assert gc.isenabled()


def test_the_collector_is_enabled_again_when_the_chunk_fails() -> None:
    with pytest.raises(RuntimeError), claims._collector_paused():
        raise RuntimeError("the database failed")
    assert gc.isenabled()


def test_a_collector_disabled_before_stays_disabled() -> None:
    gc.disable()
    try:
        with claims._collector_paused():
            assert not gc.isenabled()
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_chunks_overlapping_in_threads_enable_it_when_the_last_ends() -> None:
    entered, leave = threading.Event(), threading.Event()

    def chunk() -> None:
        with claims._collector_paused():
            entered.set()
            leave.wait(10)

    other = threading.Thread(target=chunk)
    other.start()
    try:
        assert entered.wait(10)
        with claims._collector_paused():
            assert not gc.isenabled()
        assert not gc.isenabled()  # the other thread's chunk still runs
    finally:
        leave.set()
        other.join(10)
    assert gc.isenabled()
