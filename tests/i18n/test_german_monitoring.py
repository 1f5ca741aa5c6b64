"""The monitoring pages in German (issue 21): a model's monitoring page with its charts,
thresholds, deployments, incidents and recertification, the alert list and an alert, the
incident register, an incident and the forms, each as its persona sees it with
``Accept-Language: de``.

An alert's title and detail are written once, in the site's language, when the alert opens
(monitoring/services/metrics.py): they are stored content, taken out like the test's names."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from monitoring import services
from monitoring.models import Alert
from tests.i18n.german_areas import (  # noqa: F401
    assert_german,
    german_catalogue,
    german_client,
    localized_svg_numbers,
)
from tests.monitoring.conftest import ci, deployed, post, series  # noqa: F401

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("german_catalogue")]

DATA = ("Credit Risk", "Fraud", "credit-scoring", "owner", "compliance", "auc", "production")


@pytest.fixture
def de(client_for):
    return lambda user: german_client(client_for(user))


@pytest.fixture
def watched(personas, deployed, ci):  # noqa: F811
    """Thresholds on auc, a breach (an open alert), a serious incident and a review due."""
    services.threshold_create(
        actor=personas.owner,
        model_service=deployed.model,
        metric="auc",
        min_value=0.75,
        max_value=0.95,
        max_relative_drop=0.05,
    )
    assert post(ci, {"items": series([0.81, 0.8, 0.7])}).status_code == 201
    incident = services.incident_register(
        actor=personas.owner,
        model_service=deployed.model,
        title="Kredite für eine ganze Postleitzahl abgelehnt",
        description="Ein Ausfall setzte das Einkommen einer Region auf 0.",
        severity="high",
        serious=True,
        serious_category="general",
        aware_at=timezone.now() - timedelta(days=2),
    )
    services.reviews_schedule()
    alert = Alert.objects.get(model_service=deployed.model, kind=Alert.Kind.BELOW_MINIMUM)
    return {"model": deployed.model, "alert": alert, "incident": incident}


def _stored(watched) -> tuple[str, ...]:
    alerts = Alert.objects.filter(model_service=watched["model"])
    approval = watched["alert"].approval
    return (
        *DATA,
        *(a.title for a in alerts),
        *(a.detail for a in alerts),
        str(approval.get_state_display()).lower() if approval else "",
        watched["incident"].title,
        watched["incident"].description,
    )


def test_monitoring_page_in_german(personas, watched, de):
    text = assert_german(
        de(personas.owner).get(reverse("monitoring:model-monitoring", args=[watched["model"].pk])),
        "Monitoring: credit-scoring",
        "Offene Alarme",
        "Überwachte Metriken",
        "Nächste Rezertifizierung",
        "Verlauf der Metriken",
        "Schwellenwert für jede Umgebung:",
        "min. 0,75",  # the German decimal comma
        "höchstens 5 % unter der Freigabe",
        "Läuft derzeit",
        "von höchstens 730 Tagen",
        "Vorfallregister",
        "Prüfung des Eingabeschemas",
        "Schwellenwert hinzufügen",
        data=_stored(watched),
    )
    assert "3 Werte" in text and "1 Jahr" in text and "30 Tage" in text


def test_charts_keep_their_geometry_in_german(personas, watched, de):
    html = (
        de(personas.owner)
        .get(reverse("monitoring:model-monitoring", args=[watched["model"].pk]))
        .content.decode()
    )
    assert '<svg class="chart__svg"' in html
    assert localized_svg_numbers(html) == []
    assert "min. 0,75" in html  # while the labels a person reads use the comma


def test_alerts_in_german(personas, watched, de):
    owner = de(personas.owner)
    assert_german(
        owner.get(reverse("monitoring:alert-list")),
        "Alarme",
        "Produktions-Monitoring über die für Sie sichtbaren Modelle: 2 offen oder bestätigt.",
        "Unter dem Minimum",
        "Offen",
        data=_stored(watched),
    )
    assert_german(
        owner.get(reverse("monitoring:alert-detail", args=[watched["alert"].pk])),
        "Was geschehen ist",
        "Beobachtet",
        "(Grenze 0,75)",
        "Bestätigen",
        "Beheben",
        "Geben Sie an, was festgestellt und getan wurde.",
        data=_stored(watched),
    )


def test_acknowledging_without_a_comment_says_so_in_german(personas, watched, de):
    response = de(personas.owner).post(
        reverse("monitoring:alert-acknowledge", args=[watched["alert"].pk]), {"ack-comment": ""}
    )
    assert_german(
        response,
        "Dieses Feld ist zwingend erforderlich.",  # Django's own message, in German
        "Bestätigen",
        status=400,
        data=_stored(watched),
    )


def test_incidents_in_german(personas, watched, de):
    owner = de(personas.owner)
    model, incident = watched["model"], watched["incident"]
    assert_german(
        owner.get(reverse("monitoring:incident-list", args=[model.pk])),
        "Vorfallregister: credit-scoring",
        "Marktüberwachungsbehörde",
        "Schweregrad",
        "Hoch",
        data=_stored(watched),
    )
    assert_german(
        owner.get(reverse("monitoring:incident-detail", args=[incident.pk])),
        "Schwerwiegender Vorfall — Meldung binnen 15 Tagen (Art. 73 Abs. 2)",
        "Meldung fällig am",
        "noch 12 Tage",
        data=_stored(watched),
    )
    assert_german(
        owner.get(reverse("monitoring:incident-create", args=[model.pk])),
        "Vorfall erfassen",
        "Schwerwiegender Vorfall (Art. 3 Nr. 49): der Marktüberwachungsbehörde melden",
        "Weitverbreiteter Verstoß oder Störung kritischer Infrastruktur — 2 Tage (Art. 73 Abs. 3)",
        "— nicht versionsspezifisch —",
        data=_stored(watched),
    )


def test_threshold_forms_in_german(personas, watched, de):
    owner = de(personas.owner)
    model = watched["model"]
    assert_german(
        owner.get(reverse("monitoring:threshold-create", args=[model.pk])),
        "Schwellenwert hinzufügen",
        "So funktionieren Schwellenwerte",
        "Größter Rückgang seit der Freigabe (%)",
        "Jede Umgebung",
        data=_stored(watched),
    )
    threshold = watched["alert"].threshold
    assert_german(
        owner.get(reverse("monitoring:threshold-edit", args=[threshold.pk])),
        "Schwellenwert: auc",
        "Nicht mehr überwachen",
        "Schwellenwert speichern",
        data=_stored(watched),
    )


def test_monitoring_card_on_the_model_page_in_german(personas, watched, de):
    assert_german(
        de(personas.owner).get(reverse("catalog:model-detail", args=[watched["model"].pk])),
        "1 schwerwiegender Vorfall wartet auf die Meldung nach Art. 73.",
        "Monitoring öffnen",
        # the deployments card and the approvals' entries of the timeline are the approvals'
        skip_classes=("deployments-card", "timeline"),
        data=(
            *_stored(watched),
            "Decides nothing on its own.",
            "Scores retail credit applications.",
            "Support credit officers deciding retail loans.",
            "Not for employment or insurance decisions.",
            "Loan book 2015-2024, 1.2 M applications.",
            "Thin-file applicants are scored less accurately.",
            "Validated on the 2025 book.",
        ),
    )
