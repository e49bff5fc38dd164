"""deploy/docker-compose.yml: valid against the Compose Specification's JSON schema (vendored:
compose-spec.json, compose-spec/compose-spec at 170098ba07d9, Apache-2.0), `docker compose
config` where a Compose CLI is installed, and the shape the deployment relies on."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import jsonschema
import pytest
import yaml

from tests.deploy._common import COMPOSE, DEPLOY, settings_env_names

SCHEMA = Path(__file__).with_name("compose-spec.json")
KOSHA_SERVICES = ("migrate", "api", "worker")
# what the issue lists: postgres, redis, milvus standalone with etcd and minio, neo4j, api,
# worker, UI (the UI is built into the image and served by `api` under /app/)
SERVICES = {"postgres", "redis", "etcd", "minio", "milvus", "neo4j", *KOSHA_SERVICES}
SECRETISH = re.compile(r"PASSWORD|SECRET|_KEY|TOKEN|DATABASE_URL|REDIS_URL|AUTH")
REFERENCE = re.compile(r"\$\{([A-Z0-9_]+)(?::?[-?][^}]*)?\}")
REQUIRED_REFERENCE = re.compile(r"\$\{([A-Z0-9_]+):\?[^}]*\}")


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load(COMPOSE.read_text())


def env_example() -> dict[str, str]:
    pairs = {}
    for line in (DEPLOY / ".env.example").read_text().splitlines():
        if line and not line.startswith("#"):
            key, _, value = line.partition("=")
            pairs[key] = value
    return pairs


def test_valid_against_the_compose_spec_schema(compose: dict) -> None:
    schema = json.loads(SCHEMA.read_text())
    errors = sorted(jsonschema.Draft7Validator(schema).iter_errors(compose), key=str)
    assert not errors, "\n".join(f"{list(e.absolute_path)}: {e.message}" for e in errors)


def test_the_services_the_issue_lists(compose: dict) -> None:
    assert set(compose["services"]) == SERVICES
    milvus = compose["services"]["milvus"]
    assert milvus["command"] == ["milvus", "run", "standalone"]
    assert {"etcd", "minio"} <= set(milvus["depends_on"])


def test_images_are_pinned(compose: dict) -> None:
    for name, service in compose["services"].items():
        if name in KOSHA_SERVICES:
            continue
        image = service["image"]
        assert ":" in image and not image.endswith((":latest", ":5", ":7", ":15")), image


def test_api_worker_and_migrate_share_image_and_settings(compose: dict) -> None:
    services = compose["services"]
    first = services["api"]
    for name in KOSHA_SERVICES:
        service = services[name]
        assert service["image"] == first["image"]
        assert service["build"] == {"context": "..", "dockerfile": "deploy/Dockerfile"}
        assert service["environment"] == first["environment"], name
        assert service["env_file"] == first["env_file"], name
    assert services["api"]["command"] == ["serve"]
    assert services["worker"]["command"][0] == "worker"
    assert services["migrate"]["command"] == ["migrate"]
    env = first["environment"]
    assert env["KOSHA_JOB_BACKEND"] == "celery" and env["KOSHA_HOST"] == "0.0.0.0"
    for store, host in [("KOSHA_MILVUS_URI", "milvus"), ("KOSHA_NEO4J_URI", "neo4j"),
                        ("KOSHA_REDIS_URL", "redis"), ("KOSHA_DATABASE_URL", "postgres"),
                        ("KOSHA_S3_ENDPOINT_URL", "minio")]:
        assert f"@{host}:" in env[store] or f"//{host}:" in env[store], store


def test_api_and_worker_start_after_migrate_and_the_stores(compose: dict) -> None:
    for name in ("api", "worker"):
        depends = compose["services"][name]["depends_on"]
        assert depends["migrate"]["condition"] == "service_completed_successfully"
        for store in ("redis", "milvus", "neo4j", "minio"):
            assert depends[store]["condition"] == "service_healthy", (name, store)
        assert compose["services"][store]["healthcheck"]
    assert "/health" in " ".join(compose["services"]["api"]["healthcheck"]["test"])


def test_kosha_variables_are_real_settings(compose: dict) -> None:
    names = {k for k in compose["services"]["api"]["environment"] if k.startswith("KOSHA_")}
    names |= {k for k in env_example() if k.startswith("KOSHA_")}
    commented = re.findall(r"^# (KOSHA_[A-Z0-9_]+)=", (DEPLOY / ".env.example").read_text(), re.M)
    unknown = sorted((names | set(commented)) - settings_env_names())
    assert not unknown, f"not Kosha settings: {unknown}"


def test_no_secret_is_written_into_the_compose_file(compose: dict) -> None:
    for name, service in compose["services"].items():
        env = service.get("environment", {})
        assert isinstance(env, dict), f"{name}: write environment as a mapping"
        for var, value in env.items():
            if not SECRETISH.search(var):
                continue
            value = str(value)
            assert REQUIRED_REFERENCE.search(value), f"{name}.{var} must come from deploy/.env"
            # whatever is left once the references are taken out holds no credential
            rest = REFERENCE.sub("", value)
            assert not re.search(r":[^/@:]+@", rest), f"{name}.{var} has a literal password"


def test_every_required_variable_is_in_env_example_and_empty_there() -> None:
    required = set(REQUIRED_REFERENCE.findall(COMPOSE.read_text()))
    example = env_example()
    assert required <= set(example), sorted(required - set(example))
    for var in required:
        if SECRETISH.search(var):
            assert example[var] == "", f".env.example must not hold a value for {var}"


def filled_env(tmp_path: Path) -> Path:
    """deploy/docker-compose.yml beside a .env made from .env.example with made-up secrets."""
    lines = []
    for line in (DEPLOY / ".env.example").read_text().splitlines():
        key, sep, value = line.partition("=")
        if sep and not line.startswith("#") and value == "":
            line = f"{key}=test-only-{key.lower()}-0123456789abcdef0123456789"
        lines.append(line)
    (tmp_path / ".env").write_text("\n".join(lines) + "\n")
    shutil.copy(COMPOSE, tmp_path / "docker-compose.yml")
    return tmp_path


def compose_cli() -> list[str] | None:
    docker = shutil.which("docker")
    if docker and subprocess.run([docker, "compose", "version"], capture_output=True,
                                 check=False).returncode == 0:
        return [docker, "compose"]
    legacy = shutil.which("docker-compose")
    return [legacy] if legacy else None


def test_docker_compose_config(tmp_path: Path) -> None:
    """`docker compose config`: interpolation, merges and the CLI's own checks (no daemon)."""
    cli = compose_cli()
    if cli is None:
        pytest.skip("no Compose CLI (docker compose plugin or docker-compose) installed")
    folder = filled_env(tmp_path)
    done = subprocess.run([*cli, "config"], cwd=folder, capture_output=True, text=True,
                          timeout=60, check=False)
    assert done.returncode == 0, done.stderr
    rendered = yaml.safe_load(done.stdout)
    assert set(rendered["services"]) == SERVICES
    api = rendered["services"]["api"]["environment"]
    assert api["KOSHA_SECRET_KEY"].startswith("test-only-kosha_secret_key")
    assert api["KOSHA_DATABASE_URL"].startswith("postgresql+psycopg://kosha:test-only-")
    # a missing secret stops compose with the message from the file
    (folder / ".env").write_text((folder / ".env").read_text().replace(
        "KOSHA_ENCRYPTION_KEY=test-only", "# KOSHA_ENCRYPTION_KEY=test-only"))
    done = subprocess.run([*cli, "config", "-q"], cwd=folder, capture_output=True, text=True,
                          timeout=60, check=False)
    assert done.returncode != 0 and "set KOSHA_ENCRYPTION_KEY" in done.stderr + done.stdout


def test_dockerfile_builds_one_non_root_image_with_the_ui() -> None:
    text = (DEPLOY / "Dockerfile").read_text()
    stages = re.findall(r"^FROM \S+ AS (\w+)", text, re.M)
    assert stages == ["web", "build", "runtime"]
    assert "npm ci" in text and "npm run build" in text
    assert "COPY --from=web /src/web/dist /app/web/dist" in text
    assert re.search(r"--index-url \"\$\{TORCH_INDEX_URL\}\" \"torch==", text)
    assert "TORCH_INDEX_URL=https://download.pytorch.org/whl/cpu" in text
    assert re.search(r"^USER 10001:10001$", text, re.M)
    assert 'ENTRYPOINT ["tini", "--", "kosha"]' in text
    # the image's torch pin follows the project's
    pyproject = (DEPLOY.parent / "pyproject.toml").read_text()
    torch = re.search(r'"torch==([^"]+)"', pyproject).group(1)
    assert f"ARG TORCH_VERSION={torch}" in text
    ignore = (DEPLOY / "Dockerfile.dockerignore").read_text().split()
    assert {"**/.venv", "**/node_modules", "deploy/.env"} <= set(ignore)


def test_the_schema_check_catches_mistakes(compose: dict) -> None:
    schema = json.loads(SCHEMA.read_text())
    broken = json.loads(json.dumps(compose))
    broken["services"]["api"]["restart_policy"] = "always"  # a key Compose does not have
    broken["services"]["worker"]["depends_on"]["redis"]["condition"] = "healthy"
    messages = [e.message for e in jsonschema.Draft7Validator(schema).iter_errors(broken)]
    assert messages
