"""Demo risk assessments: realistic answers for models in every tier. Pure data."""

BASE = {
    "role": "provider",
    "gpai": False,
    "affected_people": "customers",
    "autonomy": "human_in_loop",
    "data_sensitivity": "personal",
}

ANSWERS = {
    # high via Annex III 5(b): credit scoring of natural persons (profiling: no derogation)
    "credit-scoring-retail": {"annex_iii_use": "5b_credit_scoring", "profiles_persons": True},
    "sme-loan-default": {
        "annex_iii_use": "5b_credit_scoring",
        "profiles_persons": True,
        "affected_people": "customers",
    },
    "mortgage-pd-irb": {"annex_iii_use": "5b_credit_scoring", "profiles_persons": True},
    # high via Annex III 4(a): recruitment
    "cv-screening-ranker": {
        "annex_iii_use": "4a_recruitment",
        "profiles_persons": True,
        "transparency_triggers": ["50_1_interaction"],
    },
    # Annex III 4(b) but aggregated planning only: Art. 6(3)(d) derogation -> minimal
    "attrition-risk": {
        "annex_iii_use": "4b_work_decisions",
        "profiles_persons": False,
        "derogation_conditions": ["6_3_d"],
        "derogation_no_significant_risk": True,
        "affected_people": "internal",
        "autonomy": "advisory",
    },
    # prohibited: emotion recognition in the workplace, Art. 5(1)(f)
    "workplace-mood-monitor": {
        "prohibited_practices": ["5_1_f"],
        "data_sensitivity": "special",
        "affected_people": "customers",
        "autonomy": "automated",
    },
    # limited via Art. 50
    "support-chatbot": {
        "transparency_triggers": ["50_1_interaction", "50_2_synthetic_content"],
        "autonomy": "automated",
    },
    "call-summarizer": {
        "transparency_triggers": ["50_2_synthetic_content"],
        "affected_people": "internal",
    },
    # minimal (fraud detection is excepted from Annex III 5(b))
    "demand-forecasting": {
        "affected_people": "internal",
        "autonomy": "advisory",
        "data_sensitivity": "non_personal",
    },
    "card-fraud-detector": {"autonomy": "automated"},
    "churn-predictor": {"autonomy": "advisory"},
    "email-intent-classifier": {"affected_people": "internal", "autonomy": "automated"},
}

# Assessed in 2025, before Regulation (EU) 2026/1744 amended the Act: still under rule set v1,
# so the demo shows the "earlier rule set" flag and the change report (/risk/ruleset-change/).
EARLIER_RULESET = "2024-1689.v1"
ASSESSED_UNDER_EARLIER_RULESET = ("mortgage-pd-irb", "churn-predictor")

# Obligations a compliance officer has already certified, with evidence links.
MET = {
    "credit-scoring-retail": {
        "art9_risk_management": "https://wiki.example.com/credit/risk-management-plan",
        "art10_data_governance": "https://wiki.example.com/credit/datasheet",
        "art14_human_oversight": "https://wiki.example.com/credit/oversight-procedure",
        "art4_ai_literacy": "https://lms.example.com/courses/ai-literacy",
    },
    "support-chatbot": {"50_1_interaction": "https://support.example.com/chat-disclosure"},
}
