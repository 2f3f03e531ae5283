"""Model server figures, next to `mlflow models serve` on the same package, same machine.

Run: python tests/benchmarks/bench_serving.py [--rounds 3] [--seconds 5] [--fuzz 10000]
     (mlflow is a benchmark-only dependency: pip install -e ".[bench]")

Registers a scikit-learn pipeline (StandardScaler + OneHotEncoder + LogisticRegression on 4
columns) from a notebook through the registry, then, alternating ours and MLflow's server
(`--env-manager local`: no conda or network here) for each round, on loopback:
- latency: sequential one-row requests on a keep-alive connection, p50 and p99;
- throughput: CLIENTS keep-alive client threads for --seconds (a closed loop: each sends its
  next request when it has its answer), requests per second, and the server's CPU time per
  request (psutil), which other work on the machine does not change; for ours also how many
  requests shared a predict call (concurrent requests are joined: serving/batch.py);
Then 10,000 malformed requests (fuzzed bodies, content types, headers and request lines)
at our server: the count of 5xx answers (target 0), whether it still answers /ping, and its
RSS before and after. Targets: p50 <= 3 ms; throughput >= 2x MLflow's; zero 5xx, still up,
RSS flat (<= +10 MB). Medians of rounds; prints a table and exits 1 when a target is missed.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))  # run from a source checkout
CLIENTS = 4
ROW = {"age": 41.5, "income": 23000.0, "plan": "basic", "visits": 3}
BODY = json.dumps({"dataframe_split": {"columns": list(ROW), "data": [list(ROW.values())]}})


def build_package(folder: str) -> tuple[str, str]:
    from jupyter_mlops.registry import resolve
    from jupyter_mlops.registry.verify import export
    from jupyter_mlops.store import Store
    from tests.serving.conftest import churn_frame, write_notebook

    churn_frame(2000, 1).to_csv(os.path.join(folder, "train.csv"), index=False)
    churn_frame(1000, 2).to_csv(os.path.join(folder, "test.csv"), index=False)
    store = Store.open(os.path.join(folder, "store"))
    export(write_notebook(folder), "churn", alias="production", store=store)
    return os.path.join(folder, "store"), resolve("churn@production", store)[2]


def predict_floor(package: str, n: int = 200) -> float:
    """The model's own predict on the one-row frame, in this process (ms, median): what
    neither server can go below."""
    import pandas as pd

    from jupyter_mlops import load_model

    model = load_model(package)
    frame = pd.DataFrame([ROW])
    times = []
    for _ in range(n):
        t = time.perf_counter()
        model.predict(frame)
        times.append(time.perf_counter() - t)
    return statistics.median(times) * 1000


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def venv_command(name: str) -> str:
    """``name`` from this interpreter's bin directory (the venv the bench runs in), so PATH
    need not name it; PATH's otherwise."""
    here = os.path.join(os.path.dirname(sys.executable), name)
    found = here if os.access(here, os.X_OK) else shutil.which(name)
    if found is None:
        raise SystemExit(f"{name} not found beside {sys.executable} nor on PATH: "
                         'pip install -e ".[bench]"')
    return found


def start(cmd: list[str], port: int) -> subprocess.Popen:
    """``cmd`` with this interpreter's bin directory first on PATH (MLflow's CLI starts
    its server programs by name)."""
    env = {**os.environ, "PATH": os.path.dirname(sys.executable) + os.pathsep
           + os.environ.get("PATH", "")}
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            c = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            c.request("GET", "/ping")
            if c.getresponse().status == 200:
                return proc
        except OSError:
            time.sleep(0.3)
    proc.kill()
    raise SystemExit(f"server did not start: {' '.join(cmd)}")


def predict(conn: http.client.HTTPConnection) -> None:
    conn.request("POST", "/invocations", BODY, {"Content-Type": "application/json"})
    answer = conn.getresponse()
    answer.read()
    if answer.status != 200:
        raise SystemExit(f"prediction failed: HTTP {answer.status}")


def latency(port: int, n: int = 400) -> tuple[float, float]:
    conn = http.client.HTTPConnection("127.0.0.1", port)
    for _ in range(50):
        predict(conn)
    times = []
    for _ in range(n):
        t = time.perf_counter()
        predict(conn)
        times.append(time.perf_counter() - t)
    times.sort()
    return times[len(times) // 2] * 1000, times[int(len(times) * 0.99)] * 1000


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a server process and its children (MLflow's CLI starts
    uvicorn as a child)."""
    import psutil

    process = psutil.Process(pid)
    total = 0.0
    for p in [process, *process.children(recursive=True)]:
        times = p.cpu_times()
        total += times.user + times.system
    return total


def model_calls(port: int) -> float:
    """Our server's count of predict calls (0 for MLflow's, which has no such series)."""
    conn = http.client.HTTPConnection("127.0.0.1", port)
    conn.request("GET", "/metrics")
    found = re.search(rb"^mlops_model_calls_total (\S+)$", conn.getresponse().read(), re.M)
    return float(found[1]) if found else 0.0


def throughput(port: int, seconds: float, pid: int) -> tuple[float, float, float]:
    """(requests per second, server CPU milliseconds per request, requests per predict
    call). The second does not depend on how much of the machine other work leaves to the
    server."""
    done = [0] * CLIENTS
    calls = model_calls(port)
    cpu = cpu_seconds(pid)
    stop = time.monotonic() + seconds

    def client(i: int) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port)
        while time.monotonic() < stop:
            predict(conn)
            done[i] += 1

    threads = [threading.Thread(target=client, args=(i,)) for i in range(CLIENTS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    cpu_ms = (cpu_seconds(pid) - cpu) * 1000 / max(1, sum(done))
    calls = model_calls(port) - calls
    return sum(done) / seconds, cpu_ms, sum(done) / calls if calls else 1.0


def fuzz_requests(count: int, seed: int = 0):
    """(method, path, headers, body) or raw bytes for a malformed request line."""
    rng = random.Random(seed)
    junk_values = [None, True, "x", "", 1e308, -0.0, 10**30, [], {}, [1, [2]], {"a": 1},
                   "\u202e\x00", 3.5, -7]
    templates = [
        lambda: os.urandom(rng.randint(0, 400)),
        lambda: BODY[: rng.randint(0, len(BODY) - 1)].encode(),
        lambda: json.dumps({"dataframe_split": {"columns": list(ROW),
                                                "data": [[rng.choice(junk_values)
                                                          for _ in ROW]]}}).encode(),
        lambda: json.dumps({"dataframe_records": [{k: rng.choice(junk_values) for k in ROW
                                                   if rng.random() < 0.8}]}).encode(),
        lambda: json.dumps({rng.choice(["instances", "inputs", "dataframe_split", "x"]):
                            rng.choice(junk_values)}).encode(),
        lambda: json.dumps(rng.choice(junk_values)).encode(),
        lambda: b"[" * rng.randint(1, 100_000),
        lambda: b"age,income\n" + os.urandom(rng.randint(0, 200)),
        lambda: json.dumps({"inputs": {k: [rng.choice(junk_values)] * rng.randint(0, 3)
                                       for k in ROW}}).encode(),
    ]
    types = ["application/json", "text/csv", "application/xml", "", "application/json; x=y",
             "multipart/form-data", "text/csv; charset=latin-1", "\u00e9/\u00e9"]
    for i in range(count):
        if i % 50 == 0:
            yield rng.choice([b"GARBAGE\r\n\r\n", b"POST /invocations HTTP/1.1\r\nHost: "
                              b"localhost\r\nContent-Length: -5\r\n\r\n",
                              b"GET / HTTP/9.9\r\n\r\n", b"\x16\x03\x01\x00\xa5\x01\r\n\r\n",
                              b"POST /invocations HTTP/1.1\r\nHost: localhost\r\n"
                              b"Transfer-Encoding: chunked\r\n\r\nzz\r\n"])
            continue
        headers = {"Content-Type": rng.choice(types)}
        if rng.random() < 0.1:
            headers["Host"] = rng.choice(["evil.example", "localhost:1", "", "[::1]"])
        if rng.random() < 0.05:
            headers["X-" + "a" * rng.randint(1, 50)] = "b" * rng.randint(0, 3000)
        method = rng.choice(["POST"] * 8 + ["GET", "PUT", "DELETE", "PATCH"])
        path = rng.choice(["/invocations"] * 9 + ["/ping", "/health", "/../etc", "/%00"])
        yield method, path, headers, rng.choice(templates)()


def fuzz(port: int, pid: int, count: int) -> dict:
    import psutil

    proc = psutil.Process(pid)
    statuses: dict[int, int] = {}
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    rss_start = None
    for i, request in enumerate(fuzz_requests(count)):
        if i == 1000:
            rss_start = proc.memory_info().rss  # after warm-up: caches and pools are built
        if isinstance(request, bytes):
            with socket.create_connection(("127.0.0.1", port), timeout=10) as s:
                s.sendall(request)
                try:
                    first = s.recv(64)
                except OSError:
                    first = b""
            m = re.match(rb"HTTP/1\.[01] (\d{3})", first)
            status = int(m[1]) if m else 0  # 0: the server closed the connection
        else:
            method, path, headers, body = request
            try:
                conn.request(method, path, body, headers)
                answer = conn.getresponse()
                answer.read()
                status = answer.status
            except (OSError, http.client.HTTPException):
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
                status = 0
        statuses[status] = statuses.get(status, 0) + 1
    ping = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    ping.request("GET", "/ping")
    alive = ping.getresponse().status == 200
    return {"statuses": dict(sorted(statuses.items())), "alive": alive,
            "rss_start_mb": (rss_start or 0) / 2**20, "rss_end_mb": proc.memory_info().rss / 2**20,
            "server_errors": sum(n for s, n in statuses.items() if s >= 500)}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--fuzz", type=int, default=10_000)
    args = parser.parse_args()
    load_before = os.getloadavg()[0]
    with tempfile.TemporaryDirectory() as tmp:
        store, package = build_package(tmp)
        floor = predict_floor(package)
        ours_port, peer_port = free_port(), free_port()
        ours = start([sys.executable, "-m", "jupyter_mlops", "serve", "churn@production",
                      "--store", store, "--port", str(ours_port), "--log-rate", "0.1",
                      "--workers", "1"],
                     ours_port)
        peer = start([venv_command("mlflow"), "models", "serve", "-m", package,
                      "--env-manager", "local", "-p", str(peer_port), "--workers", "1"],
                     peer_port)
        results: dict[str, list] = {"ours": [], "peer": []}
        try:
            for _ in range(args.rounds):
                for side, port, proc in (("ours", ours_port, ours),
                                         ("peer", peer_port, peer)):
                    results[side].append((*latency(port),
                                          *throughput(port, args.seconds, proc.pid)))
            fuzzed = fuzz(ours_port, ours.pid, args.fuzz) if args.fuzz else None
        finally:
            for proc in (ours, peer):
                proc.terminate()
                proc.wait(20)
    med = {side: [statistics.median(r[i] for r in rows) for i in range(5)]
           for side, rows in results.items()}
    print(f"one-row predictions, scikit-learn pipeline, loopback, {args.rounds} alternating "
          f"rounds (medians), {CLIENTS} keep-alive clients for throughput, 1 worker each; "
          f"load average {load_before:.1f} before, {os.getloadavg()[0]:.1f} after, on "
          f"{os.cpu_count()} cores")
    (p50, p99, rps, cpu, joined), (peer_p50, peer_p99, peer_rps, peer_cpu, _) = (
        med["ours"], med["peer"])
    rows = [("one-row latency p50", f"{p50:.2f} ms", f"{peer_p50:.2f} ms",
             f"{p50 / peer_p50:.2f}x", "<= 3 ms", p50 <= 3.0),
            ("one-row latency p99", f"{p99:.2f} ms", f"{peer_p99:.2f} ms",
             f"{p99 / peer_p99:.2f}x", "-", None),
            ("throughput", f"{rps:.0f} req/s", f"{peer_rps:.0f} req/s",
             f"{rps / peer_rps:.2f}x", ">= 2x peer", rps >= 2 * peer_rps),
            ("server CPU per request (capacity)", f"{cpu:.2f} ms", f"{peer_cpu:.2f} ms",
             f"{peer_cpu / cpu:.2f}x", "-", None),
            ("requests per predict call under load", f"{joined:.2f}", "1", "-", "-", None),
            ("model.predict alone (floor)", f"{floor:.2f} ms", "-", "-", "-", None)]
    if fuzzed:
        growth = fuzzed["rss_end_mb"] - fuzzed["rss_start_mb"]
        rows += [(f"{args.fuzz:,} fuzzed requests: 5xx", str(fuzzed["server_errors"]), "-", "-",
                  "0", fuzzed["server_errors"] == 0),
                 ("  still answers /ping", str(fuzzed["alive"]), "-", "-", "True",
                  fuzzed["alive"]),
                 ("  RSS after 1,000 -> end", f"{fuzzed['rss_start_mb']:.1f} -> "
                  f"{fuzzed['rss_end_mb']:.1f} MB", "-", "-", "<= +10 MB", growth <= 10)]
    print("| case | ours | peer (mlflow models serve) | ratio | target | met |")
    print("|---|---|---|---|---|---|")
    for case, ours_text, peer_text, ratio, target, met in rows:
        verdict = "-" if met is None else ("met" if met else "MISSED")
        print(f"| {case} | {ours_text} | {peer_text} | {ratio} | {target} | {verdict} |")
    if fuzzed:
        print(f"fuzz statuses {fuzzed['statuses']} (0 = connection closed by the server)")
    sys.exit(0 if all(r[5] is not False for r in rows) else 1)

if __name__ == "__main__":
    main()
