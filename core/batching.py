"""Work asked for inside a block, done together as the block ends.

A booking asks for three or four background tasks (settlement, emails), from its own code and
from signal receivers. Inside `batched()` the transactional outbox (core.outbox) hands each
one here instead of writing its row; as the block ends they are written in one INSERT. core
knows nothing of the outbox: whoever hands in an item names the function that writes them."""

import contextlib
import threading

_batch = threading.local()


@contextlib.contextmanager
def batched():
    """Inside a transaction: what is handed to collect() in this block (by the code it calls,
    signal receivers included) is written as it ends, each writer called once with its items
    in the order they came. If the block raises, nothing is written (its transaction is
    rolled back). Nested blocks belong to the outermost."""
    if getattr(_batch, "items", None) is not None:
        yield  # the enclosing block writes them
        return
    _batch.items = []
    try:
        yield
        items = _batch.items
    finally:
        _batch.items = None
    by_writer = {}
    for write, item in items:
        by_writer.setdefault(write, []).append(item)
    for write, together in by_writer.items():
        write(together)


def collect(write, item):
    """Inside batched(): keep `item` for write([item, ...]) as the block ends, and return True.
    Outside one: False, and the caller does the work itself."""
    items = getattr(_batch, "items", None)
    if items is None:
        return False
    items.append((write, item))
    return True
