"""The catalog pages in German (issue 21): the catalog, a model, its metadata form, team moves,
the registry administration and the webhook inbox, each rendered as its persona would see it
with ``Accept-Language: de``. A page fails on any English interface word it shows."""

from __future__ import annotations

import pytest
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from catalog import services
from catalog.models import ModelService, RegistrySource, WebhookDelivery
from tests.approvals.approval_helpers import assessed_model
from tests.i18n.german_areas import assert_german, german_catalogue, german_client  # noqa: F401

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("german_catalogue")]

# What the tests make, not what the interface says.
DATA = ("Credit Risk", "Fraud", "kreditscoring", "other-owner", "owner", "admin")


@pytest.fixture
def model(personas):
    model = assessed_model(personas, "high", name="kreditscoring", versions=("1", "2"), card=False)
    ModelService.objects.filter(pk=model.pk).update(
        description="Bewertet Kreditanträge.", purpose="Unterstützt die Kreditentscheidung."
    )
    model.refresh_from_db()
    return model


@pytest.fixture
def de(client_for):
    return lambda user: german_client(client_for(user))


def test_catalog_list_in_german(personas, model, de):
    text = assert_german(
        de(personas.owner).get(reverse("catalog:model-list")),
        "Modellkatalog",
        "1 Modell für Sie sichtbar.",
        "Risikostufe",
        "Hoch",
        "In Entwicklung",
        data=DATA,
    )
    assert "Sortieren nach" in text and "Teamwechsel" in text


def test_filtered_catalog_in_german(personas, model, de):
    assert_german(
        de(personas.owner).get(reverse("catalog:model-list"), {"q": "nichts-davon"}),
        "Keine Modelle gefunden",
        "Nichts entspricht diesen Filtern. Filter zurücksetzen , um den ganzen Katalog zu sehen.",
        data=DATA,
    )


def test_model_page_in_german(personas, model, de):
    assert_german(
        de(personas.owner).get(reverse("catalog:model-detail", args=[model.pk])),
        "Zweck und Verwendung",
        "Daten und Methode",
        "Versionen",
        "Modellkarte",
        "Risiko nach der KI-Verordnung",
        "Technische Dokumentation erstellen (Anhang IV)",
        "Zuständiges Team",
        "Risikobewertung eingereicht",  # the audit action label in the timeline
        "Nutzung und Kosten",
        "Noch nirgends bereitgestellt.",
        # the deployments card belongs to the approvals pages
        skip_classes=("deployments-card",),
        data=DATA,
    )


def test_metadata_form_in_german(personas, model, de):
    assert_german(
        de(personas.owner).get(reverse("catalog:model-edit", args=[model.pk])),
        "Angaben bearbeiten",
        "Zweck und geschäftlicher Zusammenhang",
        "Durch Kommas getrennt, z. B. kredit, kundennah.",
        "Änderungen speichern",
        "Abbrechen",
        data=DATA,
    )


def test_saved_message_names_the_fields_in_german(personas, model, de):
    client = de(personas.owner)
    url = reverse("catalog:model-edit", args=[model.pk])
    form = client.get(url).context["form"]
    data = {name: form[name].value() or "" for name in form.fields}
    data["tags"] = ""
    data["limitations"] = "Dünne Datenlage bei jungen Kunden."
    response = client.post(url, data, follow=True)
    assert_german(
        response,
        "Gespeichert. Geändert: Einschränkungen.",
        "Modellangaben geändert",  # the timeline names the field in German too
        "Einschränkungen : → Dünne Datenlage",
        skip_classes=("deployments-card",),
        data=DATA,
    )


def test_team_moves_in_german(personas, model, de):
    owner = de(personas.owner)
    assert_german(
        owner.get(reverse("catalog:team-move-create", args=[model.pk])),
        "Zu einem anderen Team verschieben",
        "Warum soll dieses Team das Modell übernehmen?",
        "Das Team um Annahme bitten",
        data=DATA,
    )
    with transaction.atomic():
        move = services.team_move_request(
            actor=personas.owner,
            model_service=model,
            to_team=personas.other_team,
            reason="Betrugsteam betreibt es.",
        )
    assert_german(
        de(personas.other_owner).get(reverse("catalog:team-move-list")),
        "Ihrem Team angebotene Modelle",
        "Wartet auf Ihre Antwort",
        "Ihr Team verschiebt kein Modell.",
        data=DATA,
    )
    assert_german(
        de(personas.other_owner).get(reverse("catalog:team-move-detail", args=[move.pk])),
        "Der Antrag",
        "Antwort Ihres Teams",
        "Modell annehmen",
        "Ausstehend",
        data=(*DATA, "Betrugsteam betreibt es."),
    )


@pytest.fixture
def sources():
    made = {}
    for kind, kwargs in {
        "mlflow": {"base_url": "http://mlflow.internal:5000"},
        "sagemaker": {"options": {"region": "eu-central-1"}},
        "push": {},
        "kubeflow": {"base_url": "http://model-registry.kubeflow:8080"},
        "vertex": {"options": {"project": "p-123", "location": "europe-west4"}},
    }.items():
        made[kind] = services.registry_source_create(
            actor=None,
            kind=kind,
            slug=f"quelle-{kind}",
            base_url=kwargs.get("base_url", ""),
            secret={"mlflow": "mlflow-webhook-secret-1234"}.get(kind) or services_secret(kind),
            options=kwargs.get("options"),
        )
    WebhookDelivery.objects.create(
        source=made["mlflow"],
        delivery_id="d-1",
        signed_at=timezone.now(),
        entity="model_version",
        action="created",
        body='{"data": {"name": "kreditscoring", "version": "3"}}',
        payload={"data": {"name": "kreditscoring", "version": "3"}},
        status=WebhookDelivery.Status.FAILED,
        attempts=2,
        duplicates=1,
        last_error="Verbindung abgelehnt",
    )
    return made


def services_secret(kind: str) -> str:
    from catalog.registries import adapter_for

    return adapter_for(kind).new_secret()


def test_registry_pages_in_german(personas, sources, de):
    admin = de(personas.admin)
    data = (*DATA, *(f"quelle-{kind}" for kind in sources), "Verbindung abgelehnt")
    assert_german(
        admin.get(reverse("registries:list")),
        "Model Registries",
        "Webhook-Eingang",
        "Registry hinzufügen",
        "Zuletzt abgeglichen",
        "nie",
        data=data,
    )
    assert_german(
        admin.get(reverse("registries:create")),
        "Teil der Webhook-URL: /webhooks/<slug>/",
        "Das Secret wird verschlüsselt gespeichert und nie wieder angezeigt.",
        data=data,
    )
    expected = {
        "mlflow": "MLflow verbinden",
        "sagemaker": "SageMaker verbinden",
        "push": "Aus einer Pipeline senden",
        "kubeflow": "Abgefragt aus der Kubeflow Model Registry",
        "vertex": "Abgefragt aus der Vertex AI Model Registry",
    }
    for kind, heading in expected.items():
        assert_german(
            admin.get(reverse("registries:detail", args=[f"quelle-{kind}"])),
            heading,
            "Letzte Zustellungen",
            "Verbindung testen",
            data=data,
        )
        assert_german(
            admin.get(reverse("registries:edit", args=[f"quelle-{kind}"])),
            "Speichern",
            data=data,
        )
    assert_german(
        admin.get(reverse("registries:inbox")),
        "Jede geprüfte Zustellung, gespeichert vor der Verarbeitung. 1 angezeigt.",
        "Fehlgeschlagen",
        "+1 Duplikat",
        "Erneut versuchen",
        data=data,
    )


def test_registry_messages_in_german(personas, sources, de):
    admin = de(personas.admin)
    response = admin.post(reverse("registries:toggle", args=["quelle-push"]), follow=True)
    assert_german(
        response,
        "Registry quelle-push deaktiviert: Ihre Zustellungen werden abgewiesen, "
        "ihr Verlauf bleibt erhalten.",
        data=(*DATA, "quelle-push"),
    )
    assert not RegistrySource.objects.get(slug="quelle-push").is_active
