#!/usr/bin/env bash
# LUTF as an auster suite: `auster -f CFG -d DIR lutf [--suite S] [--only T]`.
#
# auster hands the suite options over as SUITE, ONLY, EXCEPT and PATTERN and describes the
# cluster with its node variables (mgs_HOST, mds1_HOST, ost1_HOST, rtr1_HOST, CLIENTS,
# RCLIENTS, ...). Every such host gets an agent named after its variable, started over ssh;
# the master runs here. Results land in $LOGDIR in auster's layout: results.yml (appended to
# what auster wrote), lutf.suite_log.HOST.log, lutf-SUITE.TEST.test_log.HOST.log, debug logs of
# failed tests, and the full LUTF results under $LOGDIR/lutf.
#
# Optional: LUTF (the lutf binary), MASTER_ADDRESS (where agents reach this host), LUTF_PORT,
# LUTF_SSH_USER, LUTF_SSH_PORT, LUTF_SSH_IDENTITY, LUTF_SSH_OPTIONS, LUTF_LNET (system or
# simulated), LUTF_KEY. Arguments are passed to `lutf run` (e.g. suite paths).
# Exit status: 0 if every test passed, non-zero otherwise.
set -u
here=$(cd "$(dirname "$0")/.." && pwd)
if [ -z "${LUTF:-}" ]; then
  LUTF=$(command -v lutf 2>/dev/null)
fi
if [ -z "${LUTF:-}" ]; then
  # A build tree: the newer of the release and debug builds.
  for candidate in "$here/.build/release/lutf" "$here/.build/debug/lutf"; do
    if [ -x "$candidate" ] && { [ -z "${LUTF:-}" ] || [ "$candidate" -nt "$LUTF" ]; }; then LUTF=$candidate; fi
  done
fi
if [ -z "${LUTF:-}" ]; then
  echo "lutf.sh: no lutf binary (set LUTF, or build with: swift build -c release)" >&2
  exit 2
fi
if [ -z "${LOGDIR:-}" ]; then
  echo "lutf.sh: LOGDIR is not set (auster sets it; by hand: LOGDIR=/tmp/lutf-logs lutf.sh)" >&2
  exit 2
fi
mkdir -p "$LOGDIR"
exec "$LUTF" launch --auster -- --logdir "$LOGDIR" "$@"
