"""gunicorn settings for the web service (`gunicorn -c config/gunicorn.py config.wsgi`).

Red-team finding 6: with sync workers every connection holds a whole worker process while it
sends its body, so two clients that send half a body and go quiet froze the portal. In the
compose stack nginx (deploy/nginx/attest.conf) reads every request completely before gunicorn
sees it. These settings are the second line, for when gunicorn is reached without that proxy:

- ``gthread`` workers: idle connections wait in the worker's poller, not in a thread, and a
  request that does stall holds one of ``threads`` threads, not the process.
- ``pre_request`` puts a read timeout on the client socket, so a body that stops arriving
  frees its thread after ``GUNICORN_BODY_TIMEOUT`` seconds of silence (15, like nginx's
  client_body_timeout), plus up to 5 s in which gunicorn drains what the app left unread,
  instead of holding it until the client hangs up.

Limits without the proxy: request headers are read before any hook runs, so a client dribbling
headers still holds a thread, and ``workers * threads`` such clients hold them all. Keep the
proxy in front. Plain ``os.environ`` on purpose: gunicorn reads this file before Django starts.
"""

import os


def _int(name: str, default: int) -> int:
    raw = os.environ.get(name, "").strip()
    return int(raw) if raw else default


bind = [os.environ.get("GUNICORN_BIND", "0.0.0.0:8000")]  # noqa: S104 (inside the container)
worker_class = "gthread"
workers = _int("WEB_CONCURRENCY", 3)
# Each thread keeps its own PostgreSQL connection (DB_CONN_MAX_AGE): workers * threads of them.
threads = _int("GUNICORN_THREADS", 8)
# gthread workers heartbeat from their main loop, so `timeout` (default 30 s) restarts only a
# process that stopped looping; a slow request is not cut off (nginx answers 504 after its
# proxy_read_timeout, the thread runs on). Other flags: GUNICORN_CMD_ARGS.
# Connections from nginx are not reused (it speaks HTTP/1.0 upstream); direct clients may.
keepalive = 5
accesslog = "-"
# No runtime control socket (gunicorn >= 25 puts one in $HOME): nothing here uses gunicornc.
control_socket_disable = True
# Not a gunicorn setting (upper case so it can never shadow one): used by pre_request below.
BODY_TIMEOUT = _int("GUNICORN_BODY_TIMEOUT", 15)


def pre_request(worker, req):
    """Bound every wait for more of the request body (and for the client to take the answer).

    The socket is reached through the parser's reader; if a future gunicorn moves it, the hook
    does nothing (tests/common/test_proxy_buffering.py notices).
    """
    sock = getattr(getattr(req, "unreader", None), "sock", None)
    if sock is not None and BODY_TIMEOUT > 0:
        sock.settimeout(BODY_TIMEOUT)
