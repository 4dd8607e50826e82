"""collection_paused: the collector off in the block, and what the block kept not re-scanned."""

from __future__ import annotations

import gc

from app.process import collection_paused


def test_what_the_block_kept_is_not_left_for_a_young_collection() -> None:
    assert gc.isenabled()
    with collection_paused():
        assert not gc.isenabled()
        kept = [[index] for index in range(20_000)]
    assert gc.isenabled()
    # Moved to the oldest generation unscanned, as if they had survived the young
    # collections (which would otherwise scan all 20,000 lists at the next allocation).
    oldest = {id(thing) for thing in gc.get_objects(generation=2)}
    assert id(kept[0]) in oldest and id(kept[-1]) in oldest
    assert kept[-1] == [19_999] and gc.is_tracked(kept[0])


def test_objects_someone_froze_stay_frozen() -> None:
    gc.freeze()
    try:
        frozen = gc.get_freeze_count()
        assert frozen > 0
        with collection_paused():
            kept = [[index] for index in range(2_000)]
        assert gc.get_freeze_count() == frozen  # not thawed by the block
        assert gc.isenabled() and len(kept) == 2_000
    finally:
        gc.unfreeze()


def test_a_collector_that_was_off_stays_off() -> None:
    gc.disable()
    try:
        with collection_paused():
            pass
        assert not gc.isenabled()
    finally:
        gc.enable()
