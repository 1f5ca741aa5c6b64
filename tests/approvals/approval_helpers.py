"""Set-up helpers for approval tests: assessed models in each tier, and obligations done.

State changes go through the services, as in production; only set-up shortcuts live here.
"""

from __future__ import annotations

from risk import services as assessment_services
from risk.demo import BASE
from risk.models import Obligation
from tests.factories import ModelServiceFactory, ModelVersionFactory

ANSWERS = {
    "minimal": {**BASE, "autonomy": "advisory"},
    "limited": {**BASE, "transparency_triggers": ["50_1_interaction"]},
    "high": {**BASE, "annex_iii_use": "5b_credit_scoring", "profiles_persons": True},
    "prohibited": {**BASE, "prohibited_practices": ["5_1_f"], "data_sensitivity": "special"},
}
CARD = {
    "description": "Scores retail credit applications.",
    "intended_use": "Support credit officers deciding retail loans.",
    "out_of_scope_use": "Not for employment or insurance decisions.",
    "training_data": "Loan book 2015-2024, 1.2 M applications.",
    "limitations": "Thin-file applicants are scored less accurately.",
}


def assessed_model(personas, tier: str, *, name: str | None = None, versions=("1",), card=True):
    """A model of ``personas.team`` assessed into ``tier``, with ``versions`` registered."""
    model = ModelServiceFactory(
        owner_team=personas.team, **({"name": name} if name else {}), **(CARD if card else {})
    )
    for v in versions:
        ModelVersionFactory(
            model_service=model,
            version=v,
            source_uri=f"s3://models/{model.name}/{v}",
            run_id=f"run{v}",
        )
    assessment_services.assessment_submit(
        actor=personas.admin, model_service=model, answers=ANSWERS[tier]
    )
    model.refresh_from_db()
    assert model.risk_tier == tier, (model.risk_tier, tier)
    return model


def meet_all_obligations(personas, model) -> None:
    for obligation in Obligation.objects.filter(model_service=model, is_current=True):
        assessment_services.obligation_update(
            actor=personas.compliance,
            obligation=obligation,
            status=Obligation.Status.NOT_APPLICABLE,
            justification="Test set-up.",
        )
