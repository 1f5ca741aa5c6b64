"""Shared by the hostile-input tests: the check that an answer is a refusal in the API's JSON
error shape. (The ``api`` client fixture is in conftest.py.)"""

from __future__ import annotations


def refused(response, status=400, where=None):
    """``response`` is a ``status`` refusal in the JSON shape, naming ``where`` if given."""
    assert response.status_code == status, response.content[:300]
    body = response.json()
    assert set(body) >= {"detail", "errors"}
    if where is not None:
        assert where in body["errors"], body
    return body
