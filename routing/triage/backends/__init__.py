"""Backend loading (Django's backend pattern): ``settings.TRIAGE_BACKEND`` names the class."""

from __future__ import annotations

from django.conf import settings
from django.utils.module_loading import import_string

from routing.triage.backends.base import TriageBackend

BACKENDS = {
    "heuristic": "routing.triage.backends.heuristic.HeuristicBackend",
    "trained": "routing.triage.backends.trained.TrainedBackend",
    "semantic": "routing.triage.backends.semantic.SemanticBackend",
    "llm": "routing.triage.backends.llm.LLMBackend",
    "fake": "routing.triage.backends.fake.FakeBackend",
}


def load_backend(path: str, **options: object) -> TriageBackend:
    """Instantiate a backend by dotted path or short name (heuristic, semantic, trained, llm, fake)."""
    return import_string(BACKENDS.get(path, path))(**options)


def get_backend() -> TriageBackend:
    """The configured backend; not cached, so tests can swap settings freely."""
    config = settings.TRIAGE_BACKEND
    return load_backend(config["BACKEND"], **config.get("OPTIONS", {}))
