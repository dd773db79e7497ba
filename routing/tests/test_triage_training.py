"""train_triage, the trained backend, evaluate_triage and benchmark_triage."""

import csv
import subprocess
import sys
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command

from routing.models import TrainedModel
from routing.triage import learning, override_classification, triage_ticket
from routing.triage.backends.trained import TrainedBackend
from routing.triage.evaluation import grouped_folds, near_duplicate_groups
from tickets.tests.factories import TicketFactory

FIXTURE = Path(__file__).parent / "data" / "triage_examples.csv"
INVENTED = [
    # A shop's own jargon the built-in cues cannot know: only a trained model learns it.
    ("my {} zorblax is glitching", "product_defect"),
    ("the {} zorblax blinks red", "product_defect"),
    ("plonk voucher {} rejected", "billing"),
    ("plonk credit {} missing", "billing"),
]


def write_csv(path, rows):
    with open(path, "w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["text", "label"])
        writer.writerows(rows)
    return path


@pytest.fixture
def model_dir(settings, tmp_path):
    settings.TRIAGE_MODEL_DIR = tmp_path / "models"
    return settings.TRIAGE_MODEL_DIR


def invented_rows(count=30):
    colours = ["red", "blue", "green", "big", "small", "old", "new", "grey", "pink", "black"]
    return [
        (template.format(f"{colours[i % 10]} {i}"), label)
        for i in range(count)
        for template, label in INVENTED
    ]


@pytest.mark.django_db
def test_a_model_that_beats_the_builtin_backend_is_stored_and_activated(model_dir, tmp_path):
    data = write_csv(tmp_path / "data.csv", invented_rows())
    model = learning.train([data])
    assert model.is_active and model.version == 1
    assert Path(model.path).exists() and Path(model.path).parent == model_dir
    holdout = model.scores["holdout"]
    assert holdout["trained_macro_f1"] > holdout["builtin_macro_f1"]
    assert set(model.labels) == {"product_defect", "billing"}
    backend = TrainedBackend()
    assert backend.describe().model == "triage-v1"
    result = backend.classify(
        learning.evaluation.ticket_text(learning.evaluation.Example("plonk voucher 7 rejected", ""))
    )
    assert result.issue_type == "billing"


@pytest.mark.django_db
def test_a_model_that_does_not_beat_the_builtin_backend_stays_inactive(model_dir, tmp_path):
    """It wins on its own held-out fold but loses on the fixture set, which has every type."""
    data = write_csv(tmp_path / "data.csv", invented_rows())
    model = learning.train([data], extra_holdout=learning.evaluation.load_examples(FIXTURE))
    assert not model.is_active
    assert (
        model.scores["extra_holdout"]["builtin_macro_f1"] >= model.scores["extra_holdout"]["trained_macro_f1"]
    )
    assert TrainedBackend().describe().fallback_reason.startswith("no trained model is active")


@pytest.mark.django_db
def test_agents_corrections_and_confirmations_become_training_examples(agent):
    corrected = triage_ticket(TicketFactory(subject="", with_message="Where is my order?"))
    override_classification(corrected, actor=agent, issue_type="delivery_problem")
    TicketFactory(
        with_message="The zip broke",
        resolved=True,
        assignee=agent,
        issue_type="product_defect",
        triage_status="done",
    )
    examples = dict((label, text) for text, label in learning.agent_labelled_tickets())
    assert examples == {"delivery_problem": "Where is my order?", "product_defect": "The zip broke"}


def test_near_duplicates_stay_in_one_fold():
    texts = [
        "I want to cancel order 123",
        "i want to cancel purchase 99",
        "where is my invoice",
        "reset my password",
    ]
    groups = near_duplicate_groups(texts)
    assert groups[0] == groups[1] and len({groups[0], groups[2], groups[3]}) == 3
    folds = grouped_folds(groups, 2)
    assert any({0, 1} <= set(fold) for fold in folds)


def test_scikit_learn_is_not_imported_by_the_web_path_or_the_triage_api():
    code = (
        "import django, sys; django.setup(); import helpdesk.urls, routing.triage, routing.triage.backends.trained, "
        "routing.triage.learning, routing.admin; print('sklearn' in sys.modules)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        env={"DJANGO_SETTINGS_MODULE": "helpdesk.settings", **__import__("os").environ},
    )
    assert out.stdout.strip() == "False"


@pytest.mark.django_db
def test_evaluate_triage_prints_scores_the_matrix_and_macro_f1_last():
    out = StringIO()
    call_command("evaluate_triage", str(FIXTURE), "--backend", "heuristic", stdout=out)
    lines = out.getvalue().strip().splitlines()
    assert lines[-1].startswith("macro_f1=") and float(lines[-1].split("=")[1]) >= 0.85
    assert any(line.startswith("confusion matrix") for line in lines)
    assert any(line.startswith("delivery_problem") for line in lines)


@pytest.mark.django_db
def test_benchmark_triage_prints_messages_per_second():
    out = StringIO()
    call_command("benchmark_triage", str(FIXTURE), "--messages", "200", stdout=out)
    assert out.getvalue().strip().splitlines()[-1].startswith("messages_per_second=")


@pytest.mark.django_db
def test_train_triage_command_reports_the_model(model_dir, tmp_path):
    data = write_csv(tmp_path / "data.csv", invented_rows(10))
    out = StringIO()
    call_command("train_triage", "--data", str(data), "--no-default-holdout", stdout=out)
    assert "model v1" in out.getvalue() and TrainedModel.objects.filter(version=1).exists()
