#!/usr/bin/env bash
# Gate a CI build on a tuning result: fail when the best score is worse than a threshold,
# then hand the winning hyperparameters to the next step as exported environment variables.
#
#   examples/ci_gate.sh [CONFIG]    (env: THRESHOLD=0.9, MAX_TRIALS=5, KT_RUN=path/to/kt-run)
#
# kt-run is found without an activated venv: $KT_RUN, then .venv/bin/kt-run of this checkout
# (what `make install` makes), then PATH. The best record goes to a temporary file whose path
# is printed (and exported as KT_BEST_JSON).
set -euo pipefail
config="${1:-configs/digits.yaml}"
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

if [[ -n "${KT_RUN:-}" ]]; then
    kt_run="$KT_RUN"
elif [[ -x "$here/.venv/bin/kt-run" ]]; then
    kt_run="$here/.venv/bin/kt-run"
elif command -v kt-run >/dev/null 2>&1; then
    kt_run="$(command -v kt-run)"
else
    echo "ci_gate.sh: kt-run not found: run 'make install' in $here, activate the venv that" \
        "has kt-run, or set KT_RUN=/path/to/kt-run" >&2
    exit 127
fi

"$kt_run" search "$config" --max-trials "${MAX_TRIALS:-5}" --quiet
"$kt_run" best "$config" --fail-under "${THRESHOLD:-0.9}"
eval "$("$kt_run" best "$config" --format env)"
hyperparameters="$(env | grep '^KT_BEST_HP_' | sed 's/^KT_BEST_HP_//' | sort | paste -sd' ' -)"
echo "best trial ${KT_BEST_TRIAL}: score ${KT_BEST_SCORE}; ${hyperparameters}"
KT_BEST_JSON="$(mktemp "${TMPDIR:-/tmp}/kt-run-best.XXXXXX")"
export KT_BEST_JSON
"$kt_run" best "$config" --format json > "$KT_BEST_JSON"
echo "best record: $KT_BEST_JSON"
