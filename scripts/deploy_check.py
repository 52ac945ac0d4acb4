"""`make deploy-check`: deploy/ checked without a cluster or a Docker daemon, so a county gets manifests that apply and images that build from what the cluster tests run.

- Kubernetes: every overlay rendered by `kubectl kustomize`, each object validated (strictly: no
  unknown field) against the Kubernetes schemas that kubernetes-validate ships, then what a schema
  cannot see: probes and resources on every server, references that resolve (Secrets, ConfigMaps,
  Services, ports, the autoscaler's target), Secrets holding placeholders only, variables the bot
  reads, memory requests no smaller than measured (deploy/sizes.json), rollouts that keep a
  replica serving.
- Compose: deploy/compose/docker-compose.yml validated against the Compose specification's JSON
  schema (check-jsonschema's vendored copy), its references, and its haproxy.cfg by `haproxy -c`.
- Dockerfiles: hadolint, the files they copy, the Makefile targets they run, their commands.
- One set of commands: the containers run scripts/server.sh's rasa, actions, migrate and
  wait-for-schema, the same script `make cluster` (scripts/cluster.sh) runs; migrate and
  wait-for-schema are run here on SQLite, and the action server's image's package list is proven
  enough to import actions/ and cers/.
- No secret in deploy/: example values are empty or CHANGE-ME (scripts/server.sh refuses those).
"""

from __future__ import annotations

import base64
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Dict, Iterable, List, Optional, Set, Tuple
from urllib.parse import urlsplit

import yaml

ROOT = Path(__file__).resolve().parent.parent
DEPLOY = ROOT / "deploy"
VENV_BIN = ROOT / ".venv" / "bin"
K8S_VERSION = "1.28.0"  # the newest schemas kubernetes-validate 1.28.x ships (requirements.in says why)
PLACEHOLDER = "CHANGE-ME"
SERVER_SCRIPT = "/app/scripts/server.sh"
SUBCOMMANDS = {"rasa", "actions", "migrate", "import", "remind", "remind-every", "wait-for-schema"}
# Secrets the manifests name but never make: the ingress's certificate (cert-manager or by hand).
EXTERNAL_SECRETS = {"cers-tls"}
# Variables that hold secrets: only in Secrets, .env files and their examples, never in a ConfigMap.
SECRET_VARIABLES = {
    "DATABASE_URL",
    "TRACKER_STORE_URL",
    "REDIS_URL",
    "SESSION_SECRET",
    "STAFF_API_TOKEN",
    "TWILIO_ACCOUNT_SID",
    "TWILIO_AUTH_TOKEN",
    "SLACK_BOT_TOKEN",
    "SLACK_SIGNING_SECRET",
    "POSTGRES_PASSWORD",
}
# Read by Rasa, the images or docker compose rather than by this project's code.
OTHER_VARIABLES = {"RASA_TELEMETRY_ENABLED", "POSTGRES_PASSWORD", "REGISTRY", "RELEASE"}


class Problems:
    """Every problem found, with where it is; the check fails if there is any."""

    def __init__(self) -> None:
        self.items: List[str] = []

    def add(self, where: str, what: str) -> None:
        self.items.append(f"{where}: {what}")

    def extend(self, items: Iterable[str]) -> None:
        self.items.extend(items)


# ------------------------------------------------------------------ what the bot reads
def known_variables() -> Set[str]:
    """Every environment variable the project reads: string literals of cers/, actions/, channels/, ${VAR} of the endpoints."""
    names: Set[str] = set(OTHER_VARIABLES)
    for folder in ("cers", "actions", "channels"):
        for path in (ROOT / folder).rglob("*.py"):
            names.update(re.findall(r"[\"']([A-Z][A-Z0-9_]{2,})[\"']", path.read_text(encoding="utf-8")))
    for path in ROOT.glob("endpoints*.yml"):
        names.update(re.findall(r"\$\{([A-Z][A-Z0-9_]+)\}", path.read_text(encoding="utf-8")))
    return names


def placeholder_problem(key: str, value: str) -> Optional[str]:
    """Why this example value of a secret variable looks real; None when it is empty or a placeholder."""
    if key not in SECRET_VARIABLES or not value:
        return None
    if "://" in value:  # a URL: only its password is secret (redis://cers-redis:6379/0 has none)
        password = urlsplit(value).password
        return (
            f"{key}'s URL holds a password that is not {PLACEHOLDER}" if password and password != PLACEHOLDER else None
        )
    return None if PLACEHOLDER in value else f"{key} holds a value that is not empty or {PLACEHOLDER}"


# ------------------------------------------------------------------ Kubernetes
def render_overlays() -> Dict[str, List[dict]]:
    kubectl = shutil.which("kubectl")
    if not kubectl:
        raise SystemExit(
            "deploy-check: kubectl not found. It renders the manifests (kubectl kustomize); this machine's "
            "image has it; elsewhere install kubectl 1.27 or later."
        )
    rendered = {}
    for overlay in sorted(p for p in (DEPLOY / "k8s" / "overlays").iterdir() if p.is_dir()):
        result = subprocess.run([kubectl, "kustomize", str(overlay)], capture_output=True, text=True, timeout=120)
        if result.returncode:
            raise SystemExit(f"deploy-check: kubectl kustomize {overlay.relative_to(ROOT)} failed:\n{result.stderr}")
        rendered[str(overlay.relative_to(ROOT))] = [doc for doc in yaml.safe_load_all(result.stdout) if doc]
    return rendered


def validate_schemas(where: str, docs: List[dict]) -> List[str]:
    import kubernetes_validate

    problems = []
    for doc in docs:
        try:
            kubernetes_validate.validate(doc, K8S_VERSION, strict=True)
        except Exception as error:  # ValidationError, or a kind with no schema
            name = f"{doc.get('kind')}/{(doc.get('metadata') or {}).get('name')}"
            problems.append(f"{where}: {name}: {type(error).__name__}: {str(error).splitlines()[0][:300]}")
    return problems


def _pod_template(doc: dict) -> Optional[dict]:
    if doc.get("kind") in ("Deployment", "StatefulSet", "Job", "DaemonSet"):
        return doc["spec"]["template"]
    if doc.get("kind") == "CronJob":
        return doc["spec"]["jobTemplate"]["spec"]["template"]
    return None


def _pod_spec(doc: dict) -> Optional[dict]:
    template = _pod_template(doc)
    return template["spec"] if template else None


def _pod_labels(doc: dict) -> Dict[str, str]:
    template = _pod_template(doc)
    return (template or {}).get("metadata", {}).get("labels", {})


def _labels_match(selector: Dict[str, str], labels: Dict[str, str]) -> bool:
    return bool(selector) and all(labels.get(k) == v for k, v in selector.items())


def check_k8s(where: str, docs: List[dict], variables: Set[str], sizes: dict) -> List[str]:
    """What the schemas cannot see, on one overlay's rendered objects."""
    problems: List[str] = []

    def problem(obj: dict, what: str) -> None:
        problems.append(f"{where}: {obj.get('kind')}/{obj['metadata']['name']}: {what}")

    by_kind: Dict[str, Dict[str, dict]] = {}
    for doc in docs:
        by_kind.setdefault(doc["kind"], {})[doc["metadata"]["name"]] = doc
    secrets, configmaps = by_kind.get("Secret", {}), by_kind.get("ConfigMap", {})
    services = by_kind.get("Service", {})
    workloads = [doc for doc in docs if _pod_spec(doc) is not None]
    subcommands_used: Set[str] = set()

    for doc in workloads:
        spec = _pod_spec(doc)
        assert spec is not None
        labels = _pod_labels(doc)
        if doc["kind"] not in ("Job", "CronJob") and not _labels_match(
            doc["spec"]["selector"].get("matchLabels", {}), labels
        ):
            problem(doc, "its selector does not match its pods' labels")
        for volume in spec.get("volumes", []):
            if "secret" in volume and volume["secret"]["secretName"] not in set(secrets) | EXTERNAL_SECRETS:
                problem(doc, f"volume {volume['name']}: no Secret {volume['secret']['secretName']}")
            if "configMap" in volume and volume["configMap"]["name"] not in configmaps:
                problem(doc, f"volume {volume['name']}: no ConfigMap {volume['configMap']['name']}")
        for init, container in [(True, c) for c in spec.get("initContainers", [])] + [
            (False, c) for c in spec["containers"]
        ]:
            cname = f"container {container['name']}"
            requests = container.get("resources", {}).get("requests", {})
            limits = container.get("resources", {}).get("limits", {})
            if not {"cpu", "memory"} <= set(requests) or "memory" not in limits:
                problem(doc, f"{cname}: resources need requests (cpu, memory) and a memory limit")
            if doc["kind"] in ("Deployment", "StatefulSet") and not init:
                for probe in ("readinessProbe", "livenessProbe"):
                    if probe not in container:
                        problem(doc, f"{cname}: no {probe}")
            for source in container.get("envFrom", []):
                if "secretRef" in source and source["secretRef"]["name"] not in secrets:
                    problem(doc, f"{cname}: envFrom names no Secret {source['secretRef']['name']}")
                if "configMapRef" in source and source["configMapRef"]["name"] not in configmaps:
                    problem(doc, f"{cname}: envFrom names no ConfigMap {source['configMapRef']['name']}")
            for variable in container.get("env", []):
                ref = (variable.get("valueFrom") or {}).get("secretKeyRef")
                if ref and (ref["name"] not in secrets or ref["key"] not in secrets[ref["name"]].get("data", {})):
                    problem(doc, f"{cname}: env {variable['name']} names no Secret key {ref['name']}/{ref['key']}")
                if "value" in variable and variable["name"] in SECRET_VARIABLES:
                    problem(doc, f"{cname}: {variable['name']} is a secret: from a Secret, not a plain value")
            image = container["image"]
            if "/cers/" in image or image.startswith("cers-"):  # this project's images
                command = container.get("command") or []
                if command[:1] != [SERVER_SCRIPT] or len(command) < 2 or command[1] not in SUBCOMMANDS:
                    problem(doc, f"{cname}: runs {command}, not {SERVER_SCRIPT} {'|'.join(sorted(SUBCOMMANDS))}")
                else:
                    subcommands_used.add(command[1])
            elif ":" not in image.rsplit("/", 1)[-1] or image.endswith(":latest"):
                problem(doc, f"{cname}: image {image} has no pinned tag")
        if doc["kind"] == "Deployment":
            rolling = doc["spec"].get("strategy", {}).get("rollingUpdate", {})
            component = labels.get("app.kubernetes.io/component")
            if component in ("rasa", "actions") and str(rolling.get("maxUnavailable")) != "0":
                problem(
                    doc, "a rollout must keep every serving replica until its replacement is ready (maxUnavailable: 0)"
                )
            if component == "rasa" and doc["spec"].get("replicas", 1) < 2:
                problem(doc, "fewer than 2 replicas: an upgrade or a crash would stop the bot")
            wanted = sizes.get(f"{component}_rss_mb")
            for container in spec["containers"]:
                resources = container.get("resources", {})
                request = resources.get("requests", {}).get("memory")
                limit = resources.get("limits", {}).get("memory")
                if wanted and request and limit:
                    if _mebibytes(request) < wanted:
                        problem(doc, f"memory request {request} is below the measured {wanted:.0f} MiB")
                    if _mebibytes(limit) < 1.3 * wanted:
                        problem(doc, f"memory limit {limit} leaves under 30% above the measured {wanted:.0f} MiB")

    missing = {"rasa", "actions", "migrate", "remind", "wait-for-schema"} - subcommands_used
    if missing:
        problems.append(f"{where}: no container runs scripts/server.sh {', '.join(sorted(missing))}")
    if "Job" not in by_kind:
        problems.append(f"{where}: no migration Job")

    for service in services.values():
        selector = service["spec"].get("selector", {})
        pods = [w for w in workloads if _labels_match(selector, _pod_labels(w))]
        if not pods:
            problem(service, f"its selector {selector} matches no pods")
        for port in service["spec"]["ports"]:
            target = port.get("targetPort", port["port"])
            if isinstance(target, str) and not any(
                p.get("name") == target for w in pods for c in _pod_spec(w)["containers"] for p in c.get("ports", [])
            ):
                problem(service, f"targetPort {target} is no named port of its pods")
    for ingress in by_kind.get("Ingress", {}).values():
        for tls in ingress["spec"].get("tls", []):
            if tls["secretName"] not in set(secrets) | EXTERNAL_SECRETS:
                problem(ingress, f"no Secret {tls['secretName']} for TLS")
        if not ingress["spec"].get("tls"):
            problem(ingress, "no TLS")
        for rule in ingress["spec"]["rules"]:
            for path in rule["http"]["paths"]:
                backend = path["backend"]["service"]
                service = services.get(backend["name"])
                if service is None:
                    problem(ingress, f"{path['path']}: no Service {backend['name']}")
                elif not any(
                    p.get("name") == backend["port"].get("name") or p["port"] == backend["port"].get("number")
                    for p in service["spec"]["ports"]
                ):
                    problem(ingress, f"{path['path']}: Service {backend['name']} has no such port {backend['port']}")
    for hpa in by_kind.get("HorizontalPodAutoscaler", {}).values():
        target = hpa["spec"]["scaleTargetRef"]
        deployment = by_kind.get(target["kind"], {}).get(target["name"])
        if deployment is None:
            problem(hpa, f"scales no {target['kind']} {target['name']}")
        elif "replicas" in deployment["spec"]:
            problem(deployment, "sets replicas, which every apply would reset under its autoscaler")
    for pdb in by_kind.get("PodDisruptionBudget", {}).values():
        selector = pdb["spec"]["selector"].get("matchLabels", {})
        if not any(_labels_match(selector, _pod_labels(w)) for w in workloads):
            problem(pdb, "its selector matches no pods")

    for secret in secrets.values():
        for key, encoded in (secret.get("data") or {}).items():
            value = base64.b64decode(encoded).decode()
            if key not in variables:
                problem(secret, f"{key} is no variable the bot reads")
            why = placeholder_problem(key, value)
            if why:
                problem(secret, why + " (secrets are never in the repository)")
        for key in secret.get("stringData") or {}:
            problem(secret, f"{key}: stringData in a manifest (secrets come from a secrets.env, never committed)")
    in_secrets = {key for secret in secrets.values() for key in (secret.get("data") or {})}
    for key in sorted(SECRET_VARIABLES - {"POSTGRES_PASSWORD"} - in_secrets):
        problems.append(f"{where}: no Secret holds {key} (every secret the bot reads comes from a Secret)")
    for configmap in configmaps.values():
        if configmap["metadata"]["name"].startswith("cers-config"):
            for key in configmap.get("data", {}):
                if key in SECRET_VARIABLES:
                    problem(configmap, f"{key} is a secret: it belongs in the Secret")
                elif key not in variables:
                    problem(configmap, f"{key} is no variable the bot reads")
    return problems


def _mebibytes(quantity: str) -> float:
    units = {"Ki": 1 / 1024, "Mi": 1, "Gi": 1024, "K": 1e3 / 2**20, "M": 1e6 / 2**20, "G": 1e9 / 2**20}
    match = re.fullmatch(r"([0-9.]+)([A-Za-z]*)", str(quantity))
    if not match:
        raise ValueError(f"not a memory quantity: {quantity}")
    number, unit = match.groups()
    return float(number) * (units[unit] if unit else 1 / 2**20)


# ------------------------------------------------------------------ Compose
COMPOSE = DEPLOY / "compose" / "docker-compose.yml"


def compose_schema() -> dict:
    import importlib.util

    # Only its vendored copy of the Compose specification's schema: the package itself is not imported
    # (its command line needs a jsonschema newer than Rasa allows; requirements-nodeps.lock).
    spec = importlib.util.find_spec("check_jsonschema")
    if spec is None or not spec.submodule_search_locations:
        raise SystemExit("deploy-check: check-jsonschema is not installed: run make setup (requirements-nodeps.lock)")
    path = Path(list(spec.submodule_search_locations)[0]) / "builtin_schemas" / "vendor" / "compose-spec.json"
    return json.loads(path.read_text(encoding="utf-8"))


def check_compose(compose: dict, variables: Set[str], folder: Path = COMPOSE.parent) -> List[str]:
    from jsonschema import Draft202012Validator

    where = str(COMPOSE.relative_to(ROOT))
    problems = [
        f"{where}: {'/'.join(str(p) for p in error.absolute_path) or '(top)'}: {error.message[:300]}"
        for error in Draft202012Validator(compose_schema()).iter_errors(compose)
    ]
    if problems:
        return problems
    services = compose.get("services", {})
    networks, volumes = set(compose.get("networks") or {}), set(compose.get("volumes") or {})
    subcommands: Set[str] = set()
    for name, service in services.items():
        here = f"{where}: services.{name}"
        depends = service.get("depends_on") or {}
        for other in depends if isinstance(depends, (dict, list)) else []:
            if other not in services:
                problems.append(f"{here}: depends on {other}, which is no service")
        for network in service.get("networks") or []:
            if network not in networks:
                problems.append(f"{here}: network {network} is not declared")
        for mount in service.get("volumes") or []:
            source = str(mount).split(":", 1)[0]
            if source.startswith("."):
                if not (folder / source).exists():
                    problems.append(f"{here}: mounts {source}, which does not exist")
            elif source not in volumes:
                problems.append(f"{here}: volume {source} is not declared")
        build = service.get("build")
        if build:
            dockerfile = (folder / build["context"] / build["dockerfile"]).resolve()
            if not dockerfile.exists():
                problems.append(f"{here}: no Dockerfile {dockerfile}")
        image = str(service.get("image", ""))
        if "/rasa:" in image or "/actions:" in image:  # this project's images: the entrypoint is server.sh
            command = service.get("command") or []
            if not command or command[0] not in SUBCOMMANDS:
                problems.append(f"{here}: command {command} is not one of scripts/server.sh's {sorted(SUBCOMMANDS)}")
            else:
                subcommands.add(command[0])
        elif ":" not in image.rsplit("/", 1)[-1] or image.endswith(":latest"):
            problems.append(f"{here}: image {image} has no pinned tag")
        environment = service.get("environment") or {}
        for key, value in environment.items() if isinstance(environment, dict) else []:
            if key not in variables and not key.startswith("POSTGRES_"):
                problems.append(f"{here}: {key} is no variable the bot reads")
            if key in SECRET_VARIABLES and not re.search(r"\$\{", str(value)) and placeholder_problem(key, str(value)):
                problems.append(f"{here}: {key} is written in the file: it comes from .env")
    for wanted in ("rasa", "actions", "migrate", "remind-every"):
        if wanted not in subcommands:
            problems.append(f"{where}: no service runs scripts/server.sh {wanted}")
    # Every ${VAR} the file reads is in env.example, so a county's .env starts complete.
    example = _env_file(folder / "env.example")
    for variable in sorted(set(re.findall(r"\$\{([A-Z_]+)", COMPOSE.read_text(encoding="utf-8")))):
        if variable not in example:
            problems.append(f"{where}: ${{{variable}}} is not in env.example")
    return problems


def check_haproxy(config: Path) -> List[str]:
    """`haproxy -c` on the compose haproxy.cfg, with a throwaway certificate (haproxy: Debian's, installed when missing, as root)."""
    haproxy = shutil.which("haproxy") or ("/usr/sbin/haproxy" if Path("/usr/sbin/haproxy").exists() else None)
    if not haproxy and os.geteuid() == 0:
        env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
        subprocess.run(["apt-get", "update", "-qq"], env=env, capture_output=True, timeout=300)
        subprocess.run(["apt-get", "install", "-y", "-qq", "haproxy"], env=env, capture_output=True, timeout=300)
        haproxy = shutil.which("haproxy") or ("/usr/sbin/haproxy" if Path("/usr/sbin/haproxy").exists() else None)
    if not haproxy:
        print("  haproxy -c: skipped (haproxy is not installed and we are not root to install it)")
        return []
    with tempfile.TemporaryDirectory() as folder:
        key, cert, pem = (Path(folder) / name for name in ("key", "cert", "bot.pem"))
        made = subprocess.run(
            ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=bot.example.gov"]
            + ["-keyout", str(key), "-out", str(cert)],
            capture_output=True,
            timeout=60,
        )
        if made.returncode:
            return [f"openssl could not make a test certificate: {made.stderr.decode()[:300]}"]
        pem.write_text(cert.read_text() + key.read_text())
        text = config.read_text(encoding="utf-8").replace("/usr/local/etc/haproxy/certs/bot.pem", str(pem))
        (Path(folder) / "haproxy.cfg").write_text(text)
        result = subprocess.run(
            [haproxy, "-c", "-f", str(Path(folder) / "haproxy.cfg")], capture_output=True, text=True
        )
    # Docker's names (rasa-1, ...) do not resolve here: haproxy says so and carries on (init-addr none).
    other_warnings = [
        line for line in result.stderr.splitlines() if "WARNING" in line and "could not resolve address" not in line
    ]
    if result.returncode or other_warnings:
        return [f"{config.relative_to(ROOT)}: haproxy -c: {result.stderr.strip()[-1500:]}"]
    return []


def _env_file(path: Path) -> Dict[str, str]:
    values = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            key, _, value = line.partition("=")
            values[key.strip()] = value.strip()
    return values


# ------------------------------------------------------------------ Dockerfiles
def dockerfile_instructions(path: Path) -> List[Tuple[str, str]]:
    """(INSTRUCTION, arguments) with continuation lines joined and comments dropped."""
    instructions, current = [], ""
    for line in path.read_text(encoding="utf-8").splitlines():
        if not current and (not line.strip() or line.lstrip().startswith("#")):
            continue
        current += line.rstrip("\\").strip() + " "
        if not line.rstrip().endswith("\\"):
            word, _, rest = current.strip().partition(" ")
            instructions.append((word.upper(), rest.strip()))
            current = ""
    return instructions


def check_dockerfile(path: Path) -> List[str]:
    where = str(path.relative_to(ROOT))
    problems = []
    lint = subprocess.run(
        [str(VENV_BIN / "hadolint"), "--no-color", str(path)], capture_output=True, text=True, timeout=120
    )
    if lint.returncode:
        problems.append(f"{where}: hadolint:\n{lint.stdout.strip()}{lint.stderr.strip()}")
    instructions = dockerfile_instructions(path)
    entrypoints = [json.loads(args) for word, args in instructions if word == "ENTRYPOINT"]
    commands = [json.loads(args) for word, args in instructions if word == "CMD"]
    if not entrypoints or entrypoints[-1] != [SERVER_SCRIPT]:
        problems.append(f"{where}: the entrypoint must be [{SERVER_SCRIPT!r}], the script make cluster runs")
    if not commands or commands[-1][:1] not in (["rasa"], ["actions"]):
        problems.append(f"{where}: CMD must be scripts/server.sh's rasa or actions")
    for word, args in instructions:
        if word in ("COPY", "ADD") and "--from=" not in args:
            for source in args.split()[:-1]:
                if not source.startswith("--") and not (ROOT / source).exists():
                    problems.append(f"{where}: {word} {source}: no such file in the repository")
        if word == "RUN":
            for target in re.findall(r"\bmake ([^\s&;|]+)", args):
                dry = subprocess.run(["make", "-n", "-C", str(ROOT), target], capture_output=True, text=True)
                if "No rule to make target" in dry.stderr:
                    problems.append(f"{where}: RUN make {target}: the Makefile has no such target")
    return problems


# ------------------------------------------------------------------ one set of commands
def check_cluster_runs_the_same_commands() -> List[str]:
    text = (ROOT / "scripts" / "cluster.sh").read_text(encoding="utf-8")
    ran = set(re.findall(r'scripts/server\.sh"? (rasa|actions|migrate)\b', text))
    return [
        f"scripts/cluster.sh does not start {name} with scripts/server.sh (the containers' command)"
        for name in ("rasa", "actions", "migrate")
        if name not in ran
    ]


def exercise_server_script() -> List[str]:
    """scripts/server.sh migrate and wait-for-schema on throwaway SQLite databases, and its refusal of placeholders."""
    problems = []
    script = str(ROOT / "scripts" / "server.sh")
    with tempfile.TemporaryDirectory() as folder:
        env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "TRACKER_STORE_URL", "REDIS_URL")}
        env.update(DATABASE_URL=f"sqlite:///{folder}/facilities.db", TRACKER_STORE_URL=f"sqlite:///{folder}/c.db")
        # The reminder job as the CronJob runs it, on the migrated database: nothing to send, exit 0.
        for args in (["migrate"], ["wait-for-schema", "10"], ["remind", "--dry-run", "--now", "2027-02-15T10:00"]):
            result = subprocess.run([script, *args], env=env, capture_output=True, text=True, timeout=180)
            if result.returncode:
                problems.append(f"scripts/server.sh {' '.join(args)} failed:\n{result.stderr[-1500:]}")
        env["SESSION_SECRET"] = PLACEHOLDER
        result = subprocess.run([script, "actions"], env=env, capture_output=True, text=True, timeout=30)
        if result.returncode == 0 or "SESSION_SECRET" not in result.stderr:
            problems.append("scripts/server.sh started with SESSION_SECRET=CHANGE-ME: placeholders must stop it")
    return problems


GUARD = r"""
import importlib, importlib.metadata as md, pkgutil, re, sys
from packaging.requirements import Requirement
wanted = [l.strip() for l in open(sys.argv[1]) if l.strip() and not l.startswith("#")]
def norm(name): return re.sub(r"[-_.]+", "-", name).lower()
allowed, todo = set(), list(wanted)
while todo:
    name = norm(Requirement(todo.pop()).name)
    if name in allowed: continue
    allowed.add(name)
    for text in md.requires(name) or []:
        req = Requirement(text)
        if req.marker is None or req.marker.evaluate({"extra": ""}):
            todo.append(text)
# The top-level modules the allowed distributions install (from their RECORD files).
tops = set()
for name in allowed:
    for file in md.distribution(name).files or []:
        first = file.parts[0]
        if first != ".." and not first.endswith((".dist-info", ".data", ".pth")):
            tops.add(first.split(".")[0] if len(file.parts) == 1 else first)
import importlib.machinery, site, sysconfig
installed = tuple(site.getsitepackages()) + (sysconfig.get_paths()["purelib"],)
class Refuse:
    # Any top-level module found among the installed packages must belong to an allowed distribution.
    def find_spec(self, fullname, path=None, target=None):
        if "." in fullname or fullname in tops:
            return None
        spec = importlib.machinery.PathFinder.find_spec(fullname)
        origin = (spec.origin or "") if spec else ""
        locations = list(spec.submodule_search_locations or []) if spec else []
        if any(str(p).startswith(installed) for p in [origin, *locations] if p):
            raise ImportError(f"{fullname} is not in the action server's image (deploy/docker/actions-requirements.txt)")
        return None
sys.meta_path.insert(0, Refuse())
# Every module of actions/, then every import written anywhere in the project's modules it loads
# (also those inside functions: a store imports redis or psycopg2 only when its URL names them).
import actions
for module in pkgutil.walk_packages(actions.__path__, "actions."):
    importlib.import_module(module.name)
import ast
done = set()
while True:
    ours = [m for name, m in list(sys.modules.items()) if name.split(".")[0] in ("actions", "cers") and name not in done]
    if not ours:
        break
    for module in ours:
        done.add(module.__name__)
        source = getattr(module, "__file__", None)
        if not source or not source.endswith(".py"):
            continue
        for node in ast.walk(ast.parse(open(source).read())):
            names = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            for name in names:
                importlib.import_module(name)
import psycopg2  # SQLAlchemy's PostgreSQL driver: loaded by a postgresql+psycopg2:// URL, not by an import
"""


def check_action_image_packages() -> List[str]:
    requirements = DEPLOY / "docker" / "actions-requirements.txt"
    locked = {
        re.sub(r"[-_.]+", "-", line.split("==")[0]).lower()
        for line in (ROOT / "requirements.lock").read_text(encoding="utf-8").splitlines()
        if "==" in line
    }
    problems = [
        f"{requirements.relative_to(ROOT)}: {line} is not in requirements.lock (the image installs its pinned version)"
        for line in _env_lines(requirements)
        if re.sub(r"[-_.]+", "-", line).lower() not in locked
    ]
    result = subprocess.run(
        [str(VENV_BIN / "python"), "-c", GUARD, str(requirements)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=180,
        env=dict(os.environ, PYTHONWARNINGS="ignore"),
    )
    if result.returncode:
        problems.append(
            f"{requirements.relative_to(ROOT)}: actions/ and cers/ do not import with only these packages:\n"
            + result.stderr.strip()[-1500:]
        )
    return problems


def _env_lines(path: Path) -> List[str]:
    return [
        line.strip()
        for line in path.read_text(encoding="utf-8").splitlines()
        if line.strip() and not line.startswith("#")
    ]


# ------------------------------------------------------------------ secrets
def check_no_secrets() -> List[str]:
    problems = []
    for path in sorted(DEPLOY.rglob("*")):
        if not path.is_file():
            continue
        where = str(path.relative_to(ROOT))
        text = path.read_text(encoding="utf-8", errors="replace")
        if "PRIVATE KEY-----" in text:
            problems.append(f"{where}: holds a private key")
        if path.name.endswith(".env") or path.name == "env.example":
            for key, value in _env_file(path).items():
                why = placeholder_problem(key, value)
                if why:
                    problems.append(f"{where}: {why}")
    return problems


# ------------------------------------------------------------------ main
def main() -> int:
    started = time.monotonic()
    problems = Problems()
    variables = known_variables()
    sizes_file = DEPLOY / "sizes.json"
    sizes = json.loads(sizes_file.read_text()) if sizes_file.exists() else {}

    def step(name: str) -> None:
        print(f"deploy-check: {name} ({time.monotonic() - started:.1f} s)", flush=True)

    step("kubectl kustomize deploy/k8s/overlays/*")
    rendered = render_overlays()
    for where, docs in rendered.items():
        step(f"{where}: {len(docs)} objects against the Kubernetes {K8S_VERSION} schemas, then references")
        problems.extend(validate_schemas(where, docs))
        problems.extend(check_k8s(where, docs, variables, sizes))
    step("deploy/compose: the Compose specification, references, haproxy -c")
    problems.extend(check_compose(yaml.safe_load(COMPOSE.read_text(encoding="utf-8")), variables))
    problems.extend(check_haproxy(COMPOSE.parent / "haproxy.cfg"))
    for dockerfile in sorted((DEPLOY / "docker").glob("*.Dockerfile")):
        step(f"{dockerfile.relative_to(ROOT)}: hadolint, files, make targets, command")
        problems.extend(check_dockerfile(dockerfile))
    step(
        "the same commands as make cluster: scripts/server.sh migrate, wait-for-schema and remind --dry-run here, on SQLite"
    )
    problems.extend(check_cluster_runs_the_same_commands())
    problems.extend(exercise_server_script())
    step("the action server's image: actions/ and cers/ import with its packages alone")
    problems.extend(check_action_image_packages())
    step("no secret in deploy/")
    problems.extend(check_no_secrets())
    if problems.items:
        print("\nFAIL: make deploy-check found:\n- " + "\n- ".join(problems.items), file=sys.stderr)
        return 1
    print(f"deploy-check passed in {time.monotonic() - started:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
