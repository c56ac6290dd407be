import pytest


@pytest.fixture(autouse=True)
def _demo_programme(demo):
    """Tests here still look up the demo programme's courses, runs or people; not yet ported
    to tests/factories (issue 18)."""
