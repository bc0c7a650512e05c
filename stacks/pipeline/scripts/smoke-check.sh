#!/usr/bin/env bash
# Smoke check of one pipeline stage after it deployed: fails unless
# https://$API_HOST/health?health_access_key=<key> answers 200 within
# $TIMEOUT_SECONDS. OpenCTI's /health answers 200 only when the platform and
# all four data services (OpenSearch, S3, RabbitMQ, Redis) answer
# (opencti-platform/opencti-graphql/src/http/httpPlatform.js).
#
# The health access key is read from Secrets Manager in the stage's account at
# run time, through a read-only role that the stage deploys
# (<stage>-smoke-check). It is never printed: no xtrace, no echo, and curl
# reads the URL from its standard input (not from its arguments, which other
# processes could list) and prints only the status code.
#
# Environment (set by the pipeline stack; none of it is secret):
#   SMOKE_ROLE_ARN   role in the stage's account that may read the secret
#   SECRET_ID        the secret's name, <secretsPrefix>/health-access-key
#   SECRET_FIELD     the JSON property holding the key (accessKey)
#   STAGE_REGION     the stage's region
#   API_HOST         the stage's dns.apiHostname
#   TIMEOUT_SECONDS  how long to wait for a 200
#   RETRY_SECONDS    pause between attempts (default 15)
set -euo pipefail
set +x

: "${SMOKE_ROLE_ARN:?}" "${SECRET_ID:?}" "${SECRET_FIELD:?}" "${STAGE_REGION:?}" "${API_HOST:?}" "${TIMEOUT_SECONDS:?}"
retry="${RETRY_SECONDS:-15}"

# A profile that assumes the stage's role with the build's own (container)
# credentials; no credentials pass through this script.
aws_config="$(mktemp)"
trap 'rm -f "$aws_config"' EXIT
cat >"$aws_config" <<CONFIG
[profile stage]
role_arn = $SMOKE_ROLE_ARN
role_session_name = opencti-ha-smoke-check
credential_source = EcsContainer
region = $STAGE_REGION
CONFIG
export AWS_CONFIG_FILE="$aws_config"

if ! secret="$(aws secretsmanager get-secret-value --profile stage --secret-id "$SECRET_ID" --query SecretString --output text)"; then
  echo "smoke check: cannot read $SECRET_ID through $SMOKE_ROLE_ARN" >&2
  exit 1
fi
if ! key="$(jq -er --arg f "$SECRET_FIELD" '.[$f] | strings' <<<"$secret" 2>/dev/null)"; then
  echo "smoke check: $SECRET_ID has no string property $SECRET_FIELD" >&2
  exit 1
fi
unset secret
# The generated key is alphanumeric; anything else would need URL encoding
# and is not what the Data stack generates.
if [[ ! "$key" =~ ^[A-Za-z0-9]+$ ]]; then
  echo "smoke check: $SECRET_ID.$SECRET_FIELD is not an alphanumeric key" >&2
  exit 1
fi

deadline=$((SECONDS + TIMEOUT_SECONDS))
attempt=0
while :; do
  attempt=$((attempt + 1))
  status="$(printf 'url = "https://%s/health?health_access_key=%s"\n' "$API_HOST" "$key" |
    curl --config - --silent --output /dev/null --write-out '%{http_code}' \
      --proto '=https' --max-time 20 --connect-timeout 10 || true)"
  if [[ "$status" == "200" ]]; then
    echo "smoke check: https://$API_HOST/health answered 200 (attempt $attempt)"
    exit 0
  fi
  if ((SECONDS >= deadline)); then
    echo "smoke check: https://$API_HOST/health did not answer 200 within ${TIMEOUT_SECONDS} s (last status: ${status:-none}, $attempt attempts)" >&2
    exit 1
  fi
  echo "smoke check: https://$API_HOST/health answered ${status:-nothing} (attempt $attempt), retrying in ${retry} s"
  sleep "$retry"
done
