"""Deployment approvals: policy, requests and decisions, fingerprint, the CI deploy gate,
deployments, registry write-back and governance drift.

- ``policy``: what each risk tier needs per environment (pure, data-driven);
- ``fingerprint``: what an approval binds (pure);
- ``services``: every state change, audited; ``selectors``: permission-aware reads;
- ``gate``: the answer CI gets, failing closed; ``writeback``: MLflow tags and aliases.
"""
