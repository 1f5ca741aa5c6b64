"""Every state change on the catalog, one function per business verb (see STYLE.md).

- ``entries``: catalog entries, versions, metadata, access grants and sharing
- ``team_moves``: moving a model to another team (asked, then accepted by the receiving team)
- ``sources``: registry sources and their webhook secrets
- ``ingest``: webhook inbox, processing, sweeping and reconciliation with the registry
- ``inbox``: the receiver's source cache and one-statement store, the batched inbox drain
- ``apply``: applying what the registry says about one model (per-model lock, deletions)
"""

from catalog.services.entries import *  # noqa: F403
from catalog.services.entries import (  # noqa: F401
    TEAM_PERMISSIONS,
    _permissions,
    model_service_governance_summary_set,
)
from catalog.services.ingest import *  # noqa: F403
from catalog.services.sources import *  # noqa: F403
from catalog.services.team_moves import *  # noqa: F403
