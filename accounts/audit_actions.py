"""The audit actions the accounts app writes (see audit/actions.py)."""

from django.utils.translation import gettext_lazy as _

from audit.actions import declare

TEAM_CREATED = declare("accounts.team_created", _("Team created"))
TEAM_UPDATED = declare("accounts.team_updated", _("Team updated"))
TEAM_MEMBER_ADDED = declare("accounts.team_member_added", _("Team member added"))
TEAM_MEMBER_REMOVED = declare("accounts.team_member_removed", _("Team member removed"))
TEAM_REVIEWER_ADDED = declare("accounts.team_reviewer_added", _("Team reviewer added"))
TEAM_REVIEWER_REMOVED = declare("accounts.team_reviewer_removed", _("Team reviewer removed"))
ROLE_GRANTED = declare("accounts.role_granted", _("Role granted"))
ROLE_REVOKED = declare("accounts.role_revoked", _("Role revoked"))
TOKEN_CREATED = declare("accounts.token_created", _("API token created"))
TOKEN_REVOKED = declare("accounts.token_revoked", _("API token revoked"))
SIGNED_IN = declare("accounts.signed_in", _("Signed in"))
SIGNED_OUT = declare("accounts.signed_out", _("Signed out"))
SIGN_IN_FAILED = declare("accounts.sign_in_failed", _("Sign-in failed"))
SIGN_IN_LOCKED = declare("accounts.sign_in_locked", _("Sign-in locked out"))
SIGN_IN_LOCKOUT_CLEARED = declare("accounts.sign_in_lockout_cleared", _("Sign-in lockout cleared"))
LANGUAGE_CHANGED = declare("accounts.language_changed", _("Interface language changed"))
ISSUER_SAVED = declare("accounts.trusted_issuer_saved", _("Trusted OIDC issuer saved"))
ISSUER_RULE_SAVED = declare("accounts.issuer_rule_saved", _("Trusted issuer rule saved"))
WORKLOAD_IDENTITY_ACCEPTED = declare(
    "accounts.workload_identity_accepted", _("CI ID token accepted (workload identity)")
)
