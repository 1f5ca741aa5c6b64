"""Start the test OpenID Connect provider (tests/oidc_provider) as a subprocess on loopback."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

ROOT = Path(__file__).resolve().parents[1]
CLIENT_ID = "attest-portal"
CLIENT_SECRET = "attest-portal-secret-0123456789"  # noqa: S105 (test provider only)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class TestIdentityProvider:
    port: int
    env: dict[str, str]
    mode_file: Path
    process: subprocess.Popen | None = None

    @property
    def issuer(self) -> str:
        return f"http://127.0.0.1:{self.port}/o"

    def manage(self, *args: str) -> None:
        subprocess.run(
            [sys.executable, "-m", "django", *args],
            cwd=ROOT,
            env=self.env,
            check=True,
            capture_output=True,
            timeout=120,
        )

    def set_mode(self, mode: str) -> None:
        self.mode_file.write_text(mode)

    def set_groups(self, username: str, *groups: str) -> None:
        self.manage("idp_set_groups", username, *groups)

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)


def start_identity_provider(workdir: Path, redirect_uri: str, users: list[str]):
    """Migrate, configure the client and ``users`` (``name:password:email:g1,g2``), serve."""
    workdir.mkdir(parents=True, exist_ok=True)
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    key_file = workdir / "idp-key.pem"
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    mode_file = workdir / "mode"
    mode_file.write_text("")
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_"))}
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "tests.oidc_provider.settings",
            "PYTHONPATH": str(ROOT),
            "IDP_PORT": str(port),
            "IDP_DB": str(workdir / "idp.sqlite3"),
            "IDP_KEY_FILE": str(key_file),
            "IDP_MODE_FILE": str(mode_file),
        }
    )
    idp = TestIdentityProvider(port=port, env=env, mode_file=mode_file)
    idp.manage("migrate", "--noinput")
    idp.manage("idp_setup", CLIENT_ID, CLIENT_SECRET, redirect_uri, *users)
    idp.process = subprocess.Popen(
        [sys.executable, "-m", "django", "runserver", f"127.0.0.1:{port}", "--noreload"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    discovery = f"{idp.issuer}/.well-known/openid-configuration"
    for _ in range(150):
        try:
            urllib.request.urlopen(discovery, timeout=1).read()
            return idp
        except OSError:
            time.sleep(0.2)
    idp.stop()
    raise RuntimeError(f"test identity provider did not start on port {port}")
