import pytest


@pytest.fixture(autouse=True)
def _demo_programme(demo):
    """These tests are about the demo programme `make run` seeds, so every one has it."""
