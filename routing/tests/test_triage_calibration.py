"""Calibrated confidence, honest AI floors, the batch entry point and the public evaluation."""

from io import StringIO
from pathlib import Path

import numpy as np
import pytest
from django.core.management import call_command

from routing.triage import evaluation, external
from routing.triage.backends.base import MessageText, TicketText
from routing.triage.backends.semantic import SHIPPED_HEAD, Head, SemanticBackend, model_dir
from routing.triage.calibration import (
    Calibration,
    expected_calibration_error,
    floor_for,
    floor_score,
    reliability,
)
from routing.triage.embedding import missing_files
from routing.workflow import ACTION_RULES

DATA = Path(__file__).parent / "data"
needs_model = pytest.mark.skipif(
    bool(missing_files(model_dir())), reason="semantic model not installed (run scripts/fetch_models.sh)"
)
needs_public_data = pytest.mark.skipif(
    not external.available(), reason="public sets not prepared (manage.py prepare_external_triage)"
)


def test_a_calibration_is_monotone_and_never_claims_certainty():
    rng = np.random.default_rng(7)
    raw = rng.uniform(0.3, 1.0, 2000)
    # Overconfident scores: right only about (raw - 0.2) of the time.
    correct = rng.uniform(0, 1, 2000) < raw - 0.2
    calibration = Calibration.fit(raw.tolist(), correct.tolist())
    mapped = [calibration(r) for r in np.linspace(0.0, 1.0, 50)]
    assert mapped == sorted(mapped)
    assert max(mapped) <= 0.99 and min(mapped) >= 0.01
    assert expected_calibration_error([calibration(r) for r in raw], correct) < 0.03
    assert expected_calibration_error(raw, correct) > 0.15


def test_too_little_data_keeps_the_raw_scores():
    calibration = Calibration.fit([0.9, 0.8], [True, False])
    assert calibration(0.42) == pytest.approx(0.42)


def test_reliability_bins_count_every_message_and_measure_accuracy():
    table = reliability([0.95, 0.95, 0.91, 0.55, 0.52], [True, True, False, True, False])
    assert [(b.low, b.count) for b in table] == [(0.5, 2), (0.9, 3)]
    assert table[1].accuracy == pytest.approx(2 / 3) and table[0].accuracy == pytest.approx(0.5)


def test_the_floor_is_where_precision_stays_above_the_target():
    gold = ["order_status"] * 8 + ["billing"] * 3
    predicted = ["order_status"] * 11
    confidences = [0.99, 0.97, 0.95, 0.93, 0.91, 0.9, 0.8, 0.7, 0.92, 0.85, 0.6]
    floor = floor_for(gold, predicted, confidences, ["order_status"], target=0.95)
    # At 0.93 four of four are right; 0.92 lets a billing message in (4/5 = 0.8).
    assert floor == pytest.approx(0.93)
    score = floor_score(gold, predicted, confidences, ["order_status"], floor)
    assert (score.above, score.correct, score.relevant) == (4, 4, 8) and score.coverage == 0.5


def test_the_shipped_head_carries_calibrations_for_cues_and_the_model():
    head = Head.load(SHIPPED_HEAD)
    assert head.model_calibration is not None
    values = [head.model_calibration(r) for r in np.linspace(0, 1, 21)]
    assert values == sorted(values)
    # Strong cues for where an order is were right on public text; account cues much less so.
    assert head.cue_accuracy["order_status"] >= 0.95 > head.cue_accuracy["account"]
    assert all(0 < v < 1 for v in head.cue_accuracy.values()) and "*" in head.cue_accuracy


def test_evaluate_triage_prints_the_reliability_table_ece_and_each_ai_rule():
    out = StringIO()
    call_command("evaluate_triage", str(DATA / "holdout_c.csv"), "--backend", "heuristic", stdout=out)
    text = out.getvalue()
    assert "reliability (confidence bins against accuracy)" in text
    assert "\nece=" in text
    for slug, *_ in ACTION_RULES:
        assert f"\n{slug}" in text
    assert text.strip().splitlines()[-1].startswith("macro_f1=")


@needs_model
def test_a_batch_gives_the_same_results_as_one_message_at_a_time():
    examples = evaluation.load_examples(DATA / "holdout_b.csv")[:24]
    tickets = [evaluation.ticket_text(e) for e in examples]
    tickets.append(
        TicketText(
            subject="",
            thread=[
                MessageText(author="customer", body="The hairdryer cuts out after a minute of use"),
                MessageText(author="agent", body="Sorry to hear that."),
                MessageText(author="customer", body="Any news?"),
            ],
        )
    )
    backend = SemanticBackend()
    batched = backend.classify_many(tickets)
    one_by_one = [backend.classify(t) for t in tickets]
    assert [(r.issue_type, r.confidence) for r in batched] == [
        (r.issue_type, r.confidence) for r in one_by_one
    ]
    assert batched[-1].issue_type == "product_defect"
    assert all("confidence" in r.explanation for r in batched if r.language == "en")


@needs_model
def test_on_store_mail_the_calibrated_confidence_errs_on_the_cautious_side():
    # Calibrated on public banking/assistant text, where the model is weaker than on store mail.
    examples = evaluation.load_examples(DATA / "holdout_c.csv")
    results = SemanticBackend().classify_many([evaluation.ticket_text(e) for e in examples])
    sure = [r.issue_type == e.label for r, e in zip(results, examples, strict=True) if r.confidence >= 0.8]
    assert len(sure) >= 20 and sum(sure) / len(sure) >= 0.95


@needs_model
@needs_public_data
def test_on_public_dev_data_confidence_is_calibrated_and_reliability_rises():
    examples = [e for p in external.available().values() for e in evaluation.load_examples(p["dev"])]
    results = SemanticBackend().classify_many([evaluation.ticket_text(e) for e in examples])
    confidences = [r.confidence for r in results]
    correct = [r.issue_type == e.label for r, e in zip(results, examples, strict=True)]
    assert expected_calibration_error(confidences, correct) < 0.05
    busy = [b.accuracy for b in reliability(confidences, correct, bins=5) if b.count >= 30]
    assert busy == sorted(busy)


@needs_model
@needs_public_data
def test_the_public_test_splits_meet_the_headline_targets():
    out = StringIO()
    call_command("evaluate_triage", "--external", stdout=out)
    lines = out.getvalue().splitlines()
    headline = next(line for line in lines if line.startswith("all files:"))
    assert float(headline.split("accuracy=")[1].split()[0]) >= 0.80
    for slug, *_ in ACTION_RULES:
        row = next(line for line in lines if line.startswith(slug)).split()
        precision = row[2]
        assert precision == "-" or float(precision) >= 0.95, row


def test_public_sets_keep_only_mapped_intents_and_their_publishers_test_split(tmp_path):
    train, test = tmp_path / "train.csv", tmp_path / "test.csv"
    rows = [f"Where is my new card {i}?,card_arrival" for i in range(40)] + ["How do I top up?,top_up_limits"]
    train.write_text("text,category\n" + "\n".join(rows) + "\n", encoding="utf-8")
    test.write_text(
        "text,category\nMy card has not come yet,card_arrival\nMy card has not come yet,card_arrival\n"
        "Can I pay by cheque?,top_up_by_cash_or_cheque\nI was charged twice,transaction_charged_twice\n",
        encoding="utf-8",
    )
    splits = external.banking77_splits(train, test)
    # Unmapped intents are dropped, exact repeats count once, the test split stays the test split.
    assert splits["test"] == [
        ("My card has not come yet", "order_status", "card_arrival"),
        ("I was charged twice", "billing", "transaction_charged_twice"),
    ]
    assert len(splits["train"]) + len(splits["dev"]) == 40 and splits["dev"]
    assert splits == external.banking77_splits(train, test)  # the dev split is the same every time
    counts = external.write_splits("banking77", splits, tmp_path / "out")
    assert list(external.available(tmp_path / "out")) == ["banking77"]
    loaded = evaluation.load_examples(external.split_path("banking77", "test", tmp_path / "out"))
    assert [e.label for e in loaded] == ["order_status", "billing"] and counts["test"] == 2
