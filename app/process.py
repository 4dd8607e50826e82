"""Process-wide tuning that every entry point shares: pydantic's plugin scan and Python's
cyclic garbage collector.

Light on purpose (the standard library only), and outside app.runtime: importing it must
not import the runtime package, whose models would be built before these settings apply.
"""

from __future__ import annotations

import gc
import os
from collections.abc import Iterator
from contextlib import contextmanager


def skip_pydantic_plugins() -> None:
    """Run without pydantic plugins (Gatewright uses none): finding them reads the metadata
    of every installed package, 30 to 50 ms of each start. Entry points call this first; a
    PYDANTIC_DISABLE_PLUGINS set by the user is left as it is."""
    os.environ.setdefault("PYDANTIC_DISABLE_PLUGINS", "__all__")


@contextmanager
def collection_paused() -> Iterator[None]:
    """Run the block with the cyclic collector off; it is back on afterwards if it was on.

    For batch work that makes many objects and no cyclic garbage: simulations and backtests
    (hundreds of thousands of events, rows and decisions that reference counting frees) and
    the designer's start-up (modules, classes and Qt's enums that live as long as it does).
    The collector would only re-scan them as they pile up; it cost a simulation a third of
    its time while finding nothing to collect."""
    collecting = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if collecting:
            if not gc.get_freeze_count():
                # What the block made and kept moves to the oldest generation unscanned, as
                # if it had survived the young collections: the first allocation after
                # enable() would otherwise scan it all (a tenth of a second for a simulation
                # of 10,000 releases). Skipped when someone froze objects: unfreeze() would
                # thaw theirs too.
                gc.freeze()
                gc.unfreeze()
            gc.enable()
