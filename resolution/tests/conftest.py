import pytest


@pytest.fixture(autouse=True)
def workflow(db):
    """The default workflow rows (policies, action rules, thresholds) for every test: a
    transactional test earlier in the run flushes what the data migrations installed."""
    from routing.workflow import install_default_workflow

    install_default_workflow()
