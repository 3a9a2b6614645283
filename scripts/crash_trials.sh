#!/bin/sh
# A long run of tests/test_crash.py's kill -9 random walk: TRIALS killed writers for each seed.
#   TRIALS=200 SEEDS="1 2 3" scripts/crash_trials.sh
set -e
cd "$(dirname "$0")/.."
for seed in ${SEEDS:-1 2 3 4 5}; do
    echo "seed $seed, ${TRIALS:-100} kills"
    QA_SEARCH_CRASH_SEED=$seed QA_SEARCH_CRASH_TRIALS=${TRIALS:-100} PYTHONPATH=. \
        python -m pytest -q -s -p no:cacheprovider tests/test_crash.py -k random_walk | tail -n 4
done
