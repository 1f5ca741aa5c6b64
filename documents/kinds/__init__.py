"""Document builders; importing this package registers them all."""

from documents.kinds import annex_iv, model_card, portfolio  # noqa: F401
