#!/usr/bin/env bash
# The README's test command. Installs what the suite needs (scripts/install-deps.sh, idempotent;
# scripts/install-localstack.sh for the S3 lane, scripts/install-rucio.sh for the Rucio lane and
# scripts/install-dirq.sh for the APEL queue read-back,
# which skip themselves when they cannot be installed),
# then runs the whole suite twice over: every test against the development build, and the
# end-to-end tests again against the fully static binary (dist/pilot), the one a pod runs.
#
# Usage: scripts/test.sh [--no-static]   (--no-static: skip the static build and its pass)
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$repo"

static=true
case "${1:-}" in
    --no-static) static=false ;;
    "") ;;
    *) echo "usage: $0 [--no-static]" >&2; exit 2 ;;
esac

fixtures=${PILOT_FIXTURES:-$repo/../shared/fixtures}
if [[ ! -d "$fixtures" ]]; then
    echo "test: captured hardware files not found at $fixtures (set PILOT_FIXTURES)" >&2
    exit 1
fi

scripts/install-deps.sh
scripts/install-localstack.sh || echo "test: LocalStack lane unavailable"
scripts/install-dirq.sh || echo "test: dirq read-back unavailable"
scripts/install-rucio.sh || echo "test: Rucio lane unavailable"
scripts/install-kube-validate.sh || echo "test: Kubernetes schema validation unavailable"
echo "test: development build"
swift build --build-tests
swift test --skip-build --no-parallel

if $static; then
    echo "test: static build"
    scripts/build-static.sh --skip-deps
    echo "test: end-to-end tests against dist/pilot"
    PILOT_BINARY=$repo/dist/pilot PILOT_EXPECT_STATIC=1 swift test --skip-build --no-parallel --filter 'CommandTests|StageS3Tests|Exec|ApptainerEndToEnd|AccountingCrashTests|RunStopTests|RunRecoveryTests|RunRucioTests|RucioOIDCTests|ContainerImageTests|PodSeccompProfileTests|StageS3UploadTests|StageInterruptTests|StageTraceAndTrustTests|StageMultipartFault|StageProxyTests|RunCVMFSTests'
fi
