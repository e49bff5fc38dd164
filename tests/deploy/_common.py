"""What the deployment tests share: paths, the chart's values, and Kosha's own settings."""

from __future__ import annotations

from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
CHART = DEPLOY / "helm" / "kosha"
COMPOSE = DEPLOY / "docker-compose.yml"

# Settings that a deployment (PostgreSQL, Redis, Milvus, Neo4j, S3) does not set, and why.
NOT_FOR_DEPLOY = {
    "KOSHA_GRAPH_PATH": "the embedded graph (ladybug) directory; deployments use KOSHA_NEO4J_URI",
    "KOSHA_BLOB_DIR": "the local blob directory; deployments use KOSHA_BLOB_URL (S3/MinIO)",
    "KOSHA_VECTOR_ENGINE": "picks an embedded vector engine; deployments use KOSHA_MILVUS_URI",
    "KOSHA_VECTORS_PATH": "directory of an embedded vector engine; deployments use Milvus",
    "KOSHA_MODEL_CACHE": "where the ONNX copy of the bundled model lives; the image derives it "
                         "at build time and sets this itself",
}


def load_values() -> dict:
    return yaml.safe_load((CHART / "values.yaml").read_text())


def settings_env_names() -> set[str]:
    """`KOSHA_<FIELD>` for every field of kosha.config.Settings."""
    from kosha.config import Settings

    prefix = Settings.model_config.get("env_prefix", "")
    return {f"{prefix}{name}".upper() for name in Settings.model_fields}
