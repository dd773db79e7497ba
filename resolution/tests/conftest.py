import pytest


@pytest.fixture
def workflow(db):
    from routing.workflow import install_default_workflow

    install_default_workflow()
