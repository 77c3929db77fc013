#!/usr/bin/env bash
# A longer model-based check of the lifecycle than CI's 10,000 sequences: scripts/model-check.sh [sequences] [base-seed]
set -euo pipefail
cd "$(dirname "$0")/.."
swift build --build-tests
HOTLINE_MODEL_SEQUENCES=${1:-100000} HOTLINE_MODEL_BASE=${2:-$RANDOM$RANDOM} HOTLINE_TEST_ENGINES=sqlite \
    swift test --skip-build --filter LifecycleModelTests
