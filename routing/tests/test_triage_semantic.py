"""The semantic backend: numpy MiniLM embeddings, the hybrid decision, and the fallback."""

import json
import logging

import numpy as np
import pytest
from django.core.management import call_command

from routing.models import TriageResult
from routing.triage import triage_ticket
from routing.triage.backends import load_backend
from routing.triage.backends.base import MessageText, TicketText
from routing.triage.backends.heuristic import HeuristicBackend
from routing.triage.backends.semantic import CUE_CONFIDENCE, Head, SemanticBackend, model_dir
from routing.triage.embedding import SentenceEncoder, WordPiece, missing_files, read_safetensors
from tickets.tests.factories import TicketFactory

needs_model = pytest.mark.skipif(
    bool(missing_files(model_dir())), reason="semantic model not installed (run scripts/fetch_models.sh)"
)


def ticket(body: str) -> TicketText:
    return TicketText(subject="", thread=[MessageText(author="customer", body=body)])


@pytest.fixture(scope="module")
def encoder():
    if missing_files(model_dir()):
        pytest.skip("semantic model not installed (run scripts/fetch_models.sh)")
    return SentenceEncoder(model_dir())


def test_safetensors_are_read_by_name_shape_and_type(tmp_path):
    data = np.arange(6, dtype=np.float32).reshape(2, 3)
    header = json.dumps({"w": {"dtype": "F32", "shape": [2, 3], "data_offsets": [0, 24]}}).encode()
    path = tmp_path / "t.safetensors"
    path.write_bytes(len(header).to_bytes(8, "little") + header + data.tobytes())
    assert np.array_equal(read_safetensors(path)["w"], data)


def test_wordpiece_lowercases_strips_accents_splits_punctuation_and_subwords():
    vocab = {
        t: i for i, t in enumerate(["[PAD]", "[UNK]", "[CLS]", "[SEP]", "hello", ",", "cafe", "un", "##zip"])
    }
    tokenizer = WordPiece(vocab)
    assert tokenizer.encode("Hello, CAFÉ unzip qq") == [2, 4, 5, 6, 7, 8, 1, 3]


@needs_model
def test_the_real_vocabulary_gives_bert_ids(encoder):
    assert encoder.tokenizer.encode("Hello, world!") == [101, 7592, 1010, 2088, 999, 102]


@needs_model
def test_the_numpy_forward_pass_reproduces_the_published_similarities(encoder):
    # sentence-transformers' quickstart prints these for all-MiniLM-L6-v2 (torch reference).
    vectors = encoder.encode(
        ["The weather is lovely today.", "It's so sunny outside!", "He drove to the stadium."]
    )
    similarity = vectors @ vectors.T
    assert similarity[0, 1] == pytest.approx(0.6660, abs=5e-4)
    assert similarity[0, 2] == pytest.approx(0.1046, abs=5e-4)
    assert similarity[1, 2] == pytest.approx(0.1411, abs=5e-4)


@needs_model
def test_paraphrases_are_closer_than_unrelated_sentences(encoder):
    vectors = encoder.encode(
        [
            "Where is my parcel? It still hasn't arrived.",
            "My package has not been delivered yet, where is it?",
            "I want to change the email address on my account.",
            "Please update the e-mail on my profile.",
        ]
    )
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    similarity = vectors @ vectors.T
    assert similarity[0, 1] > 0.7 and similarity[2, 3] > 0.4
    assert max(similarity[0, 2], similarity[0, 3], similarity[1, 2], similarity[1, 3]) < 0.25


@needs_model
def test_batching_and_padding_do_not_change_a_vector(encoder):
    short, long = "Refund please", "The toaster only heats one side and the timer knob fell off today"
    alone = encoder.encode([short])
    batched = encoder.encode([long, short])
    assert np.allclose(alone[0], batched[1], atol=1e-5)


@needs_model
@pytest.mark.parametrize(
    ("body", "expected"),
    [
        # No phrase cue knows these words: the built-in backend says "other".
        ("The hairdryer cuts out after a minute of use", "product_defect"),
        ("Could you ship my order to my sister's house instead?", "order_change"),
    ],
)
def test_unseen_wording_is_classified_by_meaning(body, expected):
    builtin = HeuristicBackend().classify(ticket(body))
    result = SemanticBackend().classify(ticket(body))
    assert builtin.issue_type == "other" and builtin.confidence < CUE_CONFIDENCE
    assert result.issue_type == expected
    assert result.explanation["semantic"] == {
        "label": expected,
        "probability": result.confidence,
        "cue_type": "other",
        "cue_confidence": builtin.confidence,
    }
    assert "other" not in result.secondary_types


@needs_model
def test_a_strong_cue_keeps_the_built_in_type_and_the_model_is_not_consulted():
    body = "I was charged twice for order 4412, please refund the duplicate payment"
    builtin = HeuristicBackend().classify(ticket(body))
    assert builtin.confidence >= CUE_CONFIDENCE
    result = SemanticBackend().classify(ticket(body))
    assert result.issue_type == builtin.issue_type and "semantic" not in result.explanation


@needs_model
def test_a_short_follow_up_keeps_the_type_of_the_thread():
    thread = TicketText(
        subject="",
        thread=[
            MessageText(author="customer", body="The hairdryer cuts out after a minute of use"),
            MessageText(author="agent", body="Sorry to hear that, we are looking into it."),
            MessageText(author="customer", body="Any news?"),
        ],
    )
    assert SemanticBackend().classify(thread).issue_type == "product_defect"


@needs_model
def test_signals_sentiment_and_amounts_stay_with_the_built_in_analysis():
    body = "the heater started smoking and burnt my rug, my lawyer will hear about this, it cost 240 EUR"
    builtin = HeuristicBackend().classify(ticket(body))
    result = SemanticBackend().classify(ticket(body))
    assert {"legal", "safety"} <= set(result.signals)
    assert result.signals == builtin.signals and result.urgency == "critical"
    assert result.amount == builtin.amount and result.sentiment == builtin.sentiment


def test_a_head_predicts_with_softmax_over_its_classes(tmp_path):
    head = Head(
        classes=("billing", "account"),
        coef=np.array([[1.0, 0.0], [0.0, 1.0]], dtype=np.float32),
        intercept=np.zeros(2, dtype=np.float32),
    )
    head.save(tmp_path / "head.npz")
    loaded = Head.load(tmp_path / "head.npz")
    probabilities = loaded.probabilities(np.array([[1.0, 0.0]], dtype=np.float32))
    assert loaded.classes == ("billing", "account") and probabilities[0].argmax() == 0
    assert probabilities.sum() == pytest.approx(1.0)


def test_without_model_files_the_backend_is_the_built_in_one_and_says_why(settings, tmp_path, caplog):
    settings.TRIAGE_MODEL_DIR = tmp_path / "first"
    with caplog.at_level(logging.WARNING, logger="routing.triage.backends.semantic"):
        backend = load_backend("semantic")
    info = backend.describe()
    assert info.backend == "heuristic" and "model.safetensors" in info.fallback_reason
    assert info.raw == {"configured_backend": "semantic"}
    assert "fetch_models.sh" in caplog.text
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="routing.triage.backends.semantic"):
        load_backend("semantic")
    assert caplog.text == ""  # logged once per process, not on every triage
    body = "My parcel never turned up, the tracking says delivered"
    assert backend.classify(ticket(body)) == HeuristicBackend().classify(ticket(body))


@pytest.mark.django_db
def test_the_fallback_reason_is_stored_with_the_result(settings, tmp_path):
    settings.TRIAGE_MODEL_DIR = tmp_path / "second"
    settings.TRIAGE_BACKEND = {"BACKEND": "semantic"}
    done = triage_ticket(TicketFactory(with_message="The kettle leaks from the bottom"))
    result = TriageResult.objects.get(ticket=done)
    assert result.backend == "heuristic" and "missing" in result.fallback_reason
    assert result.raw_output["configured_backend"] == "semantic"
    assert done.issue_type == "product_defect"


@needs_model
@pytest.mark.django_db
def test_triage_with_the_semantic_backend_records_the_model(settings):
    settings.TRIAGE_BACKEND = {"BACKEND": "semantic"}
    done = triage_ticket(TicketFactory(with_message="Sole came off my boots after a fortnight"))
    result = TriageResult.objects.get(ticket=done)
    assert done.issue_type == "product_defect"
    assert result.backend == "semantic" and result.model.startswith("all-MiniLM-L6-v2+")
    assert result.fallback_reason == ""


@needs_model
@pytest.mark.django_db
def test_train_semantic_refits_the_head_beside_the_model(settings, tmp_path):
    data = tmp_path / "data.csv"
    data.write_text("text,label\nwhere is my refund,refund_request\nI cannot log in,account\n")
    out = tmp_path / "head.npz"
    call_command("train_semantic", "--data", str(data), "--output", str(out), "--no-agents")
    head = Head.load(out)
    assert "refund_request" in head.classes and "account" in head.classes and head.coef.shape[1] == 384
