#!/usr/bin/env bash
# Attest deploy gate for CI pipelines. Needs bash, curl >= 7.76 (--fail-with-body) and sed;
# no jq, no Python.
#
#   attest-gate.sh request    open a deployment request (reviewers are notified)
#   attest-gate.sh gate       exit 0 when the version may be deployed now; otherwise print why
#   attest-gate.sh deployed   record that this version was deployed (refused without approval)
#
# Environment:
#   ATTEST_URL     base URL of the portal, e.g. https://attest.example.com
#   ATTEST_TOKEN   API token (python manage.py create_api_token <user> --scope ...):
#                  request needs requests:write, gate gate:read, deployed deployments:write.
#                  Without it, the job's OIDC ID token (workload identity: no stored secret;
#                  Attest needs a trusted issuer rule, manage.py add_trusted_issuer):
#   ATTEST_ID_TOKEN   an ID token the CI gave the job (GitLab: id_tokens: ATTEST_ID_TOKEN)
#   ATTEST_AUDIENCE   GitHub Actions: the audience to ask for (default attest); the job needs
#                     permissions: id-token: write (ACTIONS_ID_TOKEN_REQUEST_URL/_TOKEN)
#   MODEL          the model's catalog name (or its registry name)
#   VERSION        the version, e.g. 7
#   ENVIRONMENT    staging, production, ... (the portal's ATTEST_ENVIRONMENTS)
#   JUSTIFICATION  request: why this version should go out (required)
#   METRICS_JSON   request: optional path to a JSON object of evaluation metrics {"auc": 0.91}
#   LINKS          request: optional http(s) URLs separated by spaces (eval report, CI run...)
#   REFERENCE      deployed: CI run URL or release id (defaults to the GitHub/GitLab run URL)
#   DECISION_FILE  gate: optional path; receives the gate's signed decision (a compact JWS,
#                  verify it with verify-decision.sh; keep it next to the deployment)
#   ATTEST_TIMEOUT seconds per HTTP call (default 30)
#
# Exit codes: 0 done / allowed; 1 denied or refused by the portal (409); 2 usage or
# configuration error; 3 any other failure (network, 4xx/5xx). Anything but 0 stops the
# deployment: the gate fails closed.
set -euo pipefail

PROG=${0##*/}

die() { # die CODE MESSAGE
    printf '%s: %s\n' "$PROG" "$2" >&2
    exit "$1"
}

usage() {
    sed -n '2,/^[^#]/s/^# \{0,1\}//p' "$0" >&2
    exit 2
}

need() { # need VAR...: stop with a clear message when a variable is unset or empty
    local name
    for name in "$@"; do
        [ -n "${!name:-}" ] || die 2 "set $name (see '$PROG help')"
    done
}

json_escape() { # a JSON string literal (with quotes) for $1
    local s
    # Control characters other than tab, newline and carriage return cannot appear in JSON.
    s=$(printf '%s' "$1" | tr -d '\000-\010\013\014\016-\037')
    s=${s//\\/\\\\}
    s=${s//\"/\\\"}
    s=${s//$'\t'/\\t}
    s=${s//$'\r'/\\r}
    s=${s//$'\n'/\\n}
    printf '"%s"' "$s"
}

json_unescape() { # readable text from the inside of a JSON string literal (one line)
    # An escaped backslash becomes a control character first (none can be in JSON text), so
    # that "\\n" stays a backslash followed by an n.
    local s=${1//\\\\/$'\001'}
    s=${s//\\n/ }
    s=${s//\\r/ }
    s=${s//\\t/ }
    s=${s//\\\"/\"}
    s=${s//\\\//\/}
    printf '%s' "${s//$'\001'/\\}"
}

# One JSON string: "([^"\\]|\\.)*" - quotes inside are escaped, so it ends at the first bare one.
STRING='"(([^"\\]|\\.)*)"'

json_field() { # json_field KEY BODY: the first string value of "KEY" in BODY (empty if none)
    local re="\"$1\":[[:space:]]*$STRING"
    if [[ $2 =~ $re ]]; then
        json_unescape "${BASH_REMATCH[1]}"
    fi
}

json_list() { # json_list KEY BODY: the strings of the array "KEY", one per line
    local re="\"$1\":[[:space:]]*\\[[[:space:]]*(.*)" item="^$STRING[[:space:]]*,?[[:space:]]*(.*)"
    local rest
    [[ $2 =~ $re ]] || return 0
    rest=${BASH_REMATCH[1]}
    while [[ $rest =~ $item ]]; do
        json_unescape "${BASH_REMATCH[1]}"
        printf '\n'
        rest=${BASH_REMATCH[3]}
    done
}

credential() { # ATTEST_TOKEN, else the job's OIDC ID token (GitLab's variable or GitHub's)
    local out rc=0
    [ -z "${ATTEST_TOKEN:-}" ] || return 0
    if [ -n "${ATTEST_ID_TOKEN:-}" ]; then
        ATTEST_TOKEN=$ATTEST_ID_TOKEN
    elif [ -n "${ACTIONS_ID_TOKEN_REQUEST_URL:-}" ] && [ -n "${ACTIONS_ID_TOKEN_REQUEST_TOKEN:-}" ]; then
        # GitHub's token endpoint; its request token goes to curl on stdin, as ours does.
        out=$(curl --silent --show-error --fail --max-time "${ATTEST_TIMEOUT:-30}" --get \
            --header @- --data-urlencode "audience=${ATTEST_AUDIENCE:-attest}" \
            "$ACTIONS_ID_TOKEN_REQUEST_URL" \
            <<<"Authorization: bearer $ACTIONS_ID_TOKEN_REQUEST_TOKEN" 2>&1) || rc=$?
        [ "$rc" -eq 0 ] || die 3 "cannot get the job's ID token from GitHub: $out"
        ATTEST_TOKEN=$(json_field value "$out")
        [ -n "$ATTEST_TOKEN" ] || die 3 "GitHub gave no ID token: ${out:0:200}"
    else
        die 2 "set ATTEST_TOKEN, or use the job's ID token (ATTEST_ID_TOKEN; GitHub: permissions: id-token: write)"
    fi
}

# call METHOD PATH [curl options...]: sets STATUS and BODY. Exits 3 when the portal cannot be
# reached; HTTP errors are left to the caller (curl --fail-with-body keeps their body). The
# token reaches curl on stdin, never on its command line (which other processes can read).
call() {
    local method=$1 path=$2 out err rc=0
    shift 2
    out=$(mktemp)
    err=$(mktemp)
    STATUS=$(curl --silent --show-error --fail-with-body \
        --max-time "${ATTEST_TIMEOUT:-30}" --connect-timeout 10 \
        --request "$method" \
        --header @- --header "Accept: application/json" \
        --output "$out" --write-out '%{http_code}' \
        "$@" "${ATTEST_URL%/}$path" <<<"Authorization: Bearer $ATTEST_TOKEN" 2>"$err") || rc=$?
    BODY=$(cat "$out")
    CURL_ERROR=$(cat "$err")
    rm -f "$out" "$err"
    # curl exits 22 for an HTTP status >= 400 (the body is still there, and said better than
    # curl's own message); anything else means no answer: DNS, refused connection, TLS, timeout.
    if [ "$rc" -ne 0 ] && [ "$rc" -ne 22 ]; then
        die 3 "no answer from ${ATTEST_URL%/} (${CURL_ERROR:-curl exit $rc}): do not deploy"
    fi
}

fail_http() { # an answer the command does not expect: say what the portal said, exit 3
    local detail
    detail=$(json_field detail "$BODY")
    case $STATUS in
        401) detail="${detail:-unauthorised} (check ATTEST_TOKEN or the ID token: expired, revoked, wrong audience?)" ;;
        403) detail="${detail:-forbidden} (does the token carry the scope '$1'?)" ;;
        429) detail="${detail:-rate limited} (retry later)" ;;
    esac
    # A proxy's error page can be long HTML: its start is enough to tell what happened.
    printf '%s: HTTP %s: %s\n' "$PROG" "$STATUS" "${detail:-${BODY:0:500}}" >&2
    case $BODY in *'"errors":{"'*) printf '%s\n' "$BODY" >&2 ;; esac
    exit 3
}

print_reasons() {
    local reason
    while IFS= read -r reason; do
        [ -n "$reason" ] && printf '  - %s\n' "$reason"
    done < <(json_list reasons "$BODY")
}

cmd_request() {
    credential
    need ATTEST_URL MODEL VERSION ENVIRONMENT JUSTIFICATION
    local payload links="" url urls=() metrics state
    payload="{\"model\":$(json_escape "$MODEL"),\"version\":$(json_escape "$VERSION")"
    payload+=",\"environment\":$(json_escape "$ENVIRONMENT")"
    payload+=",\"justification\":$(json_escape "$JUSTIFICATION")"
    if [ -n "${METRICS_JSON:-}" ]; then
        [ -r "$METRICS_JSON" ] || die 2 "METRICS_JSON: cannot read $METRICS_JSON"
        metrics=$(cat "$METRICS_JSON")
        [[ $metrics =~ ^[[:space:]]*\{ ]] || die 2 "METRICS_JSON must hold a JSON object"
        payload+=",\"metrics\":$metrics"
    fi
    read -r -a urls <<<"${LINKS:-}"
    for url in ${urls[@]+"${urls[@]}"}; do
        links+="${links:+,}$(json_escape "$url")"
    done
    [ -z "$links" ] || payload+=",\"links\":[$links]"
    payload+="}"

    call POST /api/v1/deployment-requests/ \
        --header "Content-Type: application/json" --data-binary "$payload"
    case $STATUS in
        201)
            state=$(json_field state "$BODY")
            printf 'Opened deployment request %s for %s v%s to %s (%s).\n' \
                "$(json_field id "$BODY")" "$MODEL" "$VERSION" "$ENVIRONMENT" "$state"
            printf 'Reviewers decide at %s%s\n' "${ATTEST_URL%/}" "$(json_field url "$BODY")"
            ;;
        409)
            # A re-run pipeline finds its earlier request (or approval): nothing new to open.
            printf 'No new request: %s\n' "$(json_field detail "$BODY")"
            ;;
        *) fail_http requests:write ;;
    esac
}

cmd_gate() {
    credential
    need ATTEST_URL MODEL VERSION ENVIRONMENT
    # The gate is a read: retry what may be transient (429 honours Retry-After, 5xx).
    call GET /api/v1/gate/ --get --retry 3 --retry-max-time 60 \
        --data-urlencode "model=$MODEL" --data-urlencode "version=$VERSION" \
        --data-urlencode "environment=$ENVIRONMENT"
    if [ -n "${DECISION_FILE:-}" ] && [[ $STATUS == 200 || $STATUS == 409 ]]; then
        printf '%s\n' "$(json_field decision "$BODY")" >"$DECISION_FILE"
    fi
    case $STATUS in
        200)
            [[ $BODY =~ \"allowed\":[[:space:]]*true ]] || die 3 "unexpected gate answer: $BODY"
            printf 'Deploy gate: allowed - %s v%s to %s (approval %s, risk tier %s, expires %s).\n' \
                "$MODEL" "$VERSION" "$ENVIRONMENT" "$(json_field approval_id "$BODY")" \
                "$(json_field risk_tier "$BODY")" "$(json_field expires_at "$BODY")"
            ;;
        409)
            printf 'Deploy gate: denied - %s v%s to %s:\n' "$MODEL" "$VERSION" "$ENVIRONMENT"
            print_reasons
            exit 1
            ;;
        *) fail_http gate:read ;;
    esac
}

cmd_deployed() {
    credential
    need ATTEST_URL MODEL VERSION ENVIRONMENT
    local reference=${REFERENCE:-}
    if [ -z "$reference" ] && [ -n "${GITHUB_RUN_ID:-}" ]; then
        reference="${GITHUB_SERVER_URL:-https://github.com}/${GITHUB_REPOSITORY:-}/actions/runs/$GITHUB_RUN_ID"
    fi
    reference=${reference:-${CI_JOB_URL:-}}
    call POST /api/v1/deployments/ --header "Content-Type: application/json" --data-binary \
        "{\"model\":$(json_escape "$MODEL"),\"version\":$(json_escape "$VERSION"),\"environment\":$(json_escape "$ENVIRONMENT"),\"reference\":$(json_escape "$reference")}"
    case $STATUS in
        201)
            printf 'Recorded deployment %s of %s v%s to %s (approval %s).\n' \
                "$(json_field id "$BODY")" "$MODEL" "$VERSION" "$ENVIRONMENT" \
                "$(json_field approval_id "$BODY")"
            ;;
        409)
            printf 'Deployment refused: %s\n' "$(json_field detail "$BODY")"
            print_reasons
            exit 1
            ;;
        *) fail_http deployments:write ;;
    esac
}

command -v curl >/dev/null 2>&1 || die 2 "curl is required"
case ${1:-} in
    request) cmd_request ;;
    gate) cmd_gate ;;
    deployed) cmd_deployed ;;
    help | -h | --help) usage ;;
    *) usage ;;
esac
