"""Big imports run with the cycle collector paused; what a sheet leaves behind is still
collected after the sheet, and the collector is as it was afterwards."""

import gc
import weakref

from imports.reading import collector_checkpoint, collector_paused


class Node:
    pass


def cycle():
    node = Node()
    node.itself = node
    return weakref.ref(node)


def test_the_collector_is_paused_and_given_back():
    assert gc.isenabled()
    with collector_paused():
        assert not gc.isenabled()
        with collector_paused():
            assert not gc.isenabled()
        assert not gc.isenabled()
    assert gc.isenabled()
    assert gc.get_freeze_count() == 0


def test_a_checkpoint_collects_the_cycles_left_behind_and_keeps_what_is_kept():
    kept = [Node() for _ in range(3)]
    with collector_paused():
        dropped = cycle()
        assert dropped() is not None  # nothing collects it while paused
        collector_checkpoint()
        assert dropped() is None
        assert gc.get_freeze_count() > 0  # what was kept is set aside, not walked again
        later = cycle()
        collector_checkpoint()
        assert later() is None
    assert gc.get_freeze_count() == 0
    assert all(isinstance(node, Node) for node in kept)


def test_nothing_frozen_by_someone_else_is_unfrozen():
    gc.freeze()
    try:
        frozen = gc.get_freeze_count()  # only falls from here, as frozen objects are freed
        with collector_paused():
            made_meanwhile = [Node() for _ in range(100)]
            collector_checkpoint()  # does not freeze: it could not unfreeze only its own
            assert gc.get_freeze_count() <= frozen
        assert gc.get_freeze_count() > frozen - 1000  # still frozen, not unfrozen by us
        assert made_meanwhile
    finally:
        gc.unfreeze()
