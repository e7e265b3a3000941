#!/usr/bin/env bash
# Rebuild the shipped default model and its card from a clean clone with ../shared beside it:
#   bash models/rebuild.sh
# Imports every corpus (gold aligned to blocks, weak ad/error labels), writes training
# copies with error fragments and with legal notices, trains on labeled/ + the corpora's
# train splits + the copies, and scores the model on every corpus's test split, on held-out
# error families and on held-out notices.
# --cv 2 --tune-threshold: two site-split folds first, to choose the body threshold by
# cross-validated page F1 (segclf/threshold.py); their report goes in the card.
set -euo pipefail
cd "$(dirname "$0")/.."
CORPORA="${CORPORA:-../shared/corpora}"
BUILD="${BUILD:-build/training}"
CORPUS_NAMES="dragnet cleaneval l3s_gn1 zh_cwced readability_tests cleanportaleval"

rm -rf "$BUILD"
for corpus in $CORPUS_NAMES; do
  # Exit status 1 means some pages could not be read: they are reported and skipped.
  segclf import "$CORPORA/$corpus" -o "$BUILD/corpora/$corpus" || [ $? -eq 1 ]
done
segclf augment labeled "$BUILD"/corpora/*/train -o "$BUILD/augmented" --copies 1 --error-pages 0.1 --notice-pages 0.25
segclf augment "$BUILD"/corpora/*/test -o "$BUILD/heldout-errors" --copies 1 --error-pages 0 \
  --families tomcat,varnish,lighttpd,cloudflare,aspnet --seed 7
segclf augment "$BUILD"/corpora/*/test -o "$BUILD/heldout-notices" --copies 0 --error-pages 0 \
  --notice-pages 1 --held-out-notices --seed 7

evals=()
for corpus in $CORPUS_NAMES; do evals+=(--eval "$BUILD/corpora/$corpus/test"); done
segclf train labeled "$BUILD"/corpora/*/train "$BUILD/augmented" \
  -o models/segclf-default.joblib --card models/README.md --cv 2 --tune-threshold --words \
  "${evals[@]}" --eval "$BUILD/heldout-errors" --eval "$BUILD/heldout-notices"
