"""A local OpenID Connect issuer for workload identity tests: its own RSA keys, a discovery
document and a JWKS served over HTTP on a free port, minting ID tokens shaped like GitHub
Actions' (https://docs.github.com/en/actions/reference/security/oidc) and GitLab CI's
(https://docs.gitlab.com/ci/secrets/id_token_authentication/), with the claims those pages
document. ``rotate()`` replaces the signing key; ``jwks_hits`` counts key set fetches."""

from __future__ import annotations

import json
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa


class LocalIssuer:
    def __init__(self) -> None:
        self.keys: list[tuple[str, rsa.RSAPrivateKey]] = []
        self.jwks_hits = 0
        self.request_token = uuid.uuid4().hex  # what GitHub's runner holds
        self.rotate()
        issuer = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802 - http.server's name
                if self.path == "/.well-known/openid-configuration":
                    body = {
                        "issuer": issuer.url,
                        "jwks_uri": issuer.url + "/.well-known/jwks",
                        "id_token_signing_alg_values_supported": ["RS256"],
                        "response_types_supported": ["id_token"],
                        "subject_types_supported": ["public", "pairwise"],
                    }
                elif self.path == "/.well-known/jwks":
                    issuer.jwks_hits += 1
                    body = issuer.jwks()
                elif self.path.startswith("/token?"):
                    # GitHub's ACTIONS_ID_TOKEN_REQUEST_URL: the runner's request token in, a
                    # job's ID token for the asked audience out ({"count": ..., "value": ...}).
                    if self.headers.get("Authorization") != "bearer " + issuer.request_token:
                        self.send_error(401)
                        return
                    query = parse_qs(urlsplit(self.path).query)
                    value = issuer.github(audience=query.get("audience", [""])[0])
                    body = {"count": 1, "value": value}
                else:
                    self.send_error(404)
                    return
                data = json.dumps(body).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def rotate(self, *, keep_old: bool = False) -> str:
        """A new signing key (published first); the old ones stay published only if asked."""
        kid = uuid.uuid4().hex[:16]
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.keys = [(kid, key), *(self.keys if keep_old else [])]
        return kid

    def jwks(self) -> dict:
        keys = []
        for kid, key in self.keys:
            jwk = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(key.public_key()))
            keys.append({**jwk, "kid": kid, "use": "sig", "alg": "RS256"})
        return {"keys": keys}

    def mint(self, claims: dict, *, key: rsa.RSAPrivateKey | None = None, kid: str = "") -> str:
        signing_kid, signing_key = self.keys[0]
        return jwt.encode(
            claims,
            key or signing_key,
            algorithm="RS256",
            headers={"kid": kid or signing_kid, "typ": "JWT"},
        )

    def github(self, *, audience="attest", repository="acme/credit-models", lifetime=300,
               issued=None, iss=None, **extra) -> str:  # fmt: skip
        """An ID token as GitHub Actions mints it for a job with ``environment: production``."""
        now = int(time.time()) if issued is None else issued
        owner = repository.split("/")[0]
        environment = extra.pop("environment", "production")
        claims = {
            "jti": str(uuid.uuid4()),
            "sub": f"repo:{repository}:environment:{environment}",
            "aud": audience,
            "ref": "refs/heads/main",
            "sha": "d6a1f1a2e3b4c5d6e7f8091a2b3c4d5e6f708192",
            "repository": repository,
            "repository_owner": owner,
            "repository_owner_id": "1234567",
            "repository_id": "89012345",
            "repository_visibility": "private",
            "run_id": "7654321098",
            "run_number": "42",
            "run_attempt": "1",
            "runner_environment": "github-hosted",
            "actor_id": "5550001",
            "actor": "octocat",
            "workflow": "deploy-model",
            "head_ref": "",
            "base_ref": "",
            "event_name": "workflow_dispatch",
            "ref_type": "branch",
            "ref_protected": "true",
            "environment": environment,
            "job_workflow_ref": f"{repository}/.github/workflows/deploy.yml@refs/heads/main",
            "iss": iss or self.url,
            "nbf": now - 5,
            "exp": now + lifetime,
            "iat": now,
        }
        claims.update(extra)
        return self.mint(claims)

    def gitlab(self, *, audience="attest", project_path="acme/credit-models", lifetime=300,
               **extra) -> str:  # fmt: skip
        """An ID token as GitLab CI mints it for ``id_tokens: {ATTEST_ID_TOKEN: {aud: ...}}``."""
        now = int(time.time())
        namespace = project_path.rsplit("/", 1)[0]
        claims = {
            "namespace_id": "72",
            "namespace_path": namespace,
            "project_id": "20",
            "project_path": project_path,
            "user_id": "1",
            "user_login": "sample-user",
            "user_email": "sample-user@example.com",
            "user_identities": [],
            "pipeline_id": "574",
            "pipeline_source": "push",
            "job_id": "302",
            "ref": "main",
            "ref_type": "branch",
            "ref_path": "refs/heads/main",
            "ref_protected": "true",
            "environment": "production",
            "environment_protected": "true",
            "deployment_tier": "production",
            "runner_id": 1,
            "runner_environment": "self-hosted",
            "sha": "714a629c0b401fdce83e847fc9589983fc6f46bc",
            "project_visibility": "private",
            "ci_config_ref_uri": (
                f"gitlab.example.com/{project_path}//.gitlab-ci.yml@refs/heads/main"
            ),
            "ci_config_sha": "714a629c0b401fdce83e847fc9589983fc6f46bc",
            "jti": str(uuid.uuid4()),
            "iss": self.url,
            "iat": now,
            "nbf": now - 5,
            "exp": now + lifetime,
            "sub": f"project_path:{project_path}:ref_type:branch:ref:main",
            "aud": audience,
        }
        claims.update(extra)
        return self.mint(claims)
