from django.apps import AppConfig


class DocumentsConfig(AppConfig):
    """Generated documents: model cards, Annex IV, portfolio reports."""

    name = "documents"
    verbose_name = "Documents"
