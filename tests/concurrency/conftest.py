import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection, connections


@pytest.fixture
def postgres(transactional_db):
    if connection.vendor != "postgresql":
        pytest.skip("concurrency tests need PostgreSQL row locks (set DATABASE_URL=postgres://…)")


@pytest.fixture
def stampede():
    """Run `work(item)` for every item in parallel threads, each on its own connection,
    released together from a gate. Returns the results in item order."""

    def run(work, items, workers=40):
        gate = threading.Event()

        def one(item):
            gate.wait(timeout=30)
            try:
                return work(item)
            finally:
                connections.close_all()

        with ThreadPoolExecutor(max_workers=min(workers, len(items))) as pool:
            futures = [pool.submit(one, item) for item in items]
            gate.set()
            return [f.result(timeout=120) for f in futures]

    return run
