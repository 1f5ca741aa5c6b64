"""`make run`'s mode: SQLite under ATTEST_VAR_DIR, no Redis, DEBUG on, demo seeded, served.

Runs the same steps as the Makefile (migrate, seed_demo, runserver) in a subprocess with a
fresh var directory, then signs in as a demo user over HTTP.
"""

import http.cookiejar
import os
import re
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def embedded_server(tmp_path):
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in {"DATABASE_URL", "REDIS_URL", "SECRET_KEY", "DJANGO_SETTINGS_MODULE"}
    }
    env.update({"DEBUG": "true", "ATTEST_VAR_DIR": str(tmp_path / "var")})
    manage = [sys.executable, str(ROOT / "manage.py")]
    for args in (["migrate", "--noinput"], ["seed_demo"]):
        subprocess.run(
            [*manage, *args],
            cwd=ROOT,
            env=env,
            check=True,
            capture_output=True,
            timeout=300,
        )
    port = _free_port()
    server = subprocess.Popen(
        [*manage, "runserver", f"127.0.0.1:{port}", "--noreload"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                urllib.request.urlopen(f"{base}/healthz", timeout=1)
                break
            except OSError:
                time.sleep(0.2)
        yield base, tmp_path / "var"
    finally:
        server.terminate()
        server.wait(timeout=10)


def test_embedded_demo_serves_catalog_to_a_demo_user(embedded_server):
    base, var_dir = embedded_server
    assert (var_dir / "attest.sqlite3").exists()
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    ready = opener.open(f"{base}/readyz").read().decode()
    assert '"database": "ok"' in ready and '"broker": "not configured"' in ready

    opener.open(f"{base}/accounts/sign-in/")
    csrf = next(c.value for c in jar if c.name == "csrftoken")
    form = urllib.parse.urlencode(
        {"username": "carla", "password": "attest-demo", "csrfmiddlewaretoken": csrf}
    ).encode()
    home = opener.open(f"{base}/accounts/sign-in/", data=form).read().decode()
    assert "<title>Dashboard" in home  # sign-in lands on the dashboard
    assert "churn-predictor" in home  # the demo's monitoring alert is on it
    page = opener.open(f"{base}/models/").read().decode()
    match = re.search(r"(\d+) models? visible to you", page)
    assert match, page[:500]
    assert int(match.group(1)) >= 25

    # Issue 20: a model card PDF renders beside the request (the click returns at once, the
    # page shows progress until it is ready), and a missing page is Attest's own 404.
    detail = opener.open(f"{base}/models/").read().decode()
    model_id = re.search(r'href="/models/([0-9a-f-]{36})/"', detail).group(1)
    card = opener.open(f"{base}/models/{model_id}/").read().decode()
    version = re.search(rf'/models/{model_id}/versions/([^/"]+)/card/', card).group(1)
    csrf = next(c.value for c in jar if c.name == "csrftoken")
    request = urllib.request.Request(
        f"{base}/models/{model_id}/versions/{version}/documents/model_card/",
        data=urllib.parse.urlencode({"csrfmiddlewaretoken": csrf}).encode(),
        headers={"Referer": f"{base}/models/{model_id}/"},
    )
    response = opener.open(request)
    first = response.read().decode()
    assert "/documents/" in response.geturl()
    # The render takes seconds; the page it lands on is the progress page, not the PDF.
    assert "Queued" in first or "Rendering" in first, first[:500]
    for _ in range(150):
        if "Download" in opener.open(response.geturl()).read().decode():
            break
        time.sleep(0.2)
    else:
        raise AssertionError("the model card never became ready")
    try:
        opener.open(f"{base}/no-such-page/")
    except urllib.error.HTTPError as missing:
        body = missing.read().decode()
        assert missing.code == 404 and "DEBUG = True" not in body
