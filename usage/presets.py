"""Selector presets for the usage source form: the request counter, error counter and latency
histogram buckets each serving stack exposes, as its own documentation names them. Pure data.

``{name}`` is replaced by the model's catalog name, the label value a team most often gives its
serving; edit the label to what your deployment really carries before saving.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class Preset:
    key: str
    label: str
    requests: str
    errors: str
    latency: str

    def filled(self, name: str) -> dict[str, str]:
        safe = name.replace("\\", "\\\\").replace('"', '\\"')  # a PromQL string literal
        return {
            "requests": self.requests.replace("{name}", safe),
            "errors": self.errors.replace("{name}", safe),
            "latency": self.latency.replace("{name}", safe),
        }


PRESETS: tuple[Preset, ...] = (
    # KServe's Python model server: the histogram request_predict_seconds, labelled model_name
    # (python/kserve/kserve/metrics.py, https://github.com/kserve/kserve; "KServe ModelServer
    # metrics", https://kserve.github.io/website/docs/model-serving/observability/prometheus).
    # Its _count is the number of predict calls; it exports no error counter, so none is set
    # (add one from your ingress or Knative's queue-proxy if you have it).
    Preset(
        "kserve",
        _("KServe model server"),
        'request_predict_seconds_count{model_name="{name}"}',
        "",
        'request_predict_seconds_bucket{model_name="{name}"}',
    ),
    # Seldon Core (v1) service orchestrator: seldon_api_executor_server_requests_seconds
    # (bucket, count, sum), labelled deployment_name and the HTTP code
    # (https://docs.seldon.ai/seldon-core-1/configuration/integrations/analytics).
    Preset(
        "seldon",
        _("Seldon Core"),
        'seldon_api_executor_server_requests_seconds_count{deployment_name="{name}"}',
        'seldon_api_executor_server_requests_seconds_count{deployment_name="{name}",code!~"2.."}',
        'seldon_api_executor_server_requests_seconds_bucket{deployment_name="{name}"}',
    ),
    # BentoML: the counter bentoml_service_request_total and the histogram
    # bentoml_service_request_duration_seconds, labelled service_name and http_response_code
    # (https://docs.bentoml.com/en/latest/build-with-bentoml/observability/metrics.html).
    Preset(
        "bentoml",
        _("BentoML"),
        'bentoml_service_request_total{service_name="{name}"}',
        'bentoml_service_request_total{service_name="{name}",http_response_code=~"5.."}',
        'bentoml_service_request_duration_seconds_bucket{service_name="{name}"}',
    ),
    # MLflow serving through MLServer (`mlflow models serve --enable-mlserver`): the counters
    # model_infer_request_success / _failure, labelled model and version, and the REST
    # server's histogram rest_server_request_duration_seconds
    # (https://docs.seldon.ai/mlserver/user-guide/metrics). A Prometheus counter's samples end
    # in _total; the REST histogram carries no model label (one model per server).
    Preset(
        "mlflow",
        _("MLflow serving (MLServer)"),
        '{__name__=~"model_infer_request_(success|failure)_total",model="{name}"}',
        'model_infer_request_failure_total{model="{name}"}',
        "rest_server_request_duration_seconds_bucket",
    ),
    # The Prometheus naming convention for HTTP servers: http_requests_total with a code label
    # and the http_request_duration_seconds histogram
    # (https://prometheus.io/docs/practices/naming/, https://prometheus.io/docs/practices/histograms/).
    Preset(
        "http",
        _("Generic http_requests_total"),
        'http_requests_total{service="{name}"}',
        'http_requests_total{service="{name}",code=~"5.."}',
        'http_request_duration_seconds_bucket{service="{name}"}',
    ),
)


def preset_get(key: str) -> Preset | None:
    return next((p for p in PRESETS if p.key == key), None)
