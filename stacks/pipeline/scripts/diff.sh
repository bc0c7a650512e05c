#!/usr/bin/env bash
# cdk diff of one pipeline stage against what is deployed in the stage's
# account, before the stage deploys. Runs in CodeBuild in the tooling
# account, from the root of the source checkout, with the synth step's cloud
# assembly linked at ./cdk.out. The report goes to $REPORT_DIR/cdk-diff.txt,
# the step's output artefact (kept in the pipeline's KMS-encrypted bucket),
# and to the build log.
#
# Environment (set by the pipeline stack; none of it is secret):
#   STAGE_NAME       the stage, for the report header
#   STAGE_ASSEMBLY   the stage's cloud assembly, e.g. cdk.out/assembly-opencti-dev
#   LOOKUP_ROLE_ARN  the stage account's CDK bootstrap lookup role (read-only,
#                    trusted by the tooling account through `cdk bootstrap --trust`)
#   REPORT_DIR       where the report goes
set -euo pipefail
set +x

: "${STAGE_NAME:?}" "${STAGE_ASSEMBLY:?}" "${LOOKUP_ROLE_ARN:?}" "${REPORT_DIR:?}"

# The CDK CLI falls back to the tooling account's own credentials when it
# cannot assume the lookup role, and would then report every resource as new:
# check the trust first and fail with the fix.
if ! aws sts assume-role --role-arn "$LOOKUP_ROLE_ARN" --role-session-name opencti-ha-diff-preflight \
  --query AssumedRoleUser.Arn --output text >/dev/null; then
  echo "cannot assume $LOOKUP_ROLE_ARN: bootstrap the stage's account and region with --trust <tooling account> (README: Deploy through a pipeline)" >&2
  exit 1
fi

# The pinned CDK CLI and Node.js (.tools/package-lock.json).
(cd .tools && npm ci --no-audit --no-fund --loglevel=error)
export PATH="$PWD/.tools/node_modules/.bin:$PATH"

mkdir -p "$REPORT_DIR"
report="$REPORT_DIR/cdk-diff.txt"
{
  echo "cdk diff of stage $STAGE_NAME (${CODEBUILD_RESOLVED_SOURCE_VERSION:-unknown commit})"
  echo
} >"$report"
# --method=template compares with the deployed templates through the lookup
# role (no change set, so no deploy role needed).
cdk diff --app "$STAGE_ASSEMBLY" --method=template --no-color --fail-on=never 2>&1 | tee -a "$report"
