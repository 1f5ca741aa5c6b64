#!/usr/bin/env python3
"""Verify a signed decision of Attest's deploy gate in Python (PyJWT >= 2.8 with cryptography).

    pip install 'PyJWT[crypto]'
    ATTEST_URL=https://attest.example.com python verify_decision.py decision.jws \
        [--model credit-scoring --version 7 --environment production] [--allow-expired]

The decision is a compact JWS (RFC 7515) signed with Ed25519, ``alg`` ``EdDSA`` (RFC 8037); its
``kid`` header names the key in the JWK Set at ``$ATTEST_URL/.well-known/attest-gate-keys.json``
(``--jwks FILE`` reads a saved copy instead). Prints the verified payload. Exit codes: 0 verified
and allowed; 1 verified but denied or about something else; 3 not a valid decision of Attest.
"""

from __future__ import annotations

import argparse
import json
import os
import sys

import jwt

DECISION_TYPE = "attest-gate-decision+jwt"


def verify(token: str, jwks: dict, issuer: str, *, allow_expired: bool = False) -> dict:
    """The payload when ``token`` is a decision signed by one of ``jwks`` for ``issuer``."""
    header = jwt.get_unverified_header(token)
    if header.get("alg") != "EdDSA" or header.get("typ") != DECISION_TYPE:
        raise jwt.InvalidTokenError("not an Attest gate decision (alg/typ)")
    keys = {k.key_id: k for k in jwt.PyJWKSet.from_dict(jwks).keys}
    if header.get("kid") not in keys:
        raise jwt.InvalidTokenError(f"no key {header.get('kid')!r} in the JWKS")
    return jwt.decode(
        token,
        keys[header["kid"]],
        algorithms=["EdDSA"],  # never the header's word alone
        issuer=issuer,
        options={"require": ["iss", "sub", "iat", "exp"], "verify_exp": not allow_expired},
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("decision", help="file holding the JWS, or - for stdin")
    parser.add_argument("--url", default=os.environ.get("ATTEST_URL", ""))
    parser.add_argument("--jwks", help="a saved JWK Set instead of fetching it")
    parser.add_argument("--model")
    parser.add_argument("--version")
    parser.add_argument("--environment")
    parser.add_argument("--allow-expired", action="store_true")
    args = parser.parse_args(argv)
    if not args.url:
        parser.error("set ATTEST_URL or --url")
    issuer = args.url.rstrip("/")
    with open(args.decision if args.decision != "-" else 0, encoding="utf-8") as source:
        token = source.read().strip()
    if args.jwks:
        with open(args.jwks, encoding="utf-8") as saved:
            jwks = json.load(saved)
    else:
        jwks = jwt.PyJWKClient(f"{issuer}/.well-known/attest-gate-keys.json").fetch_data()
    try:
        payload = verify(token, jwks, issuer, allow_expired=args.allow_expired)
    except jwt.InvalidTokenError as exc:
        print(f"verify_decision: {exc}: do not trust this decision", file=sys.stderr)
        return 3
    print(json.dumps(payload, indent=2))
    for name in ("model", "version", "environment"):
        wanted = getattr(args, name)
        if wanted is not None and payload.get(name) != wanted:
            print(
                f"verify_decision: about {name} {payload.get(name)!r}, not {wanted!r}",
                file=sys.stderr,
            )
            return 1
    if payload.get("allowed") is not True:
        print(f"verify_decision: the gate denied: {payload.get('reasons')}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
