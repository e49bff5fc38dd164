"""What the deployment tests share: paths, the chart's values, and Kosha's own settings."""

from __future__ import annotations

from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
CHART = DEPLOY / "helm" / "kosha"
COMPOSE = DEPLOY / "docker-compose.yml"

# Settings being added to kosha.config.Settings at the same time as these files (S3 blobs, Neo4j):
# the chart and compose already carry them; once Settings has them this set changes nothing.
ANNOUNCED = frozenset({
    "KOSHA_BLOB_URL", "KOSHA_S3_ENDPOINT_URL", "KOSHA_S3_REGION", "KOSHA_S3_ACCESS_KEY",
    "KOSHA_S3_SECRET_KEY", "KOSHA_NEO4J_URI", "KOSHA_NEO4J_USER", "KOSHA_NEO4J_PASSWORD",
    "KOSHA_NEO4J_DATABASE",
})

# Settings that a deployment (PostgreSQL, Redis, Milvus, Neo4j, S3) does not set, and why.
NOT_FOR_DEPLOY = {
    "KOSHA_GRAPH_PATH": "the embedded graph (ladybug) directory; deployments use KOSHA_NEO4J_URI",
    "KOSHA_BLOB_DIR": "the local blob directory; deployments use KOSHA_BLOB_URL (S3/MinIO)",
}


def load_values() -> dict:
    return yaml.safe_load((CHART / "values.yaml").read_text())


def settings_env_names() -> set[str]:
    """`KOSHA_<FIELD>` for every field of kosha.config.Settings."""
    from kosha.config import Settings

    prefix = Settings.model_config.get("env_prefix", "")
    return {f"{prefix}{name}".upper() for name in Settings.model_fields}
