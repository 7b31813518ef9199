#!/usr/bin/env bash
# Gate a CI build on a tuning result: fail when the best validation accuracy is under 0.9,
# then hand the winning hyperparameters to the next step as environment variables.
set -euo pipefail
config="${1:-configs/digits.yaml}"

kt-run search "$config" --max-trials "${MAX_TRIALS:-5}" --quiet
kt-run best "$config" --fail-under 0.9
eval "$(kt-run best "$config" --format env)"
echo "best trial ${KT_BEST_TRIAL}: score ${KT_BEST_SCORE}, units=${KT_BEST_HP_UNITS}"
kt-run best "$config" --format json > best.json
