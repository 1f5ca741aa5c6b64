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

    def obligation_label(self) -> str:
        """The obligation the source names, e.g. "Art. 13 (instructions for use)"."""
        source = str(self.source)
        return source[source.find("Art.") :] if "Art." in source else source


ITEMS: tuple[Item, ...] = (
    Item(
        "s1",
        "1(a)",
        _("Intended purpose"),
        _("Catalog entry: intended use; purpose and business context"),
        fields=(
            ("intended_use", _("Intended use")),
            ("purpose", _("Purpose and business context")),
        ),
        fix=_("Fill in the intended use on the model page."),
    ),
    Item("s1", "1(a)", _("Provider"), _("Catalog entry: owner team"), check="provider"),
    Item(
        "s1",
        "1(a)",
        _("Version and relation to earlier versions"),
        _("Model registry: versions of this model"),
        check="versions",
    ),
    Item(
        "s1",
        "1(b), 1(c)",
        _("Software delivered, and its interaction with other systems"),
        _("Model registry: artefact URI, training run, version tags"),
        check="artefact",
        fix=_("Register the version from the model registry so its artefact and run are known."),
    ),
    Item(
        "s1",
        "1(g)",
        _("Intended users (deployers)"),
        _("Catalog entry: intended users"),
        fields=(("intended_users", _("Intended users")),),
        fix=_("Fill in the intended users on the model page."),
    ),
    Item(
        "s1",
        "1(h)",
        _("Instructions for use"),
        _("Evidence on obligation Art. 13 (instructions for use)"),
        obligation="art13_instructions",
    ),
    Item(
        "s2",
        "2(a), 2(b)",
        _("Development methods and design specification"),
        _("Catalog entry: description"),
        fields=(("description", _("Description")),),
        fix=_("Describe the method, algorithms and key design choices on the model page."),
    ),
    Item(
        "s2",
        "2(b)",
        _("Parameters and what the system optimises"),
        _("Catalog entry: parameters"),
        fields=(("parameters", _("Parameters")),),
        fix=_("Fill in the parameters on the model page."),
    ),
    Item(
        "s2",
        "2(d)",
        _("Training data (datasheet: provenance, scope, characteristics)"),
        _("Catalog entry: training data"),
        fields=(("training_data", _("Training data")),),
        fix=_("Describe the training data on the model page."),
    ),
    Item(
        "s2",
        "2(d)",
        _("Data governance: collection, labelling, cleaning"),
        _("Evidence on obligation Art. 10 (data governance)"),
        obligation="art10_data_governance",
    ),
    Item(
        "s2",
        "2(g)",
        _("Validation and testing procedures"),
        _("Catalog entry: reproduction guidelines"),
        fields=(("reproduction", _("Reproduction guidelines")),),
        fix=_("Describe how the version is validated and reproduced on the model page."),
    ),
    Item(
        "s2",
        "2(g)",
        _("Test metrics of this version"),
        _("Model registry: version metrics; CI: metrics sent with deployment requests"),
        check="metrics",
        fix=_(
            "Log evaluation metrics on the registry version, or send them with the deployment "
            "request from CI."
        ),
    ),
    Item(
        "s2",
        "2(h)",
        _("Cybersecurity, accuracy and robustness measures"),
        _("Evidence on obligation Art. 15 (accuracy, robustness, cybersecurity)"),
        obligation="art15_accuracy_robustness",
    ),
    Item(
        "s3",
        "3",
        _("Capabilities and limitations"),
        _("Catalog entry: limitations"),
        fields=(("limitations", _("Limitations")),),
        fix=_("Fill in the limitations on the model page."),
    ),
    Item(
        "s3",
        "3",
        _("Accuracy overall and for specific groups"),
        _("Catalog entry: results"),
        fields=(("results", _("Results")),),
        fix=_("Report overall and per-group results on the model page."),
    ),
    Item(
        "s3",
        "3",
        _("Foreseeable unintended outcomes and misuse"),
        _("Catalog entry: out-of-scope use; stakeholders"),
        fields=(("out_of_scope_use", _("Out-of-scope use")), ("stakeholders", _("Stakeholders"))),
        fix=_("Fill in the out-of-scope use on the model page."),
    ),
    Item(
        "s3",
        "2(e), 3",
        _("Human-oversight measures"),
        _("Evidence on obligation Art. 14 (human oversight)"),
        obligation="art14_human_oversight",
    ),
    Item(
        "s3",
        "3",
        _("Input-data specifications"),
        _("Catalog entry: input features"),
        fields=(("input_features", _("Input features")),),
        fix=_("List the input features on the model page."),
    ),
    Item(
        "s4",
        "4",
        _("Performance metrics and why they are appropriate"),
        _("Model registry: version metrics; Catalog entry: results"),
        check="metrics_rationale",
        fix=_("Log the metrics on the version and explain in the model's results why they fit."),
    ),
    Item(
        "s5",
        "5",
        _("Risk classification with reasons"),
        _("Risk assessment (EU AI Act questionnaire)"),
        check="assessment",
        fix=_("Submit the risk questionnaire."),
    ),
    Item(
        "s5",
        "5",
        _("Risk management system"),
        _("Evidence on obligation Art. 9 (risk management system)"),
        obligation="art9_risk_management",
    ),
    Item(
        "s6",
        "6",
        _("Assessment and version history"),
        _("Risk assessment revisions; model registry versions"),
        check="history",
        fix=_("Submit the risk questionnaire."),
    ),
    Item(
        "s7",
        "7",
        _("Harmonised standards or other solutions applied"),
        _("Evidence on obligation Art. 17 (quality management system)"),
        obligation="art17_qms",
    ),
    Item(
        "s8",
        "8",
        _("Copy of the EU declaration of conformity"),
        _("Evidence on obligation Art. 43, 47, 48 (conformity assessment, declaration)"),
        obligation="art43_conformity",
    ),
    Item(
        "s9",
        "9",
        _("Post-market monitoring plan"),
        _("Evidence on obligation Art. 72 (post-market monitoring)"),
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
        _("Automatic logging of events"),
        _("Evidence on obligation Art. 12 (record-keeping)"),
        obligation="art12_logging",
    ),
    Item(
        "s9",
        "9",
        _("Serious-incident reporting procedure"),
        _("Evidence on obligation Art. 73 (serious incidents)"),
        obligation="art73_incidents",
    ),
)
