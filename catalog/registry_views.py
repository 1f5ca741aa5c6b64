"""Administrator pages for registry sources and the webhook inbox. Adapters only."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Count
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from catalog import selectors, services
from catalog.models import RegistrySource, WebhookDelivery
from catalog.registries import adapter_for
from catalog.registries.base import RegistryRequestRefused, RegistryUnavailable
from catalog.registries.sagemaker import DEFAULT_AUTH_HEADER
from common.forms import form_errors, message_errors


class RegistrySourceForm(forms.Form):
    kind = forms.ChoiceField(label=gettext_lazy("Kind"), choices=RegistrySource.Kind.choices)
    slug = forms.SlugField(
        label=gettext_lazy("Slug"),
        max_length=60,
        help_text=gettext_lazy("Part of the webhook URL: /webhooks/<slug>/"),
    )
    name = forms.CharField(label=gettext_lazy("Name"), max_length=120, required=False)
    base_url = forms.URLField(
        label=gettext_lazy("Base URL"),
        assume_scheme="https",
        required=False,
        help_text=gettext_lazy(
            "Where Attest reads the registry's API (MLflow: required; SageMaker: only a "
            "custom endpoint such as a VPC endpoint; push: none)."
        ),
    )
    region = forms.CharField(
        label=gettext_lazy("Region"),
        max_length=30,
        required=False,
        help_text=gettext_lazy("SageMaker: the AWS region, e.g. eu-central-1."),
    )
    role_arn = forms.CharField(
        max_length=300,
        required=False,
        label=gettext_lazy("Role ARN (optional)"),
        help_text=gettext_lazy(
            "SageMaker: a role to assume; otherwise the standard AWS credential chain."
        ),
    )
    auth_header = forms.CharField(
        max_length=100,
        required=False,
        initial=DEFAULT_AUTH_HEADER,
        label=gettext_lazy("Auth header"),
        help_text=gettext_lazy(
            "SageMaker: the header the EventBridge connection's API key is sent in; "
            "Azure ML: the delivery header that may carry the key."
        ),
    )
    project = forms.CharField(
        label=gettext_lazy("Project"),
        max_length=100,
        required=False,
        help_text=gettext_lazy("Vertex AI: the Google Cloud project id."),
    )
    location = forms.CharField(
        label=gettext_lazy("Location"),
        max_length=40,
        required=False,
        help_text=gettext_lazy("Vertex AI: the region, e.g. europe-west4."),
    )
    subscription = forms.CharField(
        label=gettext_lazy("Subscription"),
        max_length=60,
        required=False,
        help_text=gettext_lazy("Azure ML: the Azure subscription id."),
    )
    resource_group = forms.CharField(
        label=gettext_lazy("Resource group"),
        max_length=90,
        required=False,
        help_text=gettext_lazy("Azure ML: the workspace's resource group."),
    )
    workspace = forms.CharField(
        label=gettext_lazy("Workspace"),
        max_length=33,
        required=False,
        help_text=gettext_lazy("Azure ML: the workspace name."),
    )
    tenant = forms.CharField(
        max_length=60,
        required=False,
        label=gettext_lazy("Tenant id (optional)"),
        help_text=gettext_lazy("Azure ML: the Entra ID tenant of the client id and secret below."),
    )
    api_username = forms.CharField(
        max_length=200,
        required=False,
        label=gettext_lazy("Client id (optional)"),
        help_text=gettext_lazy(
            "Azure ML: an app registration's client id; otherwise Azure's default "
            "credential chain (environment, workload or managed identity)."
        ),
    )
    api_password = forms.CharField(
        widget=forms.PasswordInput,
        required=False,
        label=gettext_lazy("Client secret (optional)"),
    )
    secret = forms.CharField(
        widget=forms.PasswordInput,
        min_length=16,
        required=False,
        label=gettext_lazy("Secret"),
        help_text=gettext_lazy(
            "MLflow: the webhook secret, also set on the MLflow webhook. SageMaker and push: "
            "leave empty to have one made (shown once). Shown nowhere after this."
        ),
    )
    api_token = forms.CharField(
        widget=forms.PasswordInput, required=False, label=gettext_lazy("API token (optional)")
    )

    def clean(self):
        data = super().clean()
        kind = data.get("kind")
        if kind == RegistrySource.Kind.MLFLOW:
            if not data.get("base_url") and "base_url" not in self.errors:
                self.add_error("base_url", _("MLflow sources need the server's base URL."))
            if not data.get("secret") and "secret" not in self.errors:
                self.add_error("secret", _("MLflow sources need the webhook secret."))
        if kind == RegistrySource.Kind.SAGEMAKER and not data.get("region"):
            self.add_error("region", _("SageMaker sources need an AWS region."))
        needs_url = kind == RegistrySource.Kind.KUBEFLOW and not data.get("base_url")
        if needs_url and "base_url" not in self.errors:
            self.add_error("base_url", _("Kubeflow sources need the Model Registry's URL."))
        if kind == RegistrySource.Kind.AZUREML:
            for field in ("subscription", "resource_group", "workspace"):
                if not data.get(field):
                    self.add_error(
                        field,
                        _("Azure ML sources need the subscription, resource group and workspace."),
                    )
            if data.get("api_username") and not (data.get("tenant") and data.get("api_password")):
                self.add_error("tenant", _("A client id needs its tenant id and client secret."))
        if kind == RegistrySource.Kind.VERTEX:
            for field in ("project", "location"):
                if not data.get(field):
                    self.add_error(field, _("Vertex AI sources need the project and location."))
        return data


# What a reconciliation changed, as a person reads it: the summary's keys are codes.
_RECONCILE_LABELS = {
    "models_added": gettext_lazy("models added"),
    "models_updated": gettext_lazy("models updated"),
    "models_renamed": gettext_lazy("models renamed"),
    "models_deleted": gettext_lazy("models deleted"),
    "versions_added": gettext_lazy("versions added"),
    "versions_updated": gettext_lazy("versions updated"),
    "versions_deleted": gettext_lazy("versions deleted"),
    "aliases_moved": gettext_lazy("aliases moved"),
}


def _reconcile_text(summary: dict) -> str:
    return ", ".join(
        f"{_RECONCILE_LABELS.get(k, k.replace('_', ' '))} {v}" for k, v in summary.items()
    )


def _webhook_url(request, source: RegistrySource) -> str:
    return request.build_absolute_uri(
        reverse("registry-webhook", kwargs={"source_slug": source.slug})
    )


@login_required
def registry_list(request):
    sources = selectors.registry_source_list(user=request.user)
    return render(request, "catalog/registry_list.html", {"sources": sources})


@login_required
@require_http_methods(["GET", "POST"])
def registry_create(request):
    selectors.registry_source_list(user=request.user)  # admins only
    form = RegistrySourceForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        secret = data["secret"] or adapter_for(data["kind"]).new_secret()
        options = {}
        if data["kind"] == RegistrySource.Kind.SAGEMAKER:
            options = {
                "region": data["region"],
                "role_arn": data["role_arn"],
                "auth_header": data["auth_header"] or DEFAULT_AUTH_HEADER,
            }
        if data["kind"] == RegistrySource.Kind.VERTEX:
            options = {"project": data["project"], "location": data["location"]}
        if data["kind"] == RegistrySource.Kind.AZUREML:
            options = {
                k: data[k] for k in ("subscription", "resource_group", "workspace", "tenant")
            }
            options["auth_header"] = data["auth_header"] or DEFAULT_AUTH_HEADER
        credentials = None
        if data["api_token"]:
            credentials = {"token": data["api_token"]}
        elif data["api_username"]:
            credentials = {"username": data["api_username"], "password": data["api_password"]}
        with form_errors(form) as call:
            source = services.registry_source_create(
                actor=request.user,
                kind=data["kind"],
                slug=data["slug"],
                name=data["name"],
                base_url=data["base_url"],
                secret=secret,
                credentials=credentials,
                options=options,
            )
        if call.ok:
            if not data["secret"]:
                request.session["attest_new_secret"] = secret  # shown once on the next page
            messages.success(request, _("Registry %(slug)s added.") % {"slug": source.slug})
            return redirect("registries:detail", slug=source.slug)
    return render(
        request,
        "catalog/registry_form.html",
        {"form": form},
        status=400 if request.method == "POST" else 200,
    )


class RegistrySourceEditForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("Name"), max_length=120, required=False)
    base_url = RegistrySourceForm.base_fields["base_url"]
    region = RegistrySourceForm.base_fields["region"]
    role_arn = RegistrySourceForm.base_fields["role_arn"]
    auth_header = RegistrySourceForm.base_fields["auth_header"]
    approval_environment = forms.CharField(
        max_length=40,
        required=False,
        label=gettext_lazy("Approval environment"),
        help_text=gettext_lazy(
            "SageMaker: the environment whose approval sets ModelApprovalStatus=Approved."
        ),
    )


@login_required
@require_http_methods(["GET", "POST"])
def registry_edit(request, slug):
    source = selectors.registry_source_get(user=request.user, slug=slug)
    initial = {"name": source.name, "base_url": source.base_url, **source.settings}
    form = RegistrySourceEditForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        options = {}
        if source.kind == RegistrySource.Kind.SAGEMAKER:
            options = {
                k: data[k] for k in ("region", "role_arn", "auth_header", "approval_environment")
            }
        with form_errors(form) as call:
            services.registry_source_update(
                actor=request.user,
                source=source,
                name=data["name"],
                base_url=data["base_url"],
                options=options,
            )
        if call.ok:
            messages.success(request, _("Registry %(slug)s saved.") % {"slug": source.slug})
            return redirect("registries:detail", slug=source.slug)
    return render(
        request,
        "catalog/registry_edit.html",
        {"form": form, "source": source},
        status=400 if request.method == "POST" else 200,
    )


@login_required
@require_POST
def registry_delete(request, slug):
    """Delete a source, keeping its catalog entries, inbox and audit trail (the button asks)."""
    source = selectors.registry_source_get(user=request.user, slug=slug)
    services.registry_source_delete(actor=request.user, source=source)
    messages.success(
        request,
        _(
            "Registry %(slug)s deleted: its deliveries are refused and its credentials erased; "
            "its catalog entries, inbox and audit trail are kept."
        )
        % {"slug": source.slug},
    )
    return redirect("registries:list")


@login_required
@require_POST
def registry_toggle(request, slug):
    """Disable (deliveries refused, nothing deleted) or enable again."""
    source = selectors.registry_source_get(user=request.user, slug=slug)
    services.registry_source_active_set(
        actor=request.user, source=source, is_active=not source.is_active
    )
    messages.success(
        request,
        _("Registry %(slug)s enabled.") % {"slug": source.slug}
        if not source.is_active
        else _("Registry %(slug)s disabled: its deliveries are refused; its history stays.")
        % {"slug": source.slug},
    )
    return redirect("registries:detail", slug=slug)


@login_required
def registry_detail(request, slug):
    source = selectors.registry_source_get(user=request.user, slug=slug)
    recent = selectors.webhook_delivery_list(user=request.user, source=slug)[:10]
    # One GROUP BY, not a row per delivery: a busy source holds millions of deliveries.
    tally = dict.fromkeys(WebhookDelivery.Status.values, 0)
    tally.update(
        source.deliveries.order_by()
        .values_list("status")
        .annotate(n=Count("pk"))
        .values_list("status", "n")
    )
    counts = [
        {"status": status, "label": WebhookDelivery.Status(status).label, "n": n}
        for status, n in tally.items()
    ]
    return render(
        request,
        "catalog/registry_detail.html",
        {
            "source": source,
            "adapter": adapter_for(source.kind),
            "auth_header": source.settings.get("auth_header") or DEFAULT_AUTH_HEADER,
            "webhook_url": _webhook_url(request, source),
            "secrets": source.secrets.all(),
            "recent": recent,
            "counts": counts,
            "new_secret": request.session.pop("attest_new_secret", None),
            "reconcile_summary": _reconcile_text(source.last_reconcile_summary),
        },
    )


@login_required
@require_POST
def registry_secret_add(request, slug):
    source = selectors.registry_source_get(user=request.user, slug=slug)
    _secret_row, secret = services.webhook_secret_add(
        actor=request.user, source=source, label=request.POST.get("label", "")[:120]
    )
    # Shown once on the next page, then gone from the session.
    request.session["attest_new_secret"] = secret
    messages.success(
        request, _("New secret added. Set it on the MLflow webhook, then retire the old one.")
    )
    return redirect("registries:detail", slug=slug)


@login_required
@require_POST
def registry_secret_retire(request, slug, secret_id):
    source = selectors.registry_source_get(user=request.user, slug=slug)
    secret = source.secrets.filter(pk=secret_id).first()
    if secret is None:
        messages.error(request, _("No such secret."))
    else:
        with message_errors(request) as call:
            services.webhook_secret_retire(actor=request.user, secret=secret)
        if call.ok:
            messages.success(request, _("Secret retired: deliveries signed with it are refused."))
    return redirect("registries:detail", slug=slug)


@login_required
@require_POST
def registry_webhook_register(request, slug):
    source = selectors.registry_source_get(user=request.user, slug=slug)
    try:
        webhook, secret = services.registry_source_webhook_register(
            actor=request.user, source=source, webhook_url=_webhook_url(request, source)
        )
    except (RegistryUnavailable, RegistryRequestRefused) as exc:
        messages.error(request, _("MLflow did not accept the webhook: %(error)s") % {"error": exc})
    else:
        request.session["attest_new_secret"] = secret
        messages.success(
            request,
            _("Webhook %(id)s registered in MLflow.") % {"id": webhook.get("webhook_id")},
        )
    return redirect("registries:detail", slug=slug)


@login_required
@require_POST
def registry_test(request, slug):
    """Test connection: one cheap read with the source's settings; the answer as a message."""
    source = selectors.registry_source_get(user=request.user, slug=slug)
    try:
        answer = services.registry_client(source).check()
    except (RegistryUnavailable, RegistryRequestRefused) as exc:
        messages.error(request, _("Connection failed: %(error)s") % {"error": exc})
    else:
        messages.success(request, _("Connection works. %(answer)s") % {"answer": answer})
    return redirect("registries:detail", slug=slug)


@login_required
@require_POST
def registry_reconcile(request, slug):
    source = selectors.registry_source_get(user=request.user, slug=slug)
    try:
        summary = services.registry_reconcile(source=source, actor=request.user)
    except (RegistryUnavailable, RegistryRequestRefused) as exc:
        messages.error(request, _("The registry could not be read: %(error)s") % {"error": exc})
    else:
        text = _reconcile_text(summary) or _("the catalog already matched")
        messages.success(request, _("Reconciled: %(changes)s.") % {"changes": text})
    return redirect("registries:detail", slug=slug)


@login_required
def inbox_list(request):
    source = request.GET.get("source", "")[:60]
    status = request.GET.get("status", "")
    status = status if status in WebhookDelivery.Status.values else ""
    entity = request.GET.get("entity", "")[:60]
    rows = selectors.webhook_delivery_list(
        user=request.user, source=source, status=status, entity=entity
    )
    page = Paginator(rows, 50).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "catalog/inbox_list.html",
        {
            "page": page,
            "query_string": query.urlencode(),
            "sources": selectors.registry_source_list(user=request.user),
            "statuses": WebhookDelivery.Status.choices,
            "entities": sorted(WebhookDelivery.objects.values_list("entity", flat=True).distinct()),
            "current": {"source": source, "status": status, "entity": entity},
        },
    )


@login_required
@require_POST
def delivery_retry(request, pk):
    delivery = selectors.webhook_delivery_get(user=request.user, pk=pk)
    services.registry_delivery_retry(actor=request.user, delivery=delivery)
    messages.success(request, _("Delivery queued again."))
    # Only a path on this site: an attacker's link must not bounce an admin elsewhere.
    target = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        target = reverse("registries:inbox")
    return redirect(target)
