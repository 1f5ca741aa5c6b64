"""Bill-of-materials exports of a model version (CycloneDX 1.6 ML-BOM, SPDX 3.0.1 AI), built
from the model card's data (``documents.kinds.model_card.card_data``). Pure: no ORM."""
