"""``manage.py prepare_external_triage``: derive the external evaluation sets from public files."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from routing.triage import external


class Command(BaseCommand):
    help = (
        "Read the public Banking77 and CLINC150 files (downloaded by hand from their repositories; "
        "see docs/triage.md), keep the intents that map to a helpdesk issue type and write "
        "<set>_{train,dev,test}.csv into the external data directory (default var/external)."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--banking77",
            nargs=2,
            metavar=("TRAIN_CSV", "TEST_CSV"),
            help="banking_data/train.csv and test.csv",
        )
        parser.add_argument("--clinc150", metavar="DATA_FULL_JSON", help="data/data_full.json")
        parser.add_argument("--output", default="", help="directory for the CSVs (default: var/external)")

    def handle(self, *args, banking77=None, clinc150=None, output="", **options) -> None:
        if not banking77 and not clinc150:
            raise CommandError("Give --banking77 TRAIN TEST and/or --clinc150 FILE.")
        directory = Path(output) if output else external.external_dir()
        jobs = []
        if banking77:
            jobs.append(
                ("banking77", lambda: external.banking77_splits(Path(banking77[0]), Path(banking77[1])))
            )
        if clinc150:
            jobs.append(("clinc150", lambda: external.clinc150_splits(Path(clinc150))))
        for name, read in jobs:
            try:
                splits = read()
            except (OSError, ValueError, KeyError) as exc:
                raise CommandError(f"{name}: {exc}") from exc
            counts = external.write_splits(name, splits, directory)
            summary = " ".join(f"{split}={count}" for split, count in counts.items())
            source = external.SOURCES[name]
            self.stdout.write(
                f"{name}: {summary} -> {directory} (from {source['repository']} {source['commit'][:7]}, "
                f"{source['licence']}: keep the licence with the files)"
            )
