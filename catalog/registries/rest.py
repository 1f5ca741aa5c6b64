"""The JSON-over-HTTPS call the REST registries share (Kubeflow, Vertex AI, Azure ML): one
place maps the registry's answer onto what the shared ingestion understands.

404 → ``None`` (not there); 429 and 5xx, a network error or an answer that is not a JSON object
→ ``RegistryUnavailable`` (try again later); any other 3xx/4xx → ``RegistryRequestRefused`` with
the first 300 characters of the answer (credentials, bad input: retrying will not help).
"""

from __future__ import annotations

from urllib.parse import urlparse

import requests

from catalog.registries.base import RegistryRequestRefused, RegistryUnavailable


def json_call(
    session: requests.Session, method: str, url: str, *, timeout: float, **kwargs
) -> dict | None:
    """One request; redirects are not followed (a registry's API does not redirect, and a
    redirect elsewhere would carry the credentials along)."""
    where = f"{method} {urlparse(url).path}"
    try:
        response = session.request(method, url, timeout=timeout, allow_redirects=False, **kwargs)
    except requests.RequestException as exc:
        raise RegistryUnavailable(f"{where}: {exc}") from exc
    if response.status_code == 404:
        return None
    if response.status_code >= 500 or response.status_code == 429:
        raise RegistryUnavailable(f"{where}: HTTP {response.status_code}")
    if response.status_code >= 300:
        raise RegistryRequestRefused(f"{where}: HTTP {response.status_code} {response.text[:300]}")
    try:
        data = response.json()
    except ValueError as exc:
        raise RegistryUnavailable(f"{where}: answer is not JSON") from exc
    if not isinstance(data, dict):
        raise RegistryUnavailable(f"{where}: answer is not a JSON object")
    return data
