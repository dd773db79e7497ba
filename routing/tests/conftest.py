import pytest


@pytest.fixture
def workflow(db):
    """The default workflow (installed by migration, restored here after transactional tests flush)."""
    from routing.workflow import install_default_workflow

    install_default_workflow()


@pytest.fixture
def senior(db):
    from tickets.tests.factories import UserFactory

    return UserFactory(username="senior", roles=["senior agent"])
