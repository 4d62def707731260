import pytest

from search.graph import graph_reset


@pytest.fixture(autouse=True)
def fresh_graph():
    """Each test reads the collaboration graph of its own records: the
    process-wide copy is dropped before and after."""
    graph_reset()
    yield
    graph_reset()
