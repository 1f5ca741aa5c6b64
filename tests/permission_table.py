"""The persona × endpoint matrix of writes, checked by tests/test_permission_matrix.py.

One row per state-changing endpoint (and variant, and model it is aimed at), one column per
persona. The grid is wider than the line limit on purpose: it reads best unwrapped.
"""

# ruff: noqa: E501

# Each cell sends one write as one persona, inside a savepoint rolled back afterwards: every
# write meets the world as built (a fresh draft to submit, an open alert to resolve...), and no
# write leans on another. Cells:
#   ok   allowed: 2xx/3xx, and the write took effect (its audit event was written)
#   403  forbidden: the object is visible, the action is not the persona's
#   404  hidden: the object is outside the persona's scope
#   in   302 to the sign-in page (pages)
#   401  no credentials (API)
#   any other number: exactly that status
# Every cell but "ok" also asserts that nothing changed: no row of any table added, changed or
# removed (tests/permission_snapshot.py: so no side effect queued in the outbox either), and no
# audit event written, except the refusals the product records by design (AUDITED_REFUSALS).
#
# Personas are those of tests/conftest.py. The owned model is shared read-only with the viewer;
# other_reviewer holds the reviewer role but is in no team's pool. ci_token is the CI bot's
# catalog:read token, ci_bot the same service account with a token holding every scope (pages
# ignore bearer tokens: both are signed out there).
COLUMNS = (
    "anonymous", "owner", "teammate", "other_owner", "reviewer", "other_reviewer", "compliance",
    "auditor", "viewer", "outsider", "admin", "ci_token", "ci_bot",
)  # fmt: skip

WRITE_MATRIX = [
    # URL name                                  method  variant        on          anon own  mate oown rev  rev2 comp aud  view out  adm  citk cibt
    # accounts
    # 302 for the signed in: already signed in, off to the dashboard
    ("accounts:login",                          "POST", "password",    None,      "ok   302  302  302  302  302  302  302  302  302  302  ok   ok"),
    ("accounts:logout",                         "POST", "",            None,      "in   ok   ok   ok   ok   ok   ok   ok   ok   ok   ok   in   in"),
    ("account_logout",                          "POST", "",            None,      "in   ok   ok   ok   ok   ok   ok   ok   ok   ok   ok   in   in"),
    # the language switch: for the signed out only the cookie (302 back, nothing stored)
    ("accounts:language",                       "POST", "",            None,      "302  ok   ok   ok   ok   ok   ok   ok   ok   ok   ok   302  302"),
    ("accounts:token-create",                   "POST", "",            None,      "in   ok   ok   ok   ok   ok   ok   ok   ok   ok   ok   in   in"),
    ("accounts:token-revoke",                   "POST", "own",         None,      "in   ok   ok   ok   ok   ok   ok   ok   ok   ok   ok   in   in"),
    ("accounts:token-revoke",                   "POST", "ci bot's",    None,      "in   404  404  404  404  404  404  404  404  404  ok   in   in"),
    # catalog
    ("catalog:model-edit",                      "POST", "",            "owned",   "in   ok   ok   404  403  404  403  403  403  404  ok   in   in"),
    ("catalog:model-edit",                      "POST", "",            "foreign", "in   404  404  ok   404  404  403  403  404  404  ok   in   in"),
    # moving a model: the owning team asks (409: the world's move of the owned model is pending)
    ("catalog:team-move-create",                "POST", "",            "foreign", "in   404  404  ok   404  404  403  403  404  404  ok   in   in"),
    ("catalog:team-move-create",                "POST", "pending",     "owned",   "in   409  409  404  403  404  403  403  403  404  409  in   in"),
    # the world's move: owned model → other_owner's team, asked by the owner. The receiving
    # team's model owners (and admins), never who asked, answer; the asking side may cancel
    ("catalog:team-move-accept",                "POST", "",            "owned",   "in   403  403  ok   403  404  403  403  403  404  ok   in   in"),
    ("catalog:team-move-accept",                "POST", "offered",     "foreign", "in   ok   ok   403  404  404  403  403  404  404  ok   in   in"),
    ("catalog:team-move-decline",               "POST", "",            "owned",   "in   403  403  ok   403  404  403  403  403  404  ok   in   in"),
    ("catalog:team-move-cancel",                "POST", "",            "owned",   "in   ok   ok   403  403  404  403  403  403  404  ok   in   in"),
    # risk
    ("risk:assessment-edit",                    "POST", "draft",       "owned",   "in   ok   ok   404  403  404  ok   403  403  404  ok   in   in"),
    ("risk:assessment-edit",                    "POST", "draft",       "foreign", "in   404  404  ok   404  404  ok   403  404  404  ok   in   in"),
    ("risk:assessment-edit",                    "POST", "submit",      "owned",   "in   ok   ok   404  403  404  ok   403  403  404  ok   in   in"),
    ("risk:assessment-edit",                    "POST", "submit",      "foreign", "in   404  404  ok   404  404  ok   403  404  404  ok   in   in"),
    # a model owner's submission is a proposal; a compliance officer (not its author) confirms
    ("risk:assessment-confirm",                 "POST", "proposal",    "owned",   "in   403  403  404  403  404  ok   403  403  404  ok   in   in"),
    ("risk:assessment-confirm",                 "POST", "proposal",    "foreign", "in   404  404  403  404  404  ok   403  404  404  ok   in   in"),
    ("risk:assessment-return",                  "POST", "proposal",    "owned",   "in   403  403  404  403  404  ok   403  403  404  ok   in   in"),
    ("risk:assessment-return",                  "POST", "proposal",    "foreign", "in   404  404  403  404  404  ok   403  404  404  ok   in   in"),
    # an auditor's "Verify now" (audit readers only: auditors, compliance officers, admins)
    ("audit:verify-now",                        "POST", "",            None,      "in   403  403  403  403  403  ok   ok   403  403  ok   in   in"),
    # moving to the current rule set in bulk: compliance officers and admins only
    ("risk:ruleset-change",                     "POST", "earlier",     "owned",   "in   403  403  403  403  403  ok   403  403  403  ok   in   in"),
    ("risk:obligation-update",                  "POST", "plan",        "owned",   "in   ok   ok   404  403  404  ok   403  403  404  ok   in   in"),
    ("risk:obligation-update",                  "POST", "certify",     "owned",   "in   403  403  404  403  404  ok   403  403  404  ok   in   in"),
    ("risk:obligation-plan",                    "POST", "",            "owned",   "in   ok   ok   404  403  404  ok   403  403  404  ok   in   in"),
    ("risk:evidence-add",                       "POST", "file",        "owned",   "in   ok   ok   404  403  404  ok   403  403  404  ok   in   in"),
    # approvals
    ("approvals:request-create",                "POST", "",            "owned",   "in   ok   ok   404  403  404  403  403  403  404  ok   in   in"),
    ("approvals:request-create",                "POST", "",            "foreign", "in   404  404  ok   404  404  403  403  404  404  ok   in   in"),
    ("approvals:request-submit",                "POST", "draft",       "owned",   "in   ok   ok   404  403  404  403  403  403  404  ok   in   in"),
    ("approvals:request-withdraw",              "POST", "submitted",   "owned",   "in   ok   ok   404  403  404  403  403  403  404  ok   in   in"),
    ("approvals:request-decide",                "POST", "reject",      "owned",   "in   403  403  404  ok   404  ok   403  403  404  ok   in   in"),
    ("approvals:request-revoke",                "POST", "approved",    "owned",   "in   403  403  404  ok   404  ok   403  403  404  ok   in   in"),
    # documents
    ("documents:document-request",              "POST", "model card",  "owned",   "in   ok   ok   404  ok   404  ok   ok   ok   404  ok   in   in"),
    ("documents:document-request",              "POST", "model card",  "foreign", "in   404  404  ok   404  404  ok   ok   404  404  ok   in   in"),
    # an evidence pack: whoever may ask for the version's model card
    ("documents:document-request",              "POST", "evidence pack", "owned", "in   ok   ok   404  ok   404  ok   ok   ok   404  ok   in   in"),
    ("documents:request-evidence-pack",         "POST", "",            "owned",   "in   ok   ok   404  ok   404  ok   ok   ok   404  ok   in   in"),
    ("documents:report-create",                 "POST", "",            None,      "in   ok   ok   ok   ok   ok   ok   ok   ok   ok   ok   in   in"),
    # monitoring
    ("monitoring:threshold-create",             "POST", "",            "owned",   "in   ok   ok   404  403  404  403  403  403  404  ok   in   in"),
    ("monitoring:threshold-create",             "POST", "",            "foreign", "in   404  404  ok   404  404  403  403  404  404  ok   in   in"),
    ("monitoring:threshold-edit",               "POST", "",            "owned",   "in   ok   ok   404  403  404  403  403  403  404  ok   in   in"),
    ("monitoring:threshold-delete",             "POST", "",            "owned",   "in   ok   ok   404  403  404  403  403  403  404  ok   in   in"),
    ("monitoring:alert-acknowledge",            "POST", "",            "owned",   "in   ok   ok   404  ok   404  ok   403  403  404  ok   in   in"),
    ("monitoring:alert-resolve",                "POST", "",            "owned",   "in   ok   ok   404  ok   404  ok   403  403  404  ok   in   in"),
    ("monitoring:incident-create",              "POST", "",            "owned",   "in   ok   ok   404  403  404  ok   403  403  404  ok   in   in"),
    ("monitoring:incident-create",              "POST", "",            "foreign", "in   404  404  ok   404  404  ok   403  404  404  ok   in   in"),
    ("monitoring:incident-edit",                "POST", "",            "owned",   "in   ok   ok   404  403  404  ok   403  403  404  ok   in   in"),
    ("monitoring:review-complete",              "POST", "",            "owned",   "in   403  403  404  ok   404  ok   403  403  404  ok   in   in"),
    # registry sources and the webhook inbox (administrators only)
    ("registries:create",                       "POST", "",            None,      "in   403  403  403  403  403  403  403  403  403  ok   in   in"),
    ("registries:secret-add",                   "POST", "",            None,      "in   403  403  403  403  403  403  403  403  403  ok   in   in"),
    ("registries:secret-retire",                "POST", "",            None,      "in   403  403  403  403  403  403  403  403  403  ok   in   in"),
    # 302 for the admin: the registry is unreachable here; the page says so, nothing changes
    ("registries:webhook-register",             "POST", "unreachable", None,      "in   403  403  403  403  403  403  403  403  403  302  in   in"),
    ("registries:reconcile",                    "POST", "unreachable", None,      "in   403  403  403  403  403  403  403  403  403  302  in   in"),
    ("registries:test",                         "POST", "unreachable", None,      "in   403  403  403  403  403  403  403  403  403  302  in   in"),
    ("registries:edit",                         "POST", "",            None,      "in   403  403  403  403  403  403  403  403  403  ok   in   in"),
    ("registries:toggle",                       "POST", "",            None,      "in   403  403  403  403  403  403  403  403  403  ok   in   in"),
    ("registries:delete",                       "POST", "",            None,      "in   403  403  403  403  403  403  403  403  403  ok   in   in"),
    ("registries:delivery-retry",               "POST", "",            None,      "in   403  403  403  403  403  403  403  403  403  ok   in   in"),
    # outgoing webhook endpoints (administrators only)
    ("notifications:webhook-create",            "POST", "",            None,      "in   403  403  403  403  403  403  403  403  403  ok   in   in"),
    ("notifications:webhook-edit",              "POST", "",            None,      "in   403  403  403  403  403  403  403  403  403  ok   in   in"),
    ("notifications:webhook-toggle",            "POST", "",            None,      "in   403  403  403  403  403  403  403  403  403  ok   in   in"),
    ("notifications:webhook-rotate",            "POST", "",            None,      "in   403  403  403  403  403  403  403  403  403  ok   in   in"),
    ("notifications:webhook-delete",            "POST", "",            None,      "in   403  403  403  403  403  403  403  403  403  ok   in   in"),
    ("notifications:webhook-redeliver",         "POST", "",            None,      "in   403  403  403  403  403  403  403  403  403  ok   in   in"),
    # a person's own notifications: everyone signed in
    ("notifications:subscription-edit",         "POST", "",            None,      "in   ok   ok   ok   ok   ok   ok   ok   ok   ok   ok   in   in"),
    ("notifications:channel-list",              "POST", "",            None,      "in   403  403  403  403  403  403  403  403  403  ok   in   in"),
    ("notifications:channel-toggle",            "POST", "",            None,      "in   403  403  403  403  403  403  403  403  403  ok   in   in"),
    ("notifications:channel-delete",            "POST", "",            None,      "in   403  403  403  403  403  403  403  403  403  ok   in   in"),
    ("notifications:message-resend",            "POST", "",            None,      "in   403  403  403  403  403  403  403  403  403  ok   in   in"),
    # signed by HMAC, not by a persona: an unsigned delivery is refused and nothing is stored
    ("registry-webhook",                        "POST", "unsigned",    None,      "401  401  401  401  401  401  401  401  401  401  401  401  401"),
    # API
    ("risk-api:risk-assessment",                "PUT",  "answers",     "owned",   "401  ok   ok   404  403  404  ok   403  403  404  ok   403  403"),
    ("risk-api:risk-assessment",                "PUT",  "answers",     "foreign", "401  404  404  ok   404  404  ok   403  404  404  ok   403  404"),
    ("risk-api:evidence-create",                "POST", "link",        "owned",   "401  ok   ok   404  403  404  ok   403  403  404  ok   403  ok"),
    ("approvals-api:deployment-request-create", "POST", "",            "owned",   "401  ok   ok   404  403  404  403  403  403  404  ok   403  ok"),
    ("approvals-api:deployment-request-create", "POST", "",            "foreign", "401  404  404  ok   404  404  403  403  404  404  ok   403  404"),
    ("approvals-api:deployment-request-decide", "POST", "reject",      "owned",   "401  403  403  404  ok   404  ok   403  403  404  ok   403  403"),
    # 409 for the hidden: "no model named ... that this token may see" (the answer is audited)
    ("approvals-api:gate",                      "GET",  "approved",    "owned",   "401  ok   ok   409  ok   409  ok   ok   ok   409  ok   403  ok"),
    ("approvals-api:deployment-create",         "POST", "approved",    "owned",   "401  ok   ok   404  403  404  403  403  403  404  ok   403  ok"),
    ("monitoring-api:metric-batch-create",      "POST", "",            "owned",   "401  ok   ok   404  403  404  403  403  403  404  ok   403  ok"),
    ("monitoring-api:schema-create",            "POST", "",            "owned",   "401  ok   ok   404  403  404  403  403  403  404  ok   403  ok"),
    ("monitoring-api:schema-create",            "POST", "",            "foreign", "401  404  404  ok   404  404  403  403  404  404  ok   403  404"),
    # usage and cost: billing exports span every team (the second line and service accounts)
    ("usage-api:cost-import-create",            "POST", "focus csv",   None,      "401  403  403  403  403  403  ok   403  403  403  ok   403  ok"),
    ("usage-api:usage-source",                  "PUT",  "",            "owned",   "401  ok   ok   404  403  404  403  403  403  404  ok   403  ok"),
    ("usage-api:usage-points-create",           "POST", "",            "owned",   "401  ok   ok   404  403  404  403  403  403  404  ok   403  ok"),
    # the usage source form on the model's usage page: the owning team (and admins), by session
    ("usage:usage-source-set",                  "POST", "",            "owned",   "in   ok   ok   404  403  404  403  403  403  404  ok   in   in"),
    # budgets span teams, like the billing exports: the second line (people, not CI)
    # the budgets API: costs:write, the second line (people); the world's budget is the other team's
    ("usage-api:budget-list",                   "POST", "",            None,      "401  403  403  403  403  403  ok   403  403  403  ok   403  403"),
    ("usage-api:budget-detail",                 "PATCH", "amount",     None,      "401  404  404  403  404  404  ok   404  404  404  ok   403  404"),
    ("usage-api:budget-detail",                 "DELETE", "",          None,      "401  404  404  403  404  404  ok   404  404  404  ok   403  404"),
    ("usage:budget-set",                        "POST", "",            None,      "in   403  403  403  403  403  ok   403  403  403  ok   in   in"),
    ("usage:budget-delete",                     "POST", "",            None,      "in   403  403  403  403  403  ok   403  403  403  ok   in   in"),
    # the browser upload of a FOCUS export: the same people as the API's costs:write, by session
    ("usage:cost-import",                       "POST", "focus csv",   None,      "in   403  403  403  403  403  ok   403  403  403  ok   in   in"),
    ("documents-api:technical-documentation",   "POST", "high-risk",   "owned",   "401  ok   ok   404  ok   404  ok   ok   ok   404  ok   ok   ok"),
    ("documents-api:technical-documentation",   "POST", "high-risk",   "foreign", "401  404  404  ok   404  404  ok   ok   404  404  ok   404  404"),
    ("documents-api:portfolio-reports",         "POST", "",            None,      "401  ok   ok   ok   ok   ok   ok   ok   ok   ok   ok   ok   ok"),
    ("documents-api:evidence-pack",             "POST", "",            "owned",   "401  ok   ok   404  ok   404  ok   ok   ok   404  ok   ok   ok"),
    ("documents-api:evidence-pack",             "POST", "",            "foreign", "401  404  404  ok   404  404  ok   ok   404  404  ok   404  404"),
    ("documents-api:deployment-request-evidence-pack", "POST", "",     "owned",   "401  ok   ok   404  ok   404  ok   ok   ok   404  ok   ok   ok"),
    # Django admin: teams, users and tokens change through audited services; nobody deletes the
    # audit trail. 302: anyone but the admin (staff) is sent to the admin's own sign-in page
    ("admin:accounts_team_add",                 "POST", "",            None,      "302  302  302  302  302  302  302  302  302  302  ok   302  302"),
    ("admin:accounts_team_change",              "POST", "add member",  None,      "302  302  302  302  302  302  302  302  302  302  ok   302  302"),
    ("admin:accounts_user_change",              "POST", "grant role",  None,      "302  302  302  302  302  302  302  302  302  302  ok   302  302"),
    ("admin:accounts_apitoken_changelist",      "POST", "revoke",      None,      "302  302  302  302  302  302  302  302  302  302  ok   302  302"),
    ("admin:accounts_signinlockout_changelist", "POST", "clear",       None,      "302  302  302  302  302  302  302  302  302  302  ok   302  302"),
    ("admin:accounts_trustedissuer_add",        "POST", "with rule",   None,      "302  302  302  302  302  302  302  302  302  302  ok   302  302"),
    ("admin:audit_auditevent_delete",           "POST", "",            None,      "302  302  302  302  302  302  302  302  302  302  403  302  302"),
]  # fmt: skip

# Refusals that are recorded by design (STYLE.md: the attempt stays in the trail).
AUDITED_REFUSALS = {
    "approvals:request-decide": {"governance.decision_refused"},
    "approvals-api:deployment-request-decide": {"governance.decision_refused"},
    "approvals-api:gate": {"governance.gate_answered"},  # every gate answer, allowed or not
}
