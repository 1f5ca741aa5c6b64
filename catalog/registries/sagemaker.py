"""Amazon SageMaker Model Registry: model package groups are models, versioned model packages
are versions, ``ModelApprovalStatus`` is the approval Attest governs.

Change signal: EventBridge's "SageMaker Model Package State Change" event, sent to
``/webhooks/<slug>/`` by an EventBridge API destination whose connection adds an API key header
(``X-Attest-Key`` unless the source names another) or basic auth. The event's shape, from
https://docs.aws.amazon.com/sagemaker/latest/dg/automating-sagemaker-with-eventbridge.html#eventbridge-model-package::

    {"version": "0", "id": "844e2571-...", "detail-type": "SageMaker Model Package State Change",
     "source": "aws.sagemaker", "account": "123456789012", "time": "2021-02-24T17:00:14Z",
     "region": "us-east-2", "resources": ["arn:aws:sagemaker:...:model-package/<group>/2"],
     "detail": {"ModelPackageGroupName": "<group>", "ModelPackageVersion": 2,
                "ModelPackageArn": "...", "ModelApprovalStatus": "Rejected",
                "ModelPackageStatus": "Completed", "CreationTime": "...",
                "LastModifiedTime": "...", ...}}

SageMaker "may send multiple events to EventBridge for each state change" (same page): the
event ``id`` is the inbox's idempotency key, and the event is never trusted: processing re-reads
the package with ``DescribeModelPackage`` (boto3). API destinations retry for up to 24 hours
(https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-api-destinations.html), so an event
older than that plus the clock tolerance is refused as a replay.

Write-back: ``UpdateModelPackage(ModelApprovalStatus=Approved, ApprovalDescription=...)``
(https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_UpdateModelPackage.html), what
SageMaker Pipelines and deployment projects wait for; removal sets ``PendingManualApproval``.
Credentials: the standard AWS chain (environment, profile, instance role), optionally assuming
the source's ``role_arn``; ``base_url`` is an optional custom endpoint (VPC endpoint, emulator).
"""

from __future__ import annotations

import base64
import binascii
import hmac
import secrets as secrets_module
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime

from django.utils.translation import gettext as _

from catalog.registries import errors
from catalog.registries.base import (
    Adapter,
    EventState,
    PayloadError,
    Received,
    Refused,
    RegistryModel,
    RegistryRequestRefused,
    RegistryUnavailable,
    RegistryVersion,
    WebhookEvent,
)
from common import input_guard

DETAIL_TYPE = "SageMaker Model Package State Change"
DEFAULT_AUTH_HEADER = "X-Attest-Key"
MAX_EVENT_AGE_SECONDS = 24 * 3600  # EventBridge's longest retry window for API destinations
APPROVED, REJECTED, PENDING = "Approved", "Rejected", "PendingManualApproval"
# ModelPackageStatus → our version status.
STATUS = {"Completed": "ready", "Failed": "failed"}
# Error codes meaning "no such group or package" (DescribeModelPackage[Group] answer
# ValidationException for a name that does not exist).
NOT_FOUND_CODES = {"ValidationException", "ResourceNotFound", "ResourceNotFoundException"}
RETRY_CODES = {"ThrottlingException", "Throttling", "ServiceUnavailable", "InternalFailure"}


def _authorised(headers, secrets: Iterable[str], header_name: str) -> bool | None:
    """True / False when a key or basic credentials were offered, None when nothing was."""
    key = headers.get(header_name, "")
    if key:
        return any(hmac.compare_digest(key.encode(), s.encode()) for s in secrets)
    authorization = headers.get("Authorization", "")
    if authorization.lower().startswith("basic "):
        try:
            decoded = base64.b64decode(authorization[6:].strip(), validate=True).decode()
        except (binascii.Error, UnicodeDecodeError):
            return False
        password = decoded.partition(":")[2]
        return any(hmac.compare_digest(password.encode(), s.encode()) for s in secrets)
    return None


def _time(value) -> datetime:
    if not isinstance(value, str) or len(value) > 40:
        raise PayloadError(_("'time' must be the event's ISO 8601 time."))
    try:
        parsed = datetime.fromisoformat(value.replace("z", "Z"))
    except ValueError as exc:
        raise PayloadError(_("'time' must be the event's ISO 8601 time.")) from exc
    return (parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)).astimezone(UTC)


def parse_event(body: bytes) -> WebhookEvent:
    try:
        payload = input_guard.json_loads(body)
    except input_guard.InputRefused as exc:
        raise PayloadError(exc.detail) from exc
    if not isinstance(payload, dict):
        raise PayloadError(_("Body is not an EventBridge event (a JSON object)."))
    event_id, detail_type = payload.get("id"), payload.get("detail-type")
    detail = payload.get("detail")
    if not isinstance(event_id, str) or not isinstance(detail_type, str):
        raise PayloadError(_("An EventBridge event needs string 'id' and 'detail-type'."))
    if not isinstance(detail, dict):
        raise PayloadError(_("An EventBridge event needs an object 'detail'."))
    _time(payload.get("time"))
    if detail_type != DETAIL_TYPE:
        return WebhookEvent(
            entity="eventbridge", action=detail_type[:60], model_name="", concerns_models=False
        )
    group, version = detail.get("ModelPackageGroupName"), detail.get("ModelPackageVersion")
    if group is None:  # an unversioned model package: not part of a registry group
        return WebhookEvent("model_package", "state_change", "", data=detail, concerns_models=False)
    if not isinstance(group, str) or not group or len(group) > 300:
        raise PayloadError(_("detail.ModelPackageGroupName must be a non-empty string."))
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        raise PayloadError(_("detail.ModelPackageVersion must be a positive integer."))
    return WebhookEvent(
        entity="model_package",
        action="state_change",
        model_name=group,
        version=str(version),
        data=detail,
    )


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
    header_name = options.get("auth_header") or DEFAULT_AUTH_HEADER
    authorised = _authorised(headers, secrets, header_name)
    if authorised is None:
        raise Refused(
            401, f"Missing {header_name}: set it as the API destination connection's API key."
        )
    if not authorised:
        raise Refused(401, f"{header_name} does not match any active key of this source.")
    try:
        event = parse_event(body)
        payload = input_guard.json_loads(body)
        at = _time(payload["time"])
    except PayloadError as exc:
        raise Refused(400, str(exc)) from exc
    event_id = payload["id"]
    if not event_id or len(event_id) > 100 or not event_id.isascii():
        raise Refused(400, "The event 'id' is missing or malformed.")
    age = now - at.timestamp()
    if age > MAX_EVENT_AGE_SECONDS + tolerance or age < -tolerance:
        raise Refused(401, "The event's time is outside EventBridge's delivery window (replay).")
    return Received(event_id, at, event)


def _error_code(exc) -> str:
    return str(exc.response.get("Error", {}).get("Code", ""))


class SageMakerClient:
    """The SageMaker reads and writes Attest needs, through boto3."""

    WRITES_TAGS = False
    WRITES_ALIASES = False
    WRITES_APPROVAL_STATUS = True
    CAN_RECONCILE = True

    def __init__(
        self, *, region: str, endpoint_url: str = "", role_arn: str = "", timeout: float = 10
    ):
        import boto3
        from botocore.config import Config

        self.region = region
        config = Config(connect_timeout=timeout, read_timeout=timeout, retries={"max_attempts": 2})
        session = boto3.session.Session(region_name=region)
        if role_arn:
            sts = session.client("sts", config=config)
            try:
                creds = sts.assume_role(RoleArn=role_arn, RoleSessionName="attest")["Credentials"]
            except Exception as exc:
                raise RegistryRequestRefused(f"Cannot assume {role_arn}: {exc}") from exc
            session = boto3.session.Session(
                region_name=region,
                aws_access_key_id=creds["AccessKeyId"],
                aws_secret_access_key=creds["SecretAccessKey"],
                aws_session_token=creds["SessionToken"],
            )
        self.sm = session.client("sagemaker", endpoint_url=endpoint_url or None, config=config)

    def _call(self, operation: str, **kwargs) -> dict | None:
        from botocore.exceptions import (
            BotoCoreError,
            ClientError,
            ConnectTimeoutError,
            EndpointConnectionError,
            NoCredentialsError,
            ReadTimeoutError,
            SSLError,
        )

        try:
            return getattr(self.sm, operation)(**kwargs)
        except ClientError as exc:
            code = _error_code(exc)
            status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0)
            text = str(exc)
            if code in NOT_FOUND_CODES and ("not exist" in text or "not found" in text):
                return None
            if code in RETRY_CODES or status >= 500 or status == 429:
                raise RegistryUnavailable(f"SageMaker {operation}: {text}") from exc
            raise RegistryRequestRefused(f"SageMaker {operation}: {text}") from exc
        except NoCredentialsError as exc:
            raise RegistryRequestRefused(
                "No AWS credentials: set them in the environment, a profile or an instance role."
            ) from exc
        except (EndpointConnectionError, ConnectTimeoutError, ReadTimeoutError, SSLError) as exc:
            # The same sentence with the next step as the other registries (refused, DNS,
            # timeout, TLS), read from the socket error botocore wraps.
            raise RegistryUnavailable(
                errors.network_error(exc, url=self.sm.meta.endpoint_url)
            ) from exc
        except BotoCoreError as exc:
            raise RegistryUnavailable(f"SageMaker {operation}: {exc}") from exc

    # --- Reads ---------------------------------------------------------------------------
    def _group_tags(self, arn: str) -> dict[str, str]:
        data = self._call("list_tags", ResourceArn=arn) or {}
        return {t["Key"]: t.get("Value", "") for t in data.get("Tags", [])}

    def _model(self, group: dict) -> RegistryModel:
        return RegistryModel(
            name=group["ModelPackageGroupName"],
            description=group.get("ModelPackageGroupDescription") or "",
            tags=self._group_tags(group["ModelPackageGroupArn"]),
            aliases=None,  # SageMaker has approval statuses, not aliases
            created_at=group.get("CreationTime"),
            updated_at=None,  # groups carry no modification time
        )

    @staticmethod
    def _version(package: dict) -> RegistryVersion:
        containers = (package.get("InferenceSpecification") or {}).get("Containers") or [{}]
        generated_by = (package.get("MetadataProperties") or {}).get("GeneratedBy") or ""
        return RegistryVersion(
            model_name=package["ModelPackageGroupName"],
            version=str(package["ModelPackageVersion"]),
            source=containers[0].get("ModelDataUrl") or "",
            # A pipeline execution ARN ends in its execution id: that is the run.
            run_id=generated_by.rsplit("/", 1)[-1][:64],
            status=STATUS.get(package.get("ModelPackageStatus", ""), "pending"),
            description=package.get("ModelPackageDescription") or "",
            # Customer metadata properties are SageMaker's key-value pairs on a version.
            tags={
                str(k): str(v) for k, v in (package.get("CustomerMetadataProperties") or {}).items()
            },
            created_at=package.get("CreationTime"),
            updated_at=package.get("LastModifiedTime") or package.get("CreationTime"),
            metrics=None,  # ModelMetrics are S3 reports, not numbers
            approval_status=package.get("ModelApprovalStatus") or "",
        )

    def _group(self, name: str) -> dict | None:
        return self._call("describe_model_package_group", ModelPackageGroupName=name)

    @staticmethod
    def _package_arn(group_arn: str, version: str) -> str:
        # arn:aws:sagemaker:<region>:<account>:model-package-group/<name>
        #   → arn:aws:sagemaker:<region>:<account>:model-package/<name>/<version>
        return group_arn.replace(":model-package-group/", ":model-package/", 1) + f"/{version}"

    def get_model(self, name: str) -> RegistryModel | None:
        group = self._group(name)
        return self._model(group) if group else None

    def get_version(self, name: str, version: str) -> RegistryVersion | None:
        group = self._group(name)
        if group is None:
            return None
        package = self._call(
            "describe_model_package",
            ModelPackageName=self._package_arn(group["ModelPackageGroupArn"], version),
        )
        return self._version(package) if package else None

    def search_models(self) -> Iterator[RegistryModel]:
        token = None
        while True:
            page = (
                self._call(
                    "list_model_package_groups",
                    MaxResults=100,
                    **({"NextToken": token} if token else {}),
                )
                or {}
            )
            for summary in page.get("ModelPackageGroupSummaryList", []):
                yield self._model(summary)
            token = page.get("NextToken")
            if not token:
                return

    def search_versions(self, name: str) -> Iterator[RegistryVersion]:
        token = None
        while True:
            page = (
                self._call(
                    "list_model_packages",
                    ModelPackageGroupName=name,
                    MaxResults=100,
                    **({"NextToken": token} if token else {}),
                )
                or {}
            )
            for summary in page.get("ModelPackageSummaryList", []):
                package = self._call(
                    "describe_model_package", ModelPackageName=summary["ModelPackageArn"]
                )
                if package:
                    yield self._version(package)
            token = page.get("NextToken")
            if not token:
                return

    def read_for_event(self, event: WebhookEvent) -> EventState:
        model = self.get_model(event.model_name)
        if model is None:
            return EventState(model=None)
        version = self.get_version(event.model_name, event.version) if event.version else None
        return EventState(model=model, versions=[version] if version else [])

    def check(self) -> str:
        page = self._call("list_model_package_groups", MaxResults=10) or {}
        count = len(page.get("ModelPackageGroupSummaryList", []))
        more = "+" if page.get("NextToken") else ""
        return _("SageMaker answered in %(region)s: %(count)s model package group(s) visible.") % {
            "region": self.region,
            "count": f"{count}{more}",
        }

    # --- Write-back ----------------------------------------------------------------------
    def set_approval_status(self, name: str, version: str, status: str, description: str) -> None:
        group = self._group(name)
        if group is None:
            raise RegistryRequestRefused(f"Model package group {name!r} is not in SageMaker.")
        arn = self._package_arn(group["ModelPackageGroupArn"], version)
        if (
            self._call(
                "update_model_package",
                ModelPackageArn=arn,
                ModelApprovalStatus=status,
                ApprovalDescription=description[:1024],
            )
            is None
        ):
            raise RegistryRequestRefused(f"{name!r} version {version} is not in SageMaker.")


def _client(*, base_url: str, credentials: dict | None, options: dict, timeout: float):
    return SageMakerClient(
        region=options.get("region", ""),
        endpoint_url=base_url,
        role_arn=options.get("role_arn", ""),
        timeout=timeout,
    )


ADAPTER = Adapter(
    kind="sagemaker",
    label="Amazon SageMaker Model Registry",
    verify=verify,
    parse_stored=parse_event,
    client=_client,
    new_secret=lambda: secrets_module.token_urlsafe(32),
    needs_url=False,
    setup_template="catalog/_setup_sagemaker.html",
    secret_help="The API key the EventBridge connection sends; leave empty to have one made.",  # noqa: S106 (help text)
)
