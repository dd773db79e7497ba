import importlib

import pytest


@pytest.fixture(autouse=True)
def workflow(db):
    """The default workflow rows (policies, action rules, thresholds) for every test: a
    transactional test earlier in the run flushes what the data migrations installed."""
    from django.apps import apps

    from routing.workflow import install_default_workflow

    install_default_workflow()
    # The policy texts the flows quote come from routing's data migration, not the workflow.
    importlib.import_module("routing.migrations.0004_triage_defaults").install(apps, None)
