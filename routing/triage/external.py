"""Public, human-written labelled support messages, mapped to the helpdesk's issue types.

The project's own held-out sets were written by the people who wrote the cues, and they flatter
the backends. These sets were written by crowd workers for other projects; only their intents
that name a helpdesk issue type are kept (the table is ``MAPPINGS`` and docs/triage.md).

The raw files are not in the repository (their data stays with their publishers);
``manage.py prepare_external_triage`` reads them from wherever they were downloaded and writes
``<name>_{train,dev,test}.csv`` (columns ``text,label,source_intent``) into
``external_dir()``. Every set keeps its publisher's test split for evaluation only; train
and dev fit and calibrate the model.
"""

from __future__ import annotations

import csv
import hashlib
import json
from collections.abc import Iterable, Iterator
from pathlib import Path

from django.conf import settings

SPLITS = ("train", "dev", "test")
# Banking77 ships train and test only: this share of its train split (by a hash of the text, so
# the split is the same on every machine) becomes the dev split.
DEV_SHARE = 0.15

MAPPINGS: dict[str, dict[str, str]] = {
    # PolyAI Banking77: online-banking customer queries.
    "banking77": {
        "card_arrival": "order_status",
        "card_delivery_estimate": "order_status",
        "request_refund": "refund_request",
        "Refund_not_showing_up": "refund_request",
        "cancel_transfer": "cancellation",
        "transaction_charged_twice": "billing",
        "extra_charge_on_statement": "billing",
        "card_payment_fee_charged": "billing",
        "card_payment_not_recognised": "billing",
        "direct_debit_payment_not_recognised": "billing",
        "declined_card_payment": "billing",
        "card_payment_wrong_exchange_rate": "billing",
        "pending_card_payment": "billing",
        "edit_personal_details": "account",
        "passcode_forgotten": "account",
        "terminate_account": "account",
        "unable_to_verify_identity": "account",
        "pin_blocked": "account",
        "change_pin": "account",
        "age_limit": "policy_question",
        "country_support": "policy_question",
        "supported_cards_and_currencies": "policy_question",
        "card_not_working": "product_defect",
        "virtual_card_not_working": "product_defect",
        "contactless_not_working": "product_defect",
    },
    # CLINC150 (oos-eval): requests to a virtual assistant, 150 intents in 10 domains.
    "clinc150": {
        "order_status": "order_status",
        "damaged_card": "product_defect",
        "card_declined": "billing",
        "report_fraud": "billing",
        "account_blocked": "account",
        "pin_change": "account",
        "greeting": "other",
        "thank_you": "other",
        "goodbye": "other",
    },
}

SOURCES = {
    "banking77": {
        "title": "Banking77 (PolyAI)",
        "repository": "github.com/PolyAI-LDN/task-specific-datasets",
        "files": "banking_data/train.csv, banking_data/test.csv",
        "commit": "57ec275d8078af65b7731c2a98be812d844a6d6b",
        "licence": "CC BY 4.0",
    },
    "clinc150": {
        "title": "CLINC150 / oos-eval (Clinc)",
        "repository": "github.com/clinc/oos-eval",
        "files": "data/data_full.json",
        "commit": "828f8093932c8fe6ca7936c3d2e52903b1c523de",
        "licence": "CC BY 3.0",
    },
}


def external_dir() -> Path:
    """Where the derived CSVs are read from and written to.

    ``TRIAGE_EXTERNAL_DIR`` when set; else ``var/external`` (git-ignored) when it exists; else the
    shared data beside the checkout (``../shared/data/external``), where CI finds them.
    """
    configured = getattr(settings, "TRIAGE_EXTERNAL_DIR", None)
    if configured:
        return Path(configured)
    local = Path(settings.BASE_DIR) / "var" / "external"
    shared = Path(settings.BASE_DIR).parent / "shared" / "data" / "external"
    return local if local.is_dir() or not shared.is_dir() else shared


def split_path(name: str, split: str, directory: Path | None = None) -> Path:
    return (directory or external_dir()) / f"{name}_{split}.csv"


def available(directory: Path | None = None) -> dict[str, dict[str, Path]]:
    """The sets whose three split files exist, by name."""
    found = {}
    for name in MAPPINGS:
        paths = {split: split_path(name, split, directory) for split in SPLITS}
        if all(path.is_file() for path in paths.values()):
            found[name] = paths
    return found


def _is_dev(text: str) -> bool:
    digest = hashlib.sha256(text.strip().lower().encode("utf-8")).digest()
    return int.from_bytes(digest[:4], "big") / 2**32 < DEV_SHARE


def _mapped(name: str, rows: Iterable[tuple[str, str]]) -> Iterator[tuple[str, str, str]]:
    mapping = MAPPINGS[name]
    seen: set[str] = set()
    for text, intent in rows:
        text = " ".join(text.split())
        label = mapping.get(intent)
        # Exact repeats inside a split add nothing to a score; the first stands.
        if label and text and text.lower() not in seen:
            seen.add(text.lower())
            yield text, label, intent


def banking77_splits(train_csv: Path, test_csv: Path) -> dict[str, list[tuple[str, str, str]]]:
    def read(path: Path) -> list[tuple[str, str]]:
        with open(path, newline="", encoding="utf-8") as handle:
            return [(row["text"], row["category"]) for row in csv.DictReader(handle)]

    train = list(_mapped("banking77", read(train_csv)))
    return {
        "train": [row for row in train if not _is_dev(row[0])],
        "dev": [row for row in train if _is_dev(row[0])],
        "test": list(_mapped("banking77", read(test_csv))),
    }


def clinc150_splits(data_json: Path) -> dict[str, list[tuple[str, str, str]]]:
    data = json.loads(Path(data_json).read_text(encoding="utf-8"))
    return {
        split: list(_mapped("clinc150", ((t, i) for t, i in data[key])))
        for split, key in (("train", "train"), ("dev", "val"), ("test", "test"))
    }


def write_splits(name: str, splits: dict[str, list[tuple[str, str, str]]], directory: Path) -> dict[str, int]:
    directory.mkdir(parents=True, exist_ok=True)
    counts = {}
    for split, rows in splits.items():
        with open(split_path(name, split, directory), "w", newline="", encoding="utf-8") as handle:
            writer = csv.writer(handle)
            writer.writerow(["text", "label", "source_intent"])
            writer.writerows(rows)
        counts[split] = len(rows)
    return counts
