import pytest

from hub.tests.factories import site_tree_build


@pytest.fixture
def tree(db):
    """The editorial page tree of `site_tree_build`, with the site settings."""
    return site_tree_build()
