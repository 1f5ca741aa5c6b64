"""Kept only for its migrations: the tables it created now belong to risk, approvals and documents
(same table names). Holds no code."""
