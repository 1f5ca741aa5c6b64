"""``manage.py add_registry_source --kind {mlflow,sagemaker,azureml,kubeflow,vertex,push} ...``.

- mlflow: ``--url <base-url> --secret <s>`` (the webhook signing secret);
- sagemaker: ``--region <r>`` (``--url`` only for a custom endpoint: VPC endpoint, emulator),
  ``--secret`` the EventBridge connection's API key, checked in ``--auth-header`` (default
  ``X-Attest-Key``), ``--role-arn`` to assume; AWS credentials from the standard chain;
- push: ``--secret whsec_…`` (Standard Webhooks), or none to have one made and printed;
- kubeflow: ``--url <the Model Registry REST server>`` (``--api-token`` for a service account
  token); no secret: the registry sends nothing, Attest polls it;
- vertex: ``--project <id> --location <region>`` (``--url`` only for another endpoint); Google
  application default credentials, or ``--api-token``; polled like kubeflow;
- azureml: ``--subscription <id> --resource-group <rg> --workspace <ws>``; ``--secret`` the key
  Event Grid sends (``?key=`` in the endpoint URL, or the ``--auth-header`` delivery header);
  Entra ID by ``--api-username <client id> --api-password-file <f> --tenant <id>``, else Azure's
  default credential chain, or ``--api-token``.
"""

from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from catalog import services
from catalog.models import RegistrySource
from catalog.registries import adapter_for
from catalog.registries.sagemaker import DEFAULT_AUTH_HEADER
from common.request_context import request_context


class Command(BaseCommand):
    help = "Register a model registry that may send deliveries to /webhooks/<slug>/."

    def add_arguments(self, parser):
        parser.add_argument("--kind", choices=RegistrySource.Kind.values, default="mlflow")
        parser.add_argument("--slug", required=True)
        parser.add_argument(
            "--url",
            default="",
            help="The registry's API endpoint (MLflow: required; SageMaker: a custom endpoint).",
        )
        parser.add_argument("--region", default="", help="AWS region (SageMaker).")
        parser.add_argument("--project", default="", help="Google Cloud project (Vertex AI).")
        parser.add_argument("--location", default="", help="Google Cloud region (Vertex AI).")
        parser.add_argument("--subscription", default="", help="Azure subscription id (Azure ML).")
        parser.add_argument("--resource-group", default="", help="Resource group (Azure ML).")
        parser.add_argument("--workspace", default="", help="Workspace name (Azure ML).")
        parser.add_argument(
            "--tenant", default="", help="Entra ID tenant of --api-username (Azure ML)."
        )
        parser.add_argument("--role-arn", default="", help="IAM role to assume (SageMaker).")
        parser.add_argument(
            "--auth-header",
            default=DEFAULT_AUTH_HEADER,
            help="Header carrying the EventBridge connection's API key (SageMaker).",
        )
        parser.add_argument(
            "--approval-environment",
            default="",
            help="Environment whose approval sets ModelApprovalStatus (SageMaker; production).",
        )
        secret = parser.add_mutually_exclusive_group()
        secret.add_argument(
            "--secret",
            help="MLflow's signing secret, the push kind's whsec_ secret, or the EventBridge "
            "connection's API key. SageMaker and push: omit to have one made and printed.",
        )
        secret.add_argument("--secret-file", help="File holding the secret.")
        parser.add_argument("--name", default="")
        parser.add_argument("--api-token", default="", help="Bearer token for the REST API.")
        parser.add_argument("--api-username", default="")
        parser.add_argument("--api-password-file", default="")

    def handle(self, *args, kind, slug, url, secret, secret_file, **options):
        if secret_file:
            try:
                secret = Path(secret_file).read_text().strip()
            except OSError as exc:
                raise CommandError(
                    _("Cannot read --secret-file: %(error)s") % {"error": exc}
                ) from exc
        if kind == RegistrySource.Kind.MLFLOW and not url:
            raise CommandError(_("--url is required for MLflow (the server's base URL)."))
        if kind == RegistrySource.Kind.KUBEFLOW and not url:
            raise CommandError(
                _("--url is required for Kubeflow (the Model Registry REST server).")
            )
        if kind == RegistrySource.Kind.MLFLOW and not secret:
            raise CommandError(_("--secret or --secret-file is required for MLflow."))
        if kind == RegistrySource.Kind.SAGEMAKER and not options["region"]:
            raise CommandError(_("--region is required for SageMaker."))
        if kind == RegistrySource.Kind.VERTEX and not (options["project"] and options["location"]):
            raise CommandError(_("--project and --location are required for Vertex AI."))
        azure = ("subscription", "resource_group", "workspace")
        if kind == RegistrySource.Kind.AZUREML and not all(options[k] for k in azure):
            raise CommandError(
                _("--subscription, --resource-group and --workspace are required for Azure ML.")
            )
        made = not secret
        secret = secret or adapter_for(kind).new_secret()
        credentials = None
        if options["api_token"]:
            credentials = {"token": options["api_token"]}
        elif options["api_username"]:
            password_file = options["api_password_file"]
            password = Path(password_file).read_text().strip() if password_file else ""
            credentials = {"username": options["api_username"], "password": password}
        settings = {}
        if kind == RegistrySource.Kind.SAGEMAKER:
            settings = {
                "region": options["region"],
                "role_arn": options["role_arn"],
                "auth_header": options["auth_header"],
                "approval_environment": options["approval_environment"],
            }
        if kind == RegistrySource.Kind.VERTEX:
            settings = {"project": options["project"], "location": options["location"]}
        if kind == RegistrySource.Kind.AZUREML:
            settings = {k: options[k] for k in (*azure, "tenant", "auth_header")}
        if RegistrySource.objects.filter(slug=slug).exists():
            raise CommandError(
                _("A registry source with slug %(slug)s already exists.") % {"slug": repr(slug)}
            )
        try:
            with request_context(source="cli"):
                source = services.registry_source_create(
                    actor=None,
                    kind=kind,
                    slug=slug,
                    base_url=url,
                    secret=secret,
                    name=options["name"],
                    credentials=credentials,
                    options=settings,
                )
        except ValidationError as exc:
            raise CommandError(
                "; ".join(f"{k}: {' '.join(v)}" for k, v in exc.message_dict.items())
            ) from exc
        where = f" ({source.base_url})" if source.base_url else ""
        hint = {
            "mlflow": _(
                "Point the registry's webhook at /webhooks/%(slug)s/ with the same secret."
            ),
            "sagemaker": _(
                "Point an EventBridge API destination at /webhooks/%(slug)s/ with the key "
                "in the connection's %(header)s header."
            ),
            "push": _(
                "Sign deliveries to /webhooks/%(slug)s/ per Standard Webhooks with the secret."
            ),
            "kubeflow": _("Attest polls the registry every ATTEST_POLL_INTERVAL_SECONDS."),
            "vertex": _("Attest polls the registry every ATTEST_POLL_INTERVAL_SECONDS."),
            "azureml": _(
                "Point an Event Grid subscription (ModelRegistered) at "
                "/webhooks/%(slug)s/?key=<the key>."
            ),
        }[kind] % {"slug": source.slug, "header": options["auth_header"]}
        self.stdout.write(
            _("Added %(kind)s source %(slug)s%(where)s. %(hint)s")
            % {
                "kind": source.get_kind_display(),
                "slug": repr(source.slug),
                "where": where,
                "hint": hint,
            }
        )
        if made and kind not in (RegistrySource.Kind.KUBEFLOW, RegistrySource.Kind.VERTEX):
            self.stdout.write(_("The secret (shown once):"))
            self.stdout.write(secret)
