"""The usage source form on a model's "Usage and cost" page: where one of its deployments
reports its traffic (the same service as ``PUT /api/v1/deployments/<id>/usage-source/``), with
presets that fill the three selectors for KServe, Seldon, BentoML, MLflow serving and a generic
``http_requests_total`` (``usage.presets``). Choosing a preset is a GET that shows the form
filled: it works without JavaScript, and nothing is saved until the form is sent."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from approvals.models import Deployment
from catalog.selectors import model_service_get
from common.errors import Forbidden
from common.forms import message_errors
from usage import access, presets, services
from usage.models import UsageSource


class UsageSourceForm(forms.Form):
    """A deployment of the model, the Prometheus server and the three PromQL selectors."""

    deployment = forms.ChoiceField(label=gettext_lazy("Deployment"))
    prometheus_url = forms.URLField(
        label=gettext_lazy("Prometheus URL"), max_length=500, assume_scheme="https"
    )
    requests = forms.CharField(label=gettext_lazy("Request counter"), max_length=1000)
    errors = forms.CharField(label=gettext_lazy("Error counter"), max_length=1000, required=False)
    latency = forms.CharField(
        label=gettext_lazy("Latency histogram buckets"), max_length=1000, required=False
    )

    def __init__(self, *args, deployments, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["deployment"].choices = [
            (
                str(d.pk),
                _("v%(version)s in %(environment)s (%(date)s)")
                % {
                    "version": d.model_version.version,
                    "environment": d.environment,
                    "date": date_format(d.deployed_at, "SHORT_DATE_FORMAT"),
                },
            )
            for d in deployments
        ]
        for name in ("requests", "errors", "latency"):
            self.fields[name].widget.attrs.update({"spellcheck": "false"})


def model_deployments(model):
    return list(
        Deployment.objects.filter(model_service=model)
        .select_related("model_version")
        .order_by("-deployed_at")[:20]
    )


def source_form_context(request, model) -> dict:
    """The form for the page: filled from a chosen preset, or from the chosen deployment's
    source; nothing for those who may not set sources, or a model never deployed."""
    if not access.can_set_usage_source(request.user, model):
        return {}
    deployments = model_deployments(model)
    if not deployments:
        return {}
    ids = {str(d.pk) for d in deployments}
    chosen = request.GET.get("deployment", "")
    chosen = chosen if chosen in ids else str(deployments[0].pk)
    initial = {"deployment": chosen}
    source = UsageSource.objects.filter(deployment_id=chosen).first()
    if source is not None:
        initial |= {
            "prometheus_url": source.prometheus_url,
            "requests": source.requests,
            "errors": source.errors,
            "latency": source.latency,
        }
    preset = presets.preset_get(request.GET.get("preset", ""))
    if preset is not None:
        initial |= preset.filled(model.name)
    return {
        "source_form": UsageSourceForm(initial=initial, deployments=deployments),
        "presets": presets.PRESETS,
        "chosen_preset": preset.key if preset else "",
        "chosen_deployment": chosen,
    }


@login_required
@require_POST
def usage_source_set(request, model_id):
    model = model_service_get(user=request.user, model_id=model_id)  # 404 when not visible
    if not access.can_set_usage_source(request.user, model):
        raise Forbidden(services.SOURCE_REFUSED)
    deployments = model_deployments(model)
    form = UsageSourceForm(request.POST, deployments=deployments)
    back = reverse("usage:model-usage", kwargs={"model_id": model.pk})
    if not form.is_valid():
        for field, problems in form.errors.items():
            label = form.fields[field].label if field in form.fields else ""
            for problem in problems:
                messages.error(request, f"{label}: {problem}" if label else problem)
        return redirect(back)
    data = form.cleaned_data
    deployment = next(d for d in deployments if str(d.pk) == data["deployment"])
    with message_errors(request) as call:
        services.usage_source_set(
            actor=request.user,
            deployment=deployment,
            prometheus_url=data["prometheus_url"],
            requests=data["requests"],
            errors=data["errors"],
            latency=data["latency"],
        )
    if call.ok:
        messages.success(
            request,
            _("Usage of %(deployment)s is read from %(url)s.")
            % {"deployment": deployment, "url": data["prometheus_url"]},
        )
    return redirect(back)
