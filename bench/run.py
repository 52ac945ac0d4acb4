"""`make bench`: training time, start-up time, memory, REST latency/throughput against the
`rasa init` bot (side by side, alternating), and held-out accuracy and parse time for three NLU
pipelines.

Prints a table and writes it into README.md between the BENCHMARK markers.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shlex
import shutil
import signal
import statistics
import subprocess
import sys
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Dict, List

import requests
import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.servers import Server, action_server, base_env, free_port, rasa_server, write_endpoints  # noqa: E402

WORK = ROOT / "var" / "bench"
RASA = str(ROOT / ".venv" / "bin" / "rasa")
PY = str(ROOT / ".venv" / "bin" / "python")

OUR_MESSAGES = [
    "how do I add a user?",
    "when is it due",
    "hi",
    "what is a cers id",
    "how do i log in",
    "what's your phone number",
    "how do I update my business information",
    "thanks",
    "who has to submit",
    "i forgot my pasword",
]
INIT_MESSAGES = [
    "hi",
    "I am sad",
    "yes",
    "great",
    "no",
    "are you a bot?",
    "bye",
    "hello there",
    "I'm feeling very good",
    "not really",
]


def log(message: str) -> None:
    print(message, flush=True)


def timed(args: List[str], cwd: Path, env=None) -> float:
    started = time.perf_counter()
    subprocess.run(
        args, cwd=cwd, env=env or base_env(), check=True, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT
    )
    return time.perf_counter() - started


# ------------------------------------------------------------------ training
def train_ours() -> float:
    out = WORK / "models"
    shutil.rmtree(out, ignore_errors=True)
    return timed(
        [RASA, "train", "--fixed-model-name", "cers", "--out", str(out), "--force", "--num-threads", "2"], ROOT
    )


def init_bot() -> Path:
    """The bot `rasa init` makes, trained once and kept in var/bench/initbot."""
    folder = WORK / "initbot"
    model = folder / "models" / "init.tar.gz"
    if not model.exists():
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir(parents=True)
        log("creating and training the `rasa init` bot (once; a few minutes)...")
        subprocess.run(
            [RASA, "init", "--no-prompt", "--init-dir", str(folder)],
            cwd=folder,
            env=base_env(),
            check=True,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.STDOUT,
            timeout=3600,
        )
        for old in (folder / "models").glob("*.tar.gz"):
            old.unlink()
        timed([RASA, "train", "--fixed-model-name", "init", "--out", "models"], folder)
    return model


# ------------------------------------------------------------------ latency
def one_conversation(url: str, messages: List[str]) -> List[float]:
    sender = f"bench-{uuid.uuid4().hex[:10]}"
    times = []
    with requests.Session() as session:
        for message in messages:
            started = time.perf_counter()
            response = session.post(url, json={"sender": sender, "message": message}, timeout=60)
            response.raise_for_status()
            times.append(time.perf_counter() - started)
    return times


def load_run(url: str, messages: List[str], conversations: int, per_conversation: int) -> Dict[str, float]:
    script = [messages[i % len(messages)] for i in range(per_conversation)]
    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=conversations) as pool:
        results = list(pool.map(lambda _: one_conversation(url, script), range(conversations)))
    elapsed = time.perf_counter() - started
    latencies = sorted(t for times in results for t in times)
    return {
        "p50": statistics.median(latencies) * 1000,
        "p95": latencies[int(0.95 * (len(latencies) - 1))] * 1000,
        "throughput": len(latencies) / elapsed,
    }


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def latency_side_by_side(rounds: int, per_conversation: int) -> Dict[str, Dict[str, float]]:
    init_model = init_bot()
    env = base_env(CERS_TODAY="2026-11-23")
    actions = action_server(env).start()
    endpoints = write_endpoints(WORK / "endpoints.yml", actions.url, f"sqlite:///{WORK}/bench-conversations.db")
    ours = rasa_server(env, ROOT / "models" / "cers.tar.gz", ROOT / "credentials.yml", endpoints).start()
    init_folder = init_model.parent.parent
    theirs = Server(
        name="init-bot",
        env=base_env(),
        health_path="/",
        args=[
            RASA,
            "run",
            "--model",
            str(init_model),
            "--port",
            "{port}",
            "--credentials",
            str(init_folder / "credentials.yml"),
            "--endpoints",
            str(init_folder / "endpoints.yml"),
        ],
    ).start()
    bots = {"ours": (ours, OUR_MESSAGES), "init": (theirs, INIT_MESSAGES)}
    samples: Dict[str, Dict[str, List[float]]] = {name: {} for name in bots}
    try:
        for _name, (server, messages) in bots.items():  # warm up both
            load_run(server.url + "/webhooks/rest/webhook", messages, 2, 10)
        for round_number in range(rounds):
            order = list(bots) if round_number % 2 == 0 else list(reversed(list(bots)))
            for name in order:
                server, messages = bots[name]
                url = server.url + "/webhooks/rest/webhook"
                for label, conversations in (("1", 1), ("20", 20)):
                    result = load_run(url, messages, conversations, per_conversation)
                    for key, value in result.items():
                        samples[name].setdefault(f"{key}@{label}", []).append(value)
            log(f"  latency round {round_number + 1}/{rounds} done")
        memory = {name: rss_mb(server.process.pid) for name, (server, _) in bots.items()}
    finally:
        ours.stop()
        theirs.stop()
        actions.stop()
    summary = {
        name: {key: statistics.median(values) for key, values in metrics.items()} for name, metrics in samples.items()
    }
    for name in summary:
        summary[name]["rss_mb"] = memory[name]
    return summary


def checkout_server(folder: Path, env: Dict[str, str], endpoints: Path, name: str) -> Server:
    """This bot's Rasa server as a checkout (folder) runs it: its launcher, code and model."""
    python = folder / ".venv" / "bin" / "python"
    # Started from that folder, so that `channels` (launcher, policies, tracker store) is its own.
    command = (
        f"cd {shlex.quote(str(folder))} && exec {shlex.quote(str(python))} -m channels.serve run "
        f"--model models/cers.tar.gz --credentials credentials.yml "
        f"--endpoints {shlex.quote(str(endpoints))} --port {{port}}"
    )
    return Server(name=f"{name}-rasa-server", env=env, health_path="/", args=["bash", "-c", command])


def checkout_action_server(folder: Path, env: Dict[str, str], name: str) -> Server:
    """The checkout's own action server, as that checkout starts it: its launcher (actions/serve.py)
    when it has one, else `rasa run actions` (before the launcher existed)."""
    python = folder / ".venv" / "bin" / "python"
    launcher = (
        "-m actions.serve" if (folder / "actions" / "serve.py").exists() else "-m rasa run actions --actions actions"
    )
    command = f"cd {shlex.quote(str(folder))} && exec {shlex.quote(str(python))} {launcher} --port {{port}}"
    return Server(name=f"{name}-action-server", env=env, health_path="/health", args=["bash", "-c", command])


def latency_against_baseline(
    baseline: Path, rounds: int, per_conversation: int, restarts: int
) -> Dict[str, Dict[str, float]]:
    """This checkout's Rasa server and the baseline checkout's (e.g. a git worktree of an earlier
    commit, with its own model), started the same way, each with its own action server (the
    checkout's actions) and fresh conversation databases, side by side in alternating rounds. One pair of servers is not
    enough: a checkout measured against itself with one pair showed up to 15% between its two
    servers. So the pair is started `restarts` times, which one starts first alternating, and
    the rounds of all of them pooled: medians."""
    env = base_env(CERS_TODAY="2026-11-23")
    folders = {"ours": ROOT, "baseline": baseline}
    samples: Dict[str, Dict[str, List[float]]] = {name: {} for name in folders}
    memory: Dict[str, List[float]] = {name: [] for name in folders}
    # The facility database, migrated once (a checkout that migrates on first use finds it ready).
    env["DATABASE_URL"] = f"sqlite:///{WORK}/baseline-facilities.db"
    subprocess.run([PY, "-m", "cers.facilities.migrations"], cwd=ROOT, env=env, check=True)
    actions = {name: checkout_action_server(folder, env, name).start() for name, folder in folders.items()}
    try:
        for restart in range(restarts):
            names = list(folders) if restart % 2 == 0 else list(reversed(list(folders)))
            servers: Dict[str, Server] = {}
            try:
                for name in names:
                    for old in WORK.glob(f"{name}-conversations.db*"):
                        old.unlink()
                    endpoints = write_endpoints(
                        WORK / f"endpoints-{name}.yml",
                        actions[name].url,
                        f"sqlite:///{WORK}/{name}-conversations.db",
                        checkout=folders[name],
                    )
                    servers[name] = checkout_server(folders[name], env, endpoints, name).start()
                for server in servers.values():  # warm up both
                    load_run(server.url + "/webhooks/rest/webhook", OUR_MESSAGES, 2, 10)
                for round_number in range(rounds):
                    for name in names if round_number % 2 == 0 else names[::-1]:
                        url = servers[name].url + "/webhooks/rest/webhook"
                        for label, conversations in (("1", 1), ("20", 20)):
                            result = load_run(url, OUR_MESSAGES, conversations, per_conversation)
                            for key, value in result.items():
                                samples[name].setdefault(f"{key}@{label}", []).append(value)
                    log(f"  servers {restart + 1}/{restarts}: round {round_number + 1}/{rounds} done")
                for name, server in servers.items():
                    memory[name].append(rss_mb(server.process.pid))
            finally:
                for server in servers.values():
                    server.stop()
    finally:
        for server in actions.values():
            server.stop()
    summary = {
        name: {key: statistics.median(values) for key, values in metrics.items()} for name, metrics in samples.items()
    }
    for name in summary:
        summary[name]["rss_mb"] = statistics.median(memory[name])
    return summary


# ------------------------------------------------------------------ start-up
def time_to_first_answer() -> float:
    """From `make run` to the first correct answer (model already trained)."""
    action_port, rasa_port = free_port(), free_port()
    env = base_env(
        ACTION_PORT=str(action_port),
        RASA_PORT=str(rasa_port),
        ACTION_SERVER_URL=f"http://127.0.0.1:{action_port}/webhook",
        TRACKER_STORE_URL=f"sqlite:///{WORK}/startup-conversations.db",
    )
    started = time.perf_counter()
    process = subprocess.Popen(
        ["make", "run"], cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT, start_new_session=True
    )
    try:
        while time.perf_counter() - started < 300:
            try:
                replies = requests.post(
                    f"http://127.0.0.1:{rasa_port}/webhooks/rest/webhook",
                    json={"sender": "startup", "message": "how do I add a user?"},
                    timeout=10,
                ).json()
                if any("Add a Person" in r.get("text", "") for r in replies):
                    return time.perf_counter() - started
            except requests.RequestException:
                pass
            time.sleep(0.25)
        raise RuntimeError("make run gave no answer within 5 minutes")
    finally:
        os.killpg(process.pid, signal.SIGINT)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)


# ------------------------------------------------------------------ NLU variants
PREVIOUS_PIPELINE = [  # the pipeline before issue 8: lemma and character n-gram counts, logistic regression
    {"name": "SpacyNLP", "model": "build/spacy_en_lookup"},
    {"name": "SpacyTokenizer"},
    {"name": "RegexFeaturizer"},
    {"name": "CountVectorsFeaturizer", "use_lemma": True},
    {"name": "CountVectorsFeaturizer", "analyzer": "char_wb", "min_ngram": 2, "max_ngram": 5, "use_lemma": False},
    {"name": "LogisticRegressionClassifier", "max_iter": 300},
]


def nlu_variants() -> Dict[str, Dict]:
    """Each pipeline trained on the same data, scored on every held-out set, with its parse time."""
    from scripts.evaluate_nlu import evaluate, quiet

    quiet()
    ours = yaml.safe_load((ROOT / "config.yml").read_text())
    ours.pop("policies", None)
    tail = [c for c in ours["pipeline"] if c["name"] in ("FallbackClassifier", "channels.triage.TriageOverride")]
    no_embeddings = yaml.safe_load(yaml.safe_dump(ours))
    for component in no_embeddings["pipeline"]:
        if component["name"].endswith("CersIntentClassifier"):
            component["sentence_embeddings"] = False
    previous = dict(ours, pipeline=PREVIOUS_PIPELINE + tail)
    variants = {
        "this config (SVM, words + characters + MiniLM embedding)": ours,
        "the same without the embedding": no_embeddings,
        "previous config (logistic regression on counts)": previous,
    }
    scores = {}
    for label, config in variants.items():
        folder = WORK / "nlu" / re.sub(r"\W+", "-", label).strip("-")[:40]
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "config.yml").write_text(yaml.safe_dump(config, sort_keys=False))
        seconds = timed(
            [
                RASA,
                "train",
                "nlu",
                "--config",
                str(folder / "config.yml"),
                "--nlu",
                "data",
                "--out",
                str(folder),
                "--fixed-model-name",
                "nlu",
            ],
            ROOT,
        )
        figures, _ = evaluate(str(folder / "nlu.tar.gz"), emergencies=False, show=lambda line: None)
        scores[label] = {"train_s": seconds, **figures}
        log(
            f"  NLU {label}: "
            + ", ".join(f"{name} {f['accuracy']:.3f}" for name, f in figures.items())
            + f", {figures['strangers']['parse_ms']:.1f} ms per parse, trained in {seconds:.0f} s"
        )
    return scores


# ------------------------------------------------------------------ report
def report(results: dict) -> str:
    lines = [f"Measured on {time.strftime('%Y-%m-%d')}, {os.cpu_count()} cores, by `make bench`.", ""]
    if "train_s" in results:
        lines.append(f"- Training time (full model, forced): {results['train_s']:.0f} s")
    if "startup_s" in results:
        lines.append(f"- `make run` to the first answer (model already trained): {results['startup_s']:.1f} s")
    latency = results.get("latency")
    if latency:
        ours, init = latency["ours"], latency["init"]
        lines.append(
            f"- Rasa server resident memory after the runs: {ours['rss_mb']:.0f} MB (init bot: {init['rss_mb']:.0f} MB)"
        )
        lines += [
            "",
            "REST webhook, medians over alternating rounds:",
            "",
            "| | this bot | `rasa init` bot | ratio | target |",
            "|---|---|---|---|---|",
        ]
        for key, label, target in (
            ("p50@1", "p50, 1 conversation (ms)", "≤ 0.4"),
            ("p95@1", "p95, 1 conversation (ms)", ""),
            ("p50@20", "p50, 20 concurrent (ms)", "≤ 0.4"),
            ("p95@20", "p95, 20 concurrent (ms)", ""),
            ("throughput@1", "throughput, 1 conversation (msg/s)", "≥ 2.5"),
            ("throughput@20", "throughput, 20 concurrent (msg/s)", "≥ 2.5"),
        ):
            lines.append(f"| {label} | {ours[key]:.1f} | {init[key]:.1f} | {ours[key] / init[key]:.2f} | {target} |")
    nlu = results.get("nlu")
    if nlu and all(isinstance(v, dict) for v in nlu.values()):
        lines += [
            "",
            'NLU variants, same training data, accuracy on each held-out set (a "Did you mean" '
            "counts as wrong) and the mean time to parse one message of the strangers' set (in-process):",
            "",
            "| pipeline | strangers | strangers, second | Part C | project | parse (ms) | NLU training |",
            "|---|---|---|---|---|---|---|",
        ]
        for label, f in nlu.items():
            second = f.get("strangers_second", {}).get("accuracy")
            lines.append(
                f"| {label} | {f['strangers']['accuracy']:.3f} | "
                + (f"{second:.3f}" if second is not None else "-")
                + f" | {f['programs']['accuracy']:.3f} | {f['project']['accuracy']:.3f} | "
                f"{f['strangers']['parse_ms']:.1f} | {f['train_s']:.0f} s |"
            )
    return "\n".join(lines)


def baseline_report(latency: dict, command: str) -> str:
    ours, before = latency["ours"], latency["baseline"]
    lines = [
        f"Measured on {time.strftime('%Y-%m-%d')}, {os.cpu_count()} cores, by `{command}` run from {ROOT}: "
        "both servers side by side (same machine, each checkout's own action server, alternating rounds, "
        "fresh pairs of servers), medians over all rounds:",
        "",
        "| | this checkout | baseline | ratio |",
        "|---|---|---|---|",
    ]
    for key, label in (
        ("p50@1", "p50, 1 conversation (ms)"),
        ("p95@1", "p95, 1 conversation (ms)"),
        ("p50@20", "p50, 20 concurrent (ms)"),
        ("p95@20", "p95, 20 concurrent (ms)"),
        ("throughput@1", "throughput, 1 conversation (msg/s)"),
        ("throughput@20", "throughput, 20 concurrent (msg/s)"),
        ("rss_mb", "resident memory (MB)"),
    ):
        lines.append(f"| {label} | {ours[key]:.1f} | {before[key]:.1f} | {ours[key] / before[key]:.2f} |")
    return "\n".join(lines)


def write_readme(section: str, marker: str = "BENCHMARK") -> None:
    readme = ROOT / "README.md"
    text = readme.read_text()
    start, end = f"<!-- {marker}:START -->", f"<!-- {marker}:END -->"
    if start in text and end in text:
        before, rest = text.split(start, 1)
        after = rest.split(end, 1)[1]
        readme.write_text(f"{before}{start}\n{section}\n{end}{after}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--messages", type=int, default=20, help="messages per conversation per run")
    parser.add_argument("--only", choices=["train", "startup", "latency", "nlu"], action="append")
    parser.add_argument(
        "--baseline",
        type=Path,
        metavar="FOLDER",
        help="only latency and throughput, against this bot as FOLDER runs it (another "
        "checkout with its own models/cers.tar.gz and .venv) instead of the `rasa init` "
        "bot; written into README.md between the BENCHMARK-BASELINE markers",
    )
    parser.add_argument(
        "--restarts", type=int, default=3, help="with --baseline: how many fresh pairs of servers, each for --rounds"
    )
    args = parser.parse_args()
    WORK.mkdir(parents=True, exist_ok=True)
    if args.baseline:
        log(f"latency and throughput, side by side with {args.baseline}...")
        latency = latency_against_baseline(args.baseline.resolve(), args.rounds, args.messages, args.restarts)
        (WORK / "baseline.json").write_text(json.dumps({"baseline": str(args.baseline), "latency": latency}))
        command = (
            f"python -m bench.run --baseline {args.baseline} --rounds {args.rounds} "
            f"--messages {args.messages} --restarts {args.restarts}"
        )
        section = baseline_report(latency, command)
        print()
        print(section)
        write_readme(section, marker="BENCHMARK-BASELINE")  # only where README.md has these markers
        return 0
    parts = args.only or ["train", "startup", "latency", "nlu"]
    # Each part's result is saved as soon as it is measured, so a part run later with --only
    # (or a run stopped during the long NLU part) still completes the README table.
    saved = WORK / "results.json"
    results: dict = json.loads(saved.read_text()) if saved.exists() and args.only else {}
    steps = {
        "train": ("training time...", "train_s", train_ours),
        "startup": ("time from `make run` to the first answer...", "startup_s", time_to_first_answer),
        "latency": (
            "latency and throughput, side by side with the `rasa init` bot...",
            "latency",
            lambda: latency_side_by_side(args.rounds, args.messages),
        ),
        "nlu": ("NLU accuracy and parse time for three pipelines...", "nlu", nlu_variants),
    }
    for part in parts:
        message, key, measure = steps[part]
        log(message)
        results[key] = measure()
        saved.write_text(json.dumps(results))
    section = report(results)
    print()
    print(section)
    if all(key in results for key in ("train_s", "startup_s", "latency", "nlu")):
        write_readme(section)
        print("\n(written into README.md)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
