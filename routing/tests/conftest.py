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


@pytest.fixture(autouse=True)
def _fresh_calendars():
    """Each test reads calendars from its own database state, not another test's cache."""
    from routing.sla_clocks import forget_calendars

    forget_calendars()
