#!/usr/bin/env bash
# Verify a signed decision of Attest's deploy gate offline, with openssl and jq only.
#
#   verify-decision.sh DECISION_FILE      (or - for stdin)
#
# The gate answers every call with a "decision" field: a compact JWS (RFC 7515) signed with
# Ed25519, alg "EdDSA" (RFC 8037), whose "kid" header names the key in the JWK Set published
# at $ATTEST_URL/.well-known/attest-gate-keys.json. attest-gate.sh writes it to
# $DECISION_FILE; keep it next to the deployment as evidence.
#
# Environment:
#   ATTEST_URL   base URL of the portal; the JWKS is fetched from it (with curl) and the
#                decision's "iss" must equal it
#   JWKS_FILE    a saved copy of the JWK Set instead of fetching it (offline)
#   MODEL, VERSION, ENVIRONMENT   when set, the decision must be about exactly these
#   ALLOW_EXPIRED=true            accept a decision past its "exp" (auditing an old one)
#
# Prints the verified payload (JSON). Exit codes: 0 verified and allowed; 1 verified but
# denied, expired or about something else; 2 usage; 3 not a valid signature of Attest's keys.
# Needs bash, jq, base64 and OpenSSL >= 3.0 (pkeyutl -rawin for Ed25519).
set -euo pipefail

PROG=${0##*/}
die() { printf '%s: %s\n' "$PROG" "$2" >&2; exit "$1"; }

[ $# -eq 1 ] || die 2 "usage: $PROG DECISION_FILE (or - for stdin)"
for tool in jq openssl base64; do
    command -v "$tool" >/dev/null 2>&1 || die 2 "$tool is required"
done

b64url_decode() { # base64url without padding (RFC 7515 section 2) -> bytes on stdout
    local s=${1//-/+}
    s=${s//_//}
    case $(( ${#s} % 4 )) in
        2) s+="==" ;;
        3) s+="=" ;;
        1) die 3 "not base64url" ;;
    esac
    printf '%s' "$s" | base64 -d 2>/dev/null || die 3 "not base64url"
}

source=$1
[ "$source" != - ] || source=/dev/stdin
jws=$(tr -d ' \r\n\t' <"$source")
IFS=. read -r header_b64 payload_b64 signature_b64 extra <<<"$jws" || true
[ -n "${signature_b64:-}" ] && [ -z "${extra:-}" ] || die 3 "not a compact JWS (three parts)"

header=$(b64url_decode "$header_b64")
alg=$(jq -er .alg <<<"$header" 2>/dev/null) || die 3 "the header is not JSON"
kid=$(jq -er .kid <<<"$header" 2>/dev/null) || die 3 "the header names no key (kid)"
[ "$alg" = EdDSA ] || die 3 "alg is $alg, not EdDSA"

if [ -n "${JWKS_FILE:-}" ]; then
    jwks=$(cat "$JWKS_FILE")
else
    [ -n "${ATTEST_URL:-}" ] || die 2 "set ATTEST_URL or JWKS_FILE"
    jwks=$(curl --silent --show-error --fail --max-time 30 \
        "${ATTEST_URL%/}/.well-known/attest-gate-keys.json") || die 3 "cannot fetch the JWKS"
fi
x=$(jq -er --arg kid "$kid" \
    '.keys[] | select(.kid == $kid and .kty == "OKP" and .crv == "Ed25519") | .x' \
    <<<"$jwks") || die 3 "no Ed25519 key $kid in the JWKS"

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# An Ed25519 SubjectPublicKeyInfo is a fixed 12-byte DER prefix and the 32-byte key (RFC 8410).
{ printf '\x30\x2a\x30\x05\x06\x03\x2b\x65\x70\x03\x21\x00'; b64url_decode "$x"; } >"$work/key.der"
openssl pkey -pubin -inform DER -in "$work/key.der" -out "$work/key.pem" 2>/dev/null \
    || die 3 "key $kid is not an Ed25519 public key"
printf '%s' "$header_b64.$payload_b64" >"$work/signed"
b64url_decode "$signature_b64" >"$work/signature"
openssl pkeyutl -verify -pubin -inkey "$work/key.pem" -rawin \
    -in "$work/signed" -sigfile "$work/signature" >/dev/null 2>&1 \
    || die 3 "the signature does not verify: do not trust this decision"

payload=$(b64url_decode "$payload_b64")
printf '%s\n' "$payload"
fail() { die 1 "$1"; }
[ -z "${ATTEST_URL:-}" ] || [ "$(jq -r .iss <<<"$payload")" = "${ATTEST_URL%/}" ] \
    || fail "issued by $(jq -r .iss <<<"$payload"), not ${ATTEST_URL%/}"
for pair in MODEL:model VERSION:version ENVIRONMENT:environment; do
    var=${pair%%:*} field=${pair#*:}
    want=${!var:-}
    got=$(jq -r --arg f "$field" '.[$f]' <<<"$payload")
    [ -z "$want" ] || [ "$got" = "$want" ] || fail "the decision is about $field $got, not $want"
done
if [ "${ALLOW_EXPIRED:-}" != true ] && [ "$(jq -r .exp <<<"$payload")" -le "$(date +%s)" ]; then
    fail "the decision expired at $(jq -r .exp <<<"$payload")"
fi
[ "$(jq -r .allowed <<<"$payload")" = true ] || fail "the gate denied: $(jq -c .reasons <<<"$payload")"
