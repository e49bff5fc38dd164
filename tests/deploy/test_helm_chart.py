"""The Helm chart renders with Helm's own engine (helm-python-sdk, offline), lints clean, and
every object it makes is valid against the Kubernetes JSON schemas (kubernetes-validate)."""

from __future__ import annotations

import copy

import pytest
import yaml

from tests.deploy._common import CHART, load_values

hp = pytest.importorskip("helm_python", reason="helm-python-sdk is in the dev extra")
kv = pytest.importorskip("kubernetes_validate", reason="kubernetes-validate is in the dev extra")

# The oldest Kubernetes the chart claims (Chart.yaml kubeVersion) and the newest schema bundled.
KUBE_VERSIONS = ("1.27.0", kv.utils.latest_version())
BASE = {"existingSecret": "kosha-secrets",
        "config": {"KOSHA_PUBLIC_URL": "https://kosha.example.com"}}
FULL = {
    "existingSecret": "kosha-secrets",
    "image": {"repository": "registry.example.com/kosha", "tag": "1.2.3"},
    "imagePullSecrets": [{"name": "regcred"}],
    "config": {"KOSHA_PUBLIC_URL": "https://kosha.example.com", "KOSHA_MILVUS_PARTITIONS": "64",
               "KOSHA_S3_ENDPOINT_URL": "http://minio:9000", "KOSHA_S3_REGION": "us-east-1"},
    "extraEnv": [{"name": "HTTPS_PROXY", "value": "http://proxy:3128"}],
    "serviceAccount": {"create": True, "annotations": {"example.com/role": "kosha"}},
    "api": {"replicas": 3, "nodeSelector": {"pool": "api"},
            "tolerations": [{"key": "kosha", "operator": "Exists", "effect": "NoSchedule"}]},
    "worker": {"replicas": 7, "concurrency": 4},
    "ingress": {"enabled": True, "className": "nginx", "host": "kosha.example.com",
                "annotations": {"nginx.ingress.kubernetes.io/proxy-buffering": "off"},
                "tls": {"enabled": True, "secretName": "kosha-tls"}},
}


def render(values: dict) -> list[dict]:
    with hp.Chart.load(CHART) as chart:
        manifests = chart.render(values, name="kosha", namespace="kosha", is_install=True)
    docs = []
    for path, text in sorted(manifests.items()):
        if path.endswith(".txt"):
            continue
        docs += [d for d in yaml.safe_load_all(text) if d]
    return docs


def by_kind(docs: list[dict], kind: str) -> list[dict]:
    return [d for d in docs if d["kind"] == kind]


def pod_specs(docs: list[dict]) -> dict[str, dict]:
    return {d["metadata"]["name"]: d["spec"]["template"]["spec"]
            for d in docs if d["kind"] in ("Deployment", "Job")}


@pytest.fixture(scope="module")
def base() -> list[dict]:
    return render(BASE)


@pytest.fixture(scope="module")
def full() -> list[dict]:
    return render(FULL)


def test_lint_has_no_errors() -> None:
    result = hp.lint(CHART, BASE, strict=True)
    assert not result["errors"], result
    assert all(m["severity"] < 2 for m in result["messages"]), result["messages"]


@pytest.mark.parametrize("which", ["base", "full"])
def test_every_object_is_valid_kubernetes(which: str, request: pytest.FixtureRequest) -> None:
    docs = request.getfixturevalue(which)
    assert docs
    for doc in docs:
        for version in KUBE_VERSIONS:
            try:
                kv.validate(doc, version, strict=True)
            except kv.ValidationError as exc:  # pragma: no cover - the message is the point
                pytest.fail(f"{doc['kind']}/{doc['metadata']['name']} on {version}: {exc}")


def test_objects_the_chart_makes(base: list[dict], full: list[dict]) -> None:
    kinds = sorted(d["kind"] for d in base)
    assert kinds == ["ConfigMap", "Deployment", "Deployment", "Job", "PodDisruptionBudget",
                     "Service", "ServiceAccount"]
    assert [d["metadata"]["name"] for d in by_kind(full, "Ingress")] == ["kosha"]
    assert "Secret" not in {d["kind"] for d in base + full}


def test_existing_secret_is_required() -> None:
    with pytest.raises(hp.HelmRenderError, match="existingSecret is required"):
        render({})


def test_secrets_only_via_secret_key_refs(full: list[dict]) -> None:
    secret_env = load_values()["secretEnv"]
    (config_map,) = by_kind(full, "ConfigMap")
    assert not set(config_map["data"]) & set(secret_env)
    for name, spec in pod_specs(full).items():
        for container in spec["containers"]:
            env = {e["name"]: e for e in container.get("env", [])}
            for var, ref in secret_env.items():
                assert var in env, f"{name} lacks {var}"
                assert "value" not in env[var], f"{name}: {var} is a literal"
                key_ref = env[var]["valueFrom"]["secretKeyRef"]
                assert key_ref["name"] == "kosha-secrets"
                assert key_ref["key"] == ref["key"]
                assert key_ref.get("optional", False) == ref["optional"]


def test_every_config_value_reaches_every_container() -> None:
    values = load_values()
    # give the unset ones a value: each must then be rendered
    config = {k: (v if v != "" else "1") for k, v in values["config"].items()}
    docs = render({"existingSecret": "s", "config": config})
    (config_map,) = by_kind(docs, "ConfigMap")
    assert config_map["data"] == {k: str(v) for k, v in config.items()}
    specs = pod_specs(docs)
    for name, spec in specs.items():
        (container,) = spec["containers"]
        if name.endswith("-migrate"):  # a pre-install hook: the ConfigMap does not exist yet
            env = {e["name"]: e.get("value") for e in container["env"]}
            assert {k: env.get(k) for k in config} == config_map["data"]
        else:
            assert container["envFrom"] == [{"configMapRef": {"name": config_map["metadata"]
                                                              ["name"]}}]


def test_unset_settings_are_left_out(base: list[dict]) -> None:
    (config_map,) = by_kind(base, "ConfigMap")
    unset = {k for k, v in load_values()["config"].items() if v == ""} - set(BASE["config"])
    assert unset and not unset & set(config_map["data"])


def test_api_probes_resources_and_service(full: list[dict]) -> None:
    specs = pod_specs(full)
    (api,) = specs["kosha-api"]["containers"]
    assert api["args"] == ["serve"]
    for probe in ("startupProbe", "readinessProbe", "livenessProbe"):
        assert api[probe]["httpGet"] == {"path": "/health", "port": "http"}
    assert api["ports"][0]["containerPort"] == 8000
    assert api["resources"]["requests"] and api["resources"]["limits"]
    (service,) = by_kind(full, "Service")
    assert service["spec"]["ports"][0]["targetPort"] == "http"
    assert service["spec"]["selector"]["app.kubernetes.io/component"] == "api"
    deployments = {d["metadata"]["name"]: d for d in by_kind(full, "Deployment")}
    assert deployments["kosha-api"]["spec"]["replicas"] == 3


def test_worker_replicas_and_concurrency_are_values(full: list[dict]) -> None:
    deployments = {d["metadata"]["name"]: d for d in by_kind(full, "Deployment")}
    worker = deployments["kosha-worker"]
    assert worker["spec"]["replicas"] == 7
    (container,) = worker["spec"]["template"]["spec"]["containers"]
    assert container["args"] == ["worker", "--concurrency", "4"]
    assert container["resources"]["requests"]


def test_one_image_runs_api_worker_and_migrate(full: list[dict]) -> None:
    images = {c["image"] for spec in pod_specs(full).values() for c in spec["containers"]}
    assert images == {"registry.example.com/kosha:1.2.3"}


def test_migrate_is_a_pre_install_and_pre_upgrade_hook(base: list[dict]) -> None:
    (job,) = by_kind(base, "Job")
    annotations = job["metadata"]["annotations"]
    assert annotations["helm.sh/hook"] == "pre-install,pre-upgrade"
    assert "before-hook-creation" in annotations["helm.sh/hook-delete-policy"]
    (container,) = job["spec"]["template"]["spec"]["containers"]
    assert container["args"] == ["migrate"]
    # nothing made by the release exists yet when a pre-install hook runs
    assert job["spec"]["template"]["spec"]["serviceAccountName"] == "default"
    assert "envFrom" not in container
    disabled = render({**BASE, "migrate": {"enabled": False}})
    assert not by_kind(disabled, "Job")


def test_pods_run_as_non_root_with_a_read_only_root(full: list[dict]) -> None:
    for name, spec in pod_specs(full).items():
        assert spec["securityContext"]["runAsNonRoot"] is True, name
        assert spec["automountServiceAccountToken"] is False, name
        (container,) = spec["containers"]
        assert container["securityContext"]["readOnlyRootFilesystem"] is True, name
        assert container["securityContext"]["allowPrivilegeEscalation"] is False, name
        mounts = {m["mountPath"] for m in container["volumeMounts"]}
        assert {"/tmp", "/var/lib/kosha"} <= mounts, name


def test_config_changes_roll_the_pods(base: list[dict]) -> None:
    changed = copy.deepcopy(BASE)
    changed["config"]["KOSHA_LOG_LEVEL"] = "DEBUG"
    before = {d["metadata"]["name"]: d["spec"]["template"]["metadata"]["annotations"]
              for d in by_kind(base, "Deployment")}
    after = {d["metadata"]["name"]: d["spec"]["template"]["metadata"]["annotations"]
             for d in by_kind(render(changed), "Deployment")}
    for name in before:
        assert before[name]["checksum/config"] != after[name]["checksum/config"]


def test_the_kubernetes_check_catches_mistakes(base: list[dict]) -> None:
    deployment = copy.deepcopy(by_kind(base, "Deployment")[0])
    deployment["spec"]["template"]["spec"]["containers"][0]["livenessprobe"] = {}
    with pytest.raises(kv.ValidationError):
        kv.validate(deployment, KUBE_VERSIONS[-1], strict=True)
    deployment = copy.deepcopy(by_kind(base, "Deployment")[0])
    deployment["spec"]["replicas"] = "two"
    with pytest.raises(kv.ValidationError):
        kv.validate(deployment, KUBE_VERSIONS[0], strict=True)
