"""The push API's delivery in the OpenAPI document (drf-spectacular post-processing hook).

``POST /webhooks/<slug>/`` is not a REST API operation (it is authenticated by a Standard
Webhooks signature, not a token), so it is documented as a webhook: the body's JSON schema as
the component ``RegistryPushDelivery`` and the request under ``x-webhooks`` (the OpenAPI 3.0
extension ReDoc renders; 3.1 calls it ``webhooks``).
"""

from __future__ import annotations

from catalog.registries.push import BODY_SCHEMA

SIGNATURE_HEADERS = [
    ("webhook-id", "Unique message id; the idempotency key (ASCII, no '.')."),
    ("webhook-timestamp", "Unix seconds when it was signed; within ±300 s of Attest's clock."),
    (
        "webhook-signature",
        "Space-delimited `v1,<base64 HMAC-SHA256>` of `{id}.{timestamp}.{body}` "
        "under the source's `whsec_` secret (https://www.standardwebhooks.com/).",
    ),
]


def registry_push_webhook(result, generator, request, public):
    schemas = result.setdefault("components", {}).setdefault("schemas", {})
    schemas["RegistryPushDelivery"] = BODY_SCHEMA
    detail = {
        "content": {
            "application/json": {
                "schema": {"type": "object", "properties": {"detail": {"type": "string"}}}
            }
        }
    }
    result["x-webhooks"] = {
        "registry-push": {
            "post": {
                "summary": "Push a model-registry event (source kind `push`)",
                "description": "Sent by a pipeline (TFX, Kubeflow Pipelines, CI) to "
                "`POST /webhooks/<slug>/`, signed per Standard Webhooks. Unknown fields are "
                "refused; `version` is absent for `model.deleted`.",
                "parameters": [
                    {
                        "name": name,
                        "in": "header",
                        "required": True,
                        "description": text,
                        "schema": {"type": "string"},
                    }
                    for name, text in SIGNATURE_HEADERS
                ],
                "requestBody": {
                    "required": True,
                    "content": {
                        "application/json": {
                            "schema": {"$ref": "#/components/schemas/RegistryPushDelivery"}
                        }
                    },
                },
                "responses": {
                    "200": {"description": "Stored (or a duplicate, stored already).", **detail},
                    "400": {"description": "Malformed headers or body; the reason.", **detail},
                    "401": {"description": "Unsigned, wrong signature or stale.", **detail},
                    "404": {"description": "No such registry source.", **detail},
                    "413": {"description": "Body larger than 1 MiB.", **detail},
                },
            }
        }
    }
    return result
