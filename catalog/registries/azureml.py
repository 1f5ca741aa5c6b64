"""Azure Machine Learning: the models of one workspace are models, their versions are versions,
version tags are tags; Attest writes its approval back as tags of the version.

Change signal: Event Grid's ``Microsoft.MachineLearningServices.ModelRegistered`` event, pushed
to ``/webhooks/<slug>/`` by an event subscription on the workspace, in the Event Grid schema (a
JSON array) or as CloudEvents 1.0 (one object, or an array in batch mode). The event's shape, from
https://learn.microsoft.com/azure/event-grid/event-schema-machine-learning::

    [{"topic": "/subscriptions/{s}/resourceGroups/{rg}/providers/Microsoft.MachineLearningServices/
                workspaces/{ws}",            # "source" in CloudEvents
      "subject": "models/sklearn_regression_model:20",
      "eventType": "Microsoft.MachineLearningServices.ModelRegistered",   # "type" in CloudEvents
      "eventTime": "2017-06-26T18:41:00.9584103Z",                        # "time" in CloudEvents
      "id": "831e1650-001e-001b-66ab-eeb76e069631",
      "data": {"ModelName": "sklearn_regression_model", "ModelVersion": 20,
               "ModelTags": {...}, "ModelProperties": {...}}, ...}]

Endpoint validation (https://learn.microsoft.com/azure/event-grid/end-point-validation-event-grid-events-schema
and .../end-point-validation-cloud-events-schema): in the Event Grid schema a
``Microsoft.EventGrid.SubscriptionValidationEvent`` whose ``data.validationCode`` is answered as
``{"validationResponse": code}``; with CloudEvents an ``OPTIONS`` request carrying
``WebHook-Request-Origin``, answered with ``WebHook-Allowed-Origin`` (the CloudEvents "abuse
protection" handshake). Event Grid signs nothing: a delivery is authenticated by the source's key
in a custom delivery header (``X-Attest-Key`` unless the source names another; "custom delivery
properties", https://learn.microsoft.com/azure/event-grid/delivery-properties) or in the
endpoint URL's ``key`` query parameter (the way Event Grid's security page suggests, and the one
the validation request carries too). Event Grid retries for at most 24 hours by default
(https://learn.microsoft.com/azure/event-grid/delivery-and-retry), so older events are replays.

The event is never trusted: processing re-reads the version through the Azure Resource Manager
REST API of the workspace (https://learn.microsoft.com/rest/api/azureml/model-versions,
``api-version`` below): ``GET .../workspaces/{ws}/models`` and ``.../models/{name}/versions``
(pages ``{"value": [...], "nextLink": url}``), ``.../models/{name}/versions/{version}``; a
version is ``{"name": "3", "properties": {"description", "tags", "properties", "modelUri",
"jobName", "isArchived", "stage"}, "systemData": {"createdAt", "lastModifiedAt"}}``. An archived
model or version is treated as gone (the catalog marks it deleted, history kept). Write-back
reads the version and PUTs it back with Attest's tags changed (the API's ``createOrUpdate``).
Credentials: Microsoft Entra ID through azure-identity: the source's client id and secret
(``ClientSecretCredential``, with its tenant), else ``DefaultAzureCredential`` (environment,
workload identity, managed identity); or a bearer token given as the source's API token.
"""

from __future__ import annotations

import hmac
import secrets as secrets_module
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime
from urllib.parse import quote

import requests
from django.utils.translation import gettext as _

from catalog.registries.base import (
    Adapter,
    EventState,
    Handshake,
    PayloadError,
    Received,
    Refused,
    RegistryModel,
    RegistryRequestRefused,
    RegistryVersion,
    WebhookEvent,
)
from catalog.registries.rest import json_call
from common import input_guard

DEFAULT_ENDPOINT = "https://management.azure.com"
API_VERSION = "2024-04-01"  # a GA version of the Microsoft.MachineLearningServices API
SCOPE = "https://management.azure.com/.default"
DEFAULT_AUTH_HEADER = "X-Attest-Key"
MAX_EVENT_AGE_SECONDS = 24 * 3600  # Event Grid's default event time-to-live (1440 minutes)
MAX_PAGES = 1000
REGISTERED = "Microsoft.MachineLearningServices.ModelRegistered"
VALIDATION = "Microsoft.EventGrid.SubscriptionValidationEvent"
KEY_HELP = "The key Event Grid sends (?key= in the URL, or a delivery header); empty: one is made."


def _time(value) -> datetime | None:
    """ISO 8601 with up to 7 fractional digits (Azure's precision) as an aware datetime."""
    if not isinstance(value, str) or not value or len(value) > 40:
        return None
    head, dot, tail = value.replace("Z", "+00:00").partition(".")
    if dot:
        digits = "".join(c for c in tail if c.isdigit())
        tail = digits[:6] + tail[len(digits) :]
        value = f"{head}.{tail}"
    else:
        value = head
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    return (parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)).astimezone(UTC)


def _field(event: dict, grid: str, cloud: str):
    """A field of either schema: Event Grid's name, else CloudEvents' one."""
    return event.get(grid) if grid in event else event.get(cloud)


def _events(body: bytes) -> list[dict]:
    try:
        payload = input_guard.json_loads(body)
    except input_guard.InputRefused as exc:
        raise PayloadError(exc.detail) from exc
    events = payload if isinstance(payload, list) else [payload]
    if not events or not all(isinstance(e, dict) for e in events):
        raise PayloadError(_("The body is not an Event Grid event array or a CloudEvent."))
    return events


def _workspace_of(topic) -> str:
    """The workspace name at the end of an event's topic / source resource id."""
    if not isinstance(topic, str):
        return ""
    parts = topic.rstrip("/").split("/")
    lowered = [p.lower() for p in parts]
    if "workspaces" in lowered:
        index = len(lowered) - 1 - lowered[::-1].index("workspaces")
        return parts[index + 1] if index + 1 < len(parts) else ""
    return ""


def parse_event(body: bytes) -> WebhookEvent:
    events = _events(body)
    if len(events) > 1:
        raise PayloadError(
            _(
                "Deliver one event per request: set the event subscription's 'Max events per "
                "batch' to 1 (Event Grid's default)."
            )
        )
    (event,) = events
    event_type = _field(event, "eventType", "type")
    if not isinstance(event_type, str) or not isinstance(event.get("id"), str):
        raise PayloadError(_("An Event Grid event needs string 'id' and 'eventType' (or 'type')."))
    data = event.get("data")
    if event_type != REGISTERED:
        return WebhookEvent(
            entity="eventgrid", action=event_type[:60], model_name="", concerns_models=False
        )
    if not isinstance(data, dict):
        raise PayloadError(_("A ModelRegistered event needs an object 'data'."))
    name, version = data.get("ModelName"), data.get("ModelVersion")
    if not isinstance(name, str) or not name or len(name) > 255:
        raise PayloadError(_("data.ModelName must be a non-empty string."))
    if isinstance(version, bool) or not isinstance(version, (int, str)) or str(version) == "":
        raise PayloadError(_("data.ModelVersion must be the version (a number or a string)."))
    return WebhookEvent(
        entity="model",
        action="registered",
        model_name=name,
        version=str(version)[:64],
        data={
            "ModelName": name,
            "ModelVersion": str(version),
            "workspace": _workspace_of(_field(event, "topic", "source")),
        },
    )


def _key_matches(offered: str, secrets: Iterable[str]) -> bool:
    return any(hmac.compare_digest(offered.encode(), s.encode()) for s in secrets)


def _authenticate(headers, query, secrets: Iterable[str], options: dict) -> None:
    header_name = options.get("auth_header") or DEFAULT_AUTH_HEADER
    offered = headers.get(header_name, "") or (query or {}).get("key", "")
    if not offered:
        raise Refused(
            401,
            f"Missing key: send it in the {header_name} delivery header or as ?key= in the "
            "event subscription's endpoint URL.",
        )
    if not _key_matches(offered, secrets):
        raise Refused(401, "The key does not match any active key of this source.")


def verify(
    *,
    headers,
    body: bytes,
    secrets: Iterable[str],
    now: float,
    tolerance: int,
    options: dict,
    query=None,
) -> Received:
    _authenticate(headers, query, secrets, options)
    try:
        events = _events(body)
    except PayloadError as exc:
        raise Refused(400, str(exc)) from exc
    first = events[0]
    if _field(first, "eventType", "type") == VALIDATION:
        code = (first.get("data") or {}).get("validationCode")
        if not isinstance(code, str) or not code or len(code) > 200:
            raise Refused(400, "A subscription validation event needs data.validationCode.")
        raise Handshake(200, {"validationResponse": code})
    try:
        event = parse_event(body)
    except PayloadError as exc:
        raise Refused(400, str(exc)) from exc
    at = _time(_field(first, "eventTime", "time"))
    if at is None:
        raise Refused(400, "The event needs its ISO 8601 'eventTime' (or 'time').")
    event_id = first["id"]
    if not event_id or len(event_id) > 100 or not event_id.isascii():
        raise Refused(400, "The event 'id' is missing or malformed.")
    age = now - at.timestamp()
    if age > MAX_EVENT_AGE_SECONDS + tolerance or age < -tolerance:
        raise Refused(401, "The event's time is outside Event Grid's delivery window (replay).")
    workspace = event.data.get("workspace") if event.concerns_models else ""
    expected = options.get("workspace", "")
    if workspace and expected and workspace.lower() != expected.lower():
        raise Refused(400, f"The event is about workspace {workspace!r}, not {expected!r}.")
    return Received(event_id, at, event)


def answer_options(*, headers, query, secrets: Iterable[str], options: dict) -> Handshake:
    """CloudEvents 1.0 abuse protection: allow the origin that asks, once the key matches."""
    _authenticate(headers, query, secrets, options)
    origin = headers.get("WebHook-Request-Origin", "")
    if not origin or len(origin) > 255:
        raise Refused(400, "An OPTIONS validation request needs WebHook-Request-Origin.")
    return Handshake(
        200,
        None,
        {"WebHook-Allowed-Origin": origin, "WebHook-Allowed-Rate": "*", "Allow": "POST, OPTIONS"},
    )


def _tags(resource: dict) -> dict[str, str]:
    tags = (resource.get("properties") or {}).get("tags") or {}
    return {str(k): "" if v is None else str(v) for k, v in tags.items()}


def parse_model(resource: dict) -> RegistryModel:
    system = resource.get("systemData") or {}
    return RegistryModel(
        name=resource["name"],
        description=(resource.get("properties") or {}).get("description") or "",
        tags=_tags(resource),
        aliases=None,  # Azure ML has no aliases (a version's tags and stage instead)
        created_at=_time(system.get("createdAt")),
        updated_at=_time(system.get("lastModifiedAt")),
    )


def parse_version(model_name: str, resource: dict) -> RegistryVersion:
    properties = resource.get("properties") or {}
    system = resource.get("systemData") or {}
    return RegistryVersion(
        model_name=model_name,
        version=str(resource["name"]),
        source=properties.get("modelUri") or "",
        run_id=(properties.get("jobName") or "")[:64],  # the training job is the run
        status="ready",
        description=properties.get("description") or "",
        tags=_tags(resource),
        created_at=_time(system.get("createdAt")),
        updated_at=_time(system.get("lastModifiedAt")) or _time(system.get("createdAt")),
    )


def _live(resource: dict | None) -> bool:
    return bool(resource) and not (resource.get("properties") or {}).get("isArchived")


class AzureMLClient:
    """The workspace reads and the tag write-back, over the Resource Manager REST API."""

    WRITES_TAGS = True
    WRITES_ALIASES = False
    WRITES_APPROVAL_STATUS = False
    CAN_RECONCILE = True

    def __init__(
        self,
        *,
        subscription: str,
        resource_group: str,
        workspace: str,
        base_url: str = "",
        credentials: dict | None = None,
        tenant: str = "",
        timeout: float = 10,
    ):
        self.base_url = (base_url or DEFAULT_ENDPOINT).rstrip("/")
        self.workspace = (
            f"/subscriptions/{quote(subscription, safe='')}/resourceGroups/"
            f"{quote(resource_group, safe='')}/providers/Microsoft.MachineLearningServices/"
            f"workspaces/{quote(workspace, safe='')}"
        )
        self.timeout = timeout
        self.session = requests.Session()
        self.session.max_redirects = 0
        credentials = credentials or {}
        self._token = credentials.get("token", "")
        self._credential = None
        if not self._token:
            self._credential = _entra_credential(credentials, tenant)

    def _authorization(self) -> str:
        if self._token:
            return f"Bearer {self._token}"
        from azure.core.exceptions import ClientAuthenticationError

        try:
            return f"Bearer {self._credential.get_token(SCOPE).token}"
        except ClientAuthenticationError as exc:
            raise RegistryRequestRefused(
                f"Microsoft Entra ID refused the credentials: {exc}"
            ) from exc

    def _call(self, method: str, url: str, **kwargs) -> dict | None:
        if not url.startswith(self.base_url + "/"):
            # A nextLink elsewhere would send our token to another host.
            raise RegistryRequestRefused(f"Refusing to follow {url}: not under {self.base_url}.")
        headers = {"Authorization": self._authorization()}
        return json_call(self.session, method, url, timeout=self.timeout, headers=headers, **kwargs)

    def _url(self, path: str) -> str:
        return f"{self.base_url}{self.workspace}/{path}?api-version={API_VERSION}"

    def _pages(self, path: str) -> Iterator[dict]:
        url = self._url(path)
        for _page in range(MAX_PAGES):
            data = self._call("GET", url)
            if data is None:
                return
            yield from (item for item in data.get("value") or [] if isinstance(item, dict))
            url = data.get("nextLink") or ""
            if not url:
                return

    def _model_resource(self, name: str) -> dict | None:
        found = self._call("GET", self._url(f"models/{quote(name, safe='')}"))
        return found if _live(found) else None

    def _version_resource(self, name: str, version: str) -> dict | None:
        path = f"models/{quote(name, safe='')}/versions/{quote(version, safe='')}"
        found = self._call("GET", self._url(path))
        return found if _live(found) else None

    def get_model(self, name: str) -> RegistryModel | None:
        resource = self._model_resource(name)
        return parse_model(resource) if resource else None

    def get_version(self, name: str, version: str) -> RegistryVersion | None:
        if self._model_resource(name) is None:
            return None
        resource = self._version_resource(name, version)
        return parse_version(name, resource) if resource else None

    def search_models(self) -> Iterator[RegistryModel]:
        for resource in self._pages("models"):
            if _live(resource) and resource.get("name"):
                yield parse_model(resource)

    def search_versions(self, name: str) -> Iterator[RegistryVersion]:
        if self._model_resource(name) is None:
            return
        for resource in self._pages(f"models/{quote(name, safe='')}/versions"):
            if _live(resource) and resource.get("name"):
                yield parse_version(name, resource)

    def read_for_event(self, event: WebhookEvent) -> EventState:
        model = self.get_model(event.model_name)
        if model is None:
            return EventState(model=None)
        version = self.get_version(event.model_name, event.version) if event.version else None
        return EventState(model=model, versions=[version] if version else [])

    def check(self) -> str:
        data = self._call("GET", self._url("models") + "&$top=1")
        if data is None or "value" not in data:
            raise RegistryRequestRefused("No Azure Machine Learning workspace at this address.")
        return "Azure Machine Learning answered: the workspace's models are readable."

    # --- Write-back (approval tags) ---
    # createOrUpdate with the version as just read, only Attest's tags changed: the other
    # tags and properties stay as the workspace has them.
    def _put_tags(self, name: str, version: str, change) -> None:
        resource = self._version_resource(name, version)
        if resource is None:
            raise RegistryRequestRefused(f"{name!r} version {version!r} is not in the workspace.")
        properties = dict(resource.get("properties") or {})
        tags = dict(properties.get("tags") or {})
        change(tags)
        properties["tags"] = tags
        path = f"models/{quote(name, safe='')}/versions/{quote(version, safe='')}"
        if self._call("PUT", self._url(path), json={"properties": properties}) is None:
            raise RegistryRequestRefused(f"{name!r} version {version!r} is not in the workspace.")

    def set_version_tag(self, name: str, version: str, key: str, value: str) -> None:
        self._put_tags(name, version, lambda tags: tags.__setitem__(key, value))

    def delete_version_tag(self, name: str, version: str, key: str) -> None:
        self._put_tags(name, version, lambda tags: tags.pop(key, None))


def _entra_credential(credentials: dict, tenant: str):
    """Client credentials of an app registration when the source has them, else Azure's
    default chain (environment variables, workload identity, managed identity)."""
    from azure.identity import ClientSecretCredential, DefaultAzureCredential

    if credentials.get("username"):
        if not tenant:
            raise RegistryRequestRefused("A client id and secret need the Entra ID tenant id.")
        return ClientSecretCredential(tenant, credentials["username"], credentials["password"])
    return DefaultAzureCredential(exclude_interactive_browser_credential=True)


def _client(*, base_url: str, credentials: dict | None, options: dict, timeout: float):
    return AzureMLClient(
        subscription=options.get("subscription", ""),
        resource_group=options.get("resource_group", ""),
        workspace=options.get("workspace", ""),
        tenant=options.get("tenant", ""),
        base_url=base_url,
        credentials=credentials,
        timeout=timeout,
    )


ADAPTER = Adapter(
    kind="azureml",
    label="Azure Machine Learning",
    verify=verify,
    parse_stored=parse_event,
    client=_client,
    new_secret=lambda: secrets_module.token_urlsafe(32),
    needs_url=False,
    setup_template="catalog/_setup_azureml.html",
    approval_in_tags=True,
    answer_options=answer_options,
    secret_help=KEY_HELP,
)
