"""The required Annex IV items as data: each names its section, its reference in Annex IV and
where Attest keeps it (catalog fields, an obligation's evidence, or a named special check).
Pure: no ORM. ``annex_iv.py`` composes the document from this table."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class Item:
    """One required Annex IV item and where Attest keeps it."""

    section: str
    ref: str
    title: str
    source: str
    fields: tuple[tuple[str, str], ...] = ()  # catalog fields (attribute, label)
    obligation: str = ""  # obligation code whose evidence documents the item
    check: str = ""  # a named special case, see _special
    fix: str = ""


CATALOG = "Catalog entry"
ITEMS: tuple[Item, ...] = (
    Item(
        "s1",
        "1(a)",
        "Intended purpose",
        f"{CATALOG}: intended use; purpose and business context",
        fields=(("intended_use", "Intended use"), ("purpose", "Purpose and business context")),
        fix="Fill in the intended use on the model page.",
    ),
    Item("s1", "1(a)", "Provider", f"{CATALOG}: owner team", check="provider"),
    Item(
        "s1",
        "1(a)",
        "Version and relation to earlier versions",
        "Model registry: versions of this model",
        check="versions",
    ),
    Item(
        "s1",
        "1(b), 1(c)",
        "Software delivered, and its interaction with other systems",
        "Model registry: artefact URI, training run, version tags",
        check="artefact",
        fix="Register the version from the model registry so its artefact and run are known.",
    ),
    Item(
        "s1",
        "1(g)",
        "Intended users (deployers)",
        f"{CATALOG}: intended users",
        fields=(("intended_users", "Intended users"),),
        fix="Fill in the intended users on the model page.",
    ),
    Item(
        "s1",
        "1(h)",
        "Instructions for use",
        "Evidence on obligation Art. 13 (instructions for use)",
        obligation="art13_instructions",
    ),
    Item(
        "s2",
        "2(a), 2(b)",
        "Development methods and design specification",
        f"{CATALOG}: description",
        fields=(("description", "Description"),),
        fix="Describe the method, algorithms and key design choices on the model page.",
    ),
    Item(
        "s2",
        "2(b)",
        "Parameters and what the system optimises",
        f"{CATALOG}: parameters",
        fields=(("parameters", "Parameters"),),
        fix="Fill in the parameters on the model page.",
    ),
    Item(
        "s2",
        "2(d)",
        "Training data (datasheet: provenance, scope, characteristics)",
        f"{CATALOG}: training data",
        fields=(("training_data", "Training data"),),
        fix="Describe the training data on the model page.",
    ),
    Item(
        "s2",
        "2(d)",
        "Data governance: collection, labelling, cleaning",
        "Evidence on obligation Art. 10 (data governance)",
        obligation="art10_data_governance",
    ),
    Item(
        "s2",
        "2(g)",
        "Validation and testing procedures",
        f"{CATALOG}: reproduction guidelines",
        fields=(("reproduction", "Reproduction guidelines"),),
        fix="Describe how the version is validated and reproduced on the model page.",
    ),
    Item(
        "s2",
        "2(g)",
        "Test metrics of this version",
        "Model registry: version metrics; CI: metrics sent with deployment requests",
        check="metrics",
        fix="Log evaluation metrics on the registry version, or send them with the deployment "
        "request from CI.",
    ),
    Item(
        "s2",
        "2(h)",
        "Cybersecurity, accuracy and robustness measures",
        "Evidence on obligation Art. 15 (accuracy, robustness, cybersecurity)",
        obligation="art15_accuracy_robustness",
    ),
    Item(
        "s3",
        "3",
        "Capabilities and limitations",
        f"{CATALOG}: limitations",
        fields=(("limitations", "Limitations"),),
        fix="Fill in the limitations on the model page.",
    ),
    Item(
        "s3",
        "3",
        "Accuracy overall and for specific groups",
        f"{CATALOG}: results",
        fields=(("results", "Results"),),
        fix="Report overall and per-group results on the model page.",
    ),
    Item(
        "s3",
        "3",
        "Foreseeable unintended outcomes and misuse",
        f"{CATALOG}: out-of-scope use; stakeholders",
        fields=(("out_of_scope_use", "Out-of-scope use"), ("stakeholders", "Stakeholders")),
        fix="Fill in the out-of-scope use on the model page.",
    ),
    Item(
        "s3",
        "2(e), 3",
        "Human-oversight measures",
        "Evidence on obligation Art. 14 (human oversight)",
        obligation="art14_human_oversight",
    ),
    Item(
        "s3",
        "3",
        "Input-data specifications",
        f"{CATALOG}: input features",
        fields=(("input_features", "Input features"),),
        fix="List the input features on the model page.",
    ),
    Item(
        "s4",
        "4",
        "Performance metrics and why they are appropriate",
        f"Model registry: version metrics; {CATALOG}: results",
        check="metrics_rationale",
        fix="Log the metrics on the version and explain in the model's results why they fit.",
    ),
    Item(
        "s5",
        "5",
        "Risk classification with reasons",
        "Risk assessment (EU AI Act questionnaire)",
        check="assessment",
        fix="Submit the risk questionnaire.",
    ),
    Item(
        "s5",
        "5",
        "Risk management system",
        "Evidence on obligation Art. 9 (risk management system)",
        obligation="art9_risk_management",
    ),
    Item(
        "s6",
        "6",
        "Assessment and version history",
        "Risk assessment revisions; model registry versions",
        check="history",
        fix="Submit the risk questionnaire.",
    ),
    Item(
        "s7",
        "7",
        "Harmonised standards or other solutions applied",
        "Evidence on obligation Art. 17 (quality management system)",
        obligation="art17_qms",
    ),
    Item(
        "s8",
        "8",
        "Copy of the EU declaration of conformity",
        "Evidence on obligation Art. 43, 47, 48 (conformity assessment, declaration)",
        obligation="art43_conformity",
    ),
    Item(
        "s9",
        "9",
        "Post-market monitoring plan",
        "Evidence on obligation Art. 72 (post-market monitoring)",
        obligation="art72_post_market",
    ),
    Item(
        "s9",
        "9",
        # Art. 72(2): the plan analyses performance data from production; in Attest that is
        # the thresholds each metric batch is checked against. None: nothing is evaluated.
        _("Performance thresholds evaluated in production"),
        _("Monitoring: thresholds of this model"),
        check="thresholds",
        fix=_(
            "Set at least one threshold on the model's monitoring page, so that the metrics "
            "reported from production are checked against it."
        ),
    ),
    Item(
        "s9",
        "9",
        "Automatic logging of events",
        "Evidence on obligation Art. 12 (record-keeping)",
        obligation="art12_logging",
    ),
    Item(
        "s9",
        "9",
        "Serious-incident reporting procedure",
        "Evidence on obligation Art. 73 (serious incidents)",
        obligation="art73_incidents",
    ),
)
