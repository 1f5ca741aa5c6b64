"""Monitoring's answers to other apps' domain events."""

from __future__ import annotations

from django.dispatch import receiver

from governance.events import demo_seeded


@receiver(demo_seeded, dispatch_uid="monitoring.demo")
def seed_monitoring_demo(sender, users, **kwargs) -> str:
    """``seed_demo`` ran: add the demo's metric history, thresholds, alerts and incident."""
    from monitoring import demo

    return demo.seed(users)
