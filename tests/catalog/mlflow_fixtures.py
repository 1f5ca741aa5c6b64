"""The recorded MLflow deliveries (tests/fixtures/mlflow, copied from a real MLflow 3.17 server).
Every one is signed with SECRET."""

import json
from dataclasses import dataclass
from pathlib import Path

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "mlflow"
SECRET = "portal-shared-secret-123"  # noqa: S105 (the fixtures' documented test secret)


@dataclass(frozen=True)
class Delivery:
    name: str
    headers: dict[str, str]
    body: bytes

    @property
    def timestamp(self) -> int:
        return int(self.headers["X-MLflow-Timestamp"])

    @property
    def event(self) -> dict:
        return json.loads(self.body)

    def meta(self) -> dict:
        """Headers as Django test-client keyword arguments."""
        return {
            f"HTTP_{k.upper().replace('-', '_')}": v
            for k, v in self.headers.items()
            if k.lower().startswith("x-mlflow")
        }


def load(path: Path) -> Delivery:
    data = json.loads(path.read_text())
    return Delivery(path.name, dict(data["headers"]), data["raw_body"].encode("utf-8"))


def deliveries() -> list[Delivery]:
    return [load(p) for p in sorted(FIXTURES.glob("*.json"))]


def retries() -> list[Delivery]:
    return [load(p) for p in sorted((FIXTURES / "retry").glob("*.json"))]
