"""The JSON-over-HTTPS call the REST registries share (Kubeflow, Vertex AI, Azure ML): one
place maps the registry's answer onto what the shared ingestion understands.

404 → ``None`` (not there); 429 and 5xx, a network error or an answer that is not a JSON object
→ ``RegistryUnavailable`` (try again later); any other 3xx/4xx → ``RegistryRequestRefused`` with
the first 300 characters of the answer (credentials, bad input: retrying will not help).
"""

from __future__ import annotations

from urllib.parse import urlparse

import requests
from django.utils.translation import gettext as _

from catalog.registries import errors
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
        # One sentence with the next step, not urllib3's "Max retries exceeded ..." text.
        raise RegistryUnavailable(errors.network_error(exc, url=url)) from exc
    if response.status_code == 404:
        return None
    if response.status_code >= 500 or response.status_code == 429:
        raise RegistryUnavailable(errors.http_error(response.status_code, url=url))
    if response.status_code >= 300:
        refused = errors.http_error(response.status_code, url=url)
        if response.status_code not in (401, 403):  # the registry's reason helps here
            refused += " " + _("The registry said (%(where)s): %(answer)s") % {
                "where": where,
                "answer": response.text[:300],
            }
        raise RegistryRequestRefused(refused)
    try:
        data = response.json()
    except ValueError as exc:
        raise RegistryUnavailable(errors.not_json(url=url)) from exc
    if not isinstance(data, dict):
        raise RegistryUnavailable(errors.not_json(url=url))
    return data
