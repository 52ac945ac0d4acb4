"""make deploy-check's checks catch what they are for: each test breaks one thing in the rendered manifests, the compose file or a Dockerfile, and expects the check to name it."""

from __future__ import annotations

import base64
import copy
import importlib.util
import shutil
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
spec = importlib.util.spec_from_file_location("deploy_check", ROOT / "scripts" / "deploy_check.py")
assert spec and spec.loader
deploy_check = importlib.util.module_from_spec(spec)
sys.modules["deploy_check"] = deploy_check
spec.loader.exec_module(deploy_check)

SIZES = {"rasa_rss_mb": 800, "actions_rss_mb": 150}


@pytest.fixture(scope="module")
def variables():
    return deploy_check.known_variables()


@pytest.fixture(scope="module")
def rendered():
    if not shutil.which("kubectl"):
        pytest.skip("kubectl renders the manifests (make deploy-check says so when it is missing)")
    return deploy_check.render_overlays()["deploy/k8s/overlays/self-contained"]


def find(docs, kind, name):
    return next(d for d in docs if d["kind"] == kind and d["metadata"]["name"].startswith(name))


def problems_after(docs, variables, change):
    docs = copy.deepcopy(docs)
    change(docs)
    return deploy_check.check_k8s("overlay", docs, variables, SIZES)


def test_the_overlays_as_committed_pass(rendered, variables):
    assert deploy_check.check_k8s("overlay", rendered, variables, SIZES) == []


@pytest.mark.parametrize(
    "change, expected",
    [
        (
            lambda d: find(d, "Deployment", "cers-rasa")["spec"]["template"]["spec"]["containers"][0].pop(
                "readinessProbe"
            ),
            "no readinessProbe",
        ),
        (
            lambda d: find(d, "Deployment", "cers-actions")["spec"]["template"]["spec"]["containers"][0][
                "resources"
            ].pop("requests"),
            "resources need requests",
        ),
        (
            lambda d: find(d, "Deployment", "cers-rasa")["spec"]["template"]["spec"]["containers"][0]["resources"][
                "requests"
            ].update(memory="512Mi"),
            "512Mi is below the measured 800 MiB",
        ),
        (
            lambda d: find(d, "Deployment", "cers-rasa")["spec"]["strategy"]["rollingUpdate"].update(maxUnavailable=1),
            "maxUnavailable: 0",
        ),
        (lambda d: find(d, "Deployment", "cers-rasa")["spec"].update(replicas=1), "fewer than 2 replicas"),
        (lambda d: find(d, "Deployment", "cers-actions")["spec"].update(replicas=3), "autoscaler"),
        (
            lambda d: find(d, "Deployment", "cers-rasa")["spec"]["template"]["spec"]["containers"][0].update(
                command=["python", "-m", "channels.serve", "run"]
            ),
            "not /app/scripts/server.sh",
        ),
        (
            lambda d: find(d, "Deployment", "cers-rasa")["spec"]["template"]["spec"]["containers"][0]["envFrom"][1][
                "secretRef"
            ].update(name="cers-secret"),
            "names no Secret cers-secret",
        ),
        (
            lambda d: find(d, "Ingress", "cers-widget")["spec"]["rules"][0]["http"]["paths"][0]["backend"][
                "service"
            ].update(name="cers-socketio"),
            "no Service cers-socketio",
        ),
        (lambda d: find(d, "Service", "cers-actions")["spec"]["selector"].update(app="nothing"), "matches no pods"),
        (
            lambda d: find(d, "Secret", "cers-secrets")["data"].update(
                SESSION_SECRET=base64.b64encode(b"0123456789abcdef0123456789abcdef").decode()
            ),
            "SESSION_SECRET holds a value",
        ),
        (
            lambda d: find(d, "Secret", "cers-secrets")["data"].update(
                DATABASE_URL=base64.b64encode(b"postgresql://cers:hunter2@db/cers").decode()
            ),
            "DATABASE_URL's URL holds a password",
        ),
        (lambda d: find(d, "ConfigMap", "cers-config")["data"].update(STAFF_API_TOKEN="x"), "belongs in the Secret"),
        (
            lambda d: find(d, "ConfigMap", "cers-config")["data"].update(TICKET_LOCK_LIFE="5"),
            "no variable the bot reads",
        ),
        (lambda d: d.remove(find(d, "Job", "cers-migrate")), "no migration Job"),
        (
            lambda d: find(d, "Secret", "cers-secrets")["data"].pop("SLACK_SIGNING_SECRET"),
            "no Secret holds SLACK_SIGNING",
        ),
        (
            lambda d: find(d, "StatefulSet", "cers-postgres")["spec"]["template"]["spec"]["containers"][0].update(
                image="postgres"
            ),
            "no pinned tag",
        ),
    ],
)
def test_each_mistake_is_named(rendered, variables, change, expected):
    problems = problems_after(rendered, variables, change)
    assert any(expected in problem for problem in problems), problems


def test_an_unknown_field_fails_the_schema(rendered):
    job = copy.deepcopy(find(rendered, "Job", "cers-migrate"))
    job["spec"]["template"]["spec"]["containers"][0]["envFrom"][0]["configMapRefs"] = {"name": "x"}
    assert deploy_check.validate_schemas("overlay", [job])


@pytest.fixture(scope="module")
def compose():
    return yaml.safe_load(deploy_check.COMPOSE.read_text(encoding="utf-8"))


def test_the_compose_file_as_committed_passes(compose, variables):
    assert deploy_check.check_compose(compose, variables) == []


@pytest.mark.parametrize(
    "change, expected",
    [
        (lambda c: c["services"]["redis"].update(healthchek={"test": ["CMD", "true"]}), "healthchek"),
        (
            lambda c: c["services"]["rasa-1"]["depends_on"].update(actions_1={"condition": "service_healthy"}),
            "no service",
        ),
        (lambda c: c["services"]["rasa-2"].update(command=["python", "-m", "channels.serve"]), "not one of"),
        (lambda c: c["services"]["postgres"].update(volumes=["pgdta:/var/lib/postgresql/data"]), "not declared"),
        (
            lambda c: c["services"]["migrate"].update(command=["rasa", "train"]),
            "no service runs scripts/server.sh migrate",
        ),
        (
            lambda c: c["services"]["actions-1"]["environment"].update(SESSION_SECRET="0123456789abcdef0123456789"),
            "comes from .env",
        ),
    ],
)
def test_each_compose_mistake_is_named(compose, variables, change, expected):
    broken = copy.deepcopy(compose)
    change(broken)
    problems = deploy_check.check_compose(broken, variables)
    assert any(expected in problem for problem in problems), problems


@pytest.mark.parametrize(
    "old, new, expected",
    [
        ('CMD ["actions", "--port", "5055"]', 'CMD ["python", "-m", "actions.serve"]', "CMD must be"),
        ('ENTRYPOINT ["/app/scripts/server.sh"]', 'ENTRYPOINT ["python"]', "the entrypoint must be"),
        ("COPY actions /app/actions", "COPY action /app/actions", "no such file"),
        ("FROM ${PYTHON_IMAGE}\nRUN groupadd", "FROM ${PYTHON_IMAGE}\nRUN cd /tmp && groupadd", "hadolint"),
    ],
)
def test_each_dockerfile_mistake_is_named(tmp_path, old, new, expected):
    folder = ROOT / "var" / f"test-deploy-check-{tmp_path.name}"
    folder.mkdir(parents=True, exist_ok=True)
    try:
        dockerfile = folder / "actions.Dockerfile"
        text = (ROOT / "deploy" / "docker" / "actions.Dockerfile").read_text()
        assert old in text
        dockerfile.write_text(text.replace(old, new))
        problems = deploy_check.check_dockerfile(dockerfile)
        assert any(expected in problem for problem in problems), problems
    finally:
        shutil.rmtree(folder)


@pytest.mark.parametrize(
    "key, value, bad",
    [
        ("SESSION_SECRET", "", False),
        ("SESSION_SECRET", "CHANGE-ME", False),
        ("SESSION_SECRET", "s3cret-value-of-some-length", True),
        ("REDIS_URL", "redis://cers-redis:6379/0", False),
        ("REDIS_URL", "rediss://:CHANGE-ME@redis.example.gov:6380/0", False),
        ("REDIS_URL", "rediss://:abc123@redis.example.gov:6380/0", True),
        ("PUBLIC_BASE_URL", "https://bot.example.gov", False),
    ],
)
def test_placeholders(key, value, bad):
    assert bool(deploy_check.placeholder_problem(key, value)) is bad


def test_the_cluster_starts_its_processes_with_the_containers_script():
    assert deploy_check.check_cluster_runs_the_same_commands() == []
