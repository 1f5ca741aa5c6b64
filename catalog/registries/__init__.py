"""Registry adapters, one module per kind (see ``catalog.registries.base``)."""

from __future__ import annotations

from importlib import import_module

from catalog.registries.base import Adapter

# kind -> module holding its ``ADAPTER``; imported on first use (boto3 is heavy).
MODULES = {
    "mlflow": "catalog.registries.mlflow_client",
    "sagemaker": "catalog.registries.sagemaker",
    "push": "catalog.registries.push",
    "kubeflow": "catalog.registries.kubeflow",
    "vertex": "catalog.registries.vertex",
    "azureml": "catalog.registries.azureml",
}


def adapter_for(kind: str) -> Adapter:
    try:
        module = MODULES[kind]
    except KeyError:
        raise ValueError(f"No registry adapter for kind {kind!r}.") from None
    return import_module(module).ADAPTER
