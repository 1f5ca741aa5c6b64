from django.apps import AppConfig


class RiskConfig(AppConfig):
    """EU AI Act risk: rule sets, questionnaire, assessments, obligations and evidence."""

    name = "risk"
    verbose_name = "Risk"
