"""Registry adapters: pure parsing and signature checks, plus thin REST clients. No ORM."""
