"""`jupyter mlops serve` in a real process: predictions equal load_model(ref).predict, every
bad input is a specific 4xx (never a 5xx), metrics count what happened, a moved alias is
followed without failing requests, and the prediction log reaches the store (the package's
Dockerfile command: tests/registry/test_dockerfile.py)."""

from __future__ import annotations

import shutil
import threading

import numpy as np
import pytest
import requests

from .conftest import churn_frame, wait_for

FEATURES = ["age", "income", "plan", "visits"]


@pytest.fixture
def rows():
    return churn_frame(25, seed=11)[FEATURES]


@pytest.fixture(scope="module")
def server(churn, module_servers):
    """One server for the tests that only send requests (starting one takes seconds)."""
    return module_servers("churn@production", "--store", churn[0], "--max-rows", "100",
                        "--max-body-mb", "0.05")


def test_predictions_equal_load_model_in_every_format(server, churn_store, rows):
    from jupyter_mlops import load_model

    expected = load_model("churn@production", store=churn_store).predict(rows).tolist()
    split = rows.to_dict(orient="split", index=False)
    records = rows.to_dict(orient="records")
    bodies = [{"dataframe_split": split}, {"dataframe_records": records},
              {"instances": records}, {"instances": split["data"]},
              {"inputs": rows.to_dict(orient="list")}]
    for body in bodies:
        answer = server.post(body)
        assert answer.status_code == 200, answer.text
        assert answer.json() == {"predictions": expected}
    answer = server.post(rows.to_csv(index=False), "text/csv")
    assert answer.json() == {"predictions": expected}
    health = server.get("/health").json()
    assert (health["name"], health["version"], health["status"]) == ("churn", 1, "ok")
    assert health["checksum"] == churn_store.model_version("churn", 1)["checksum"]
    assert health["uptime_s"] > 0 and server.get("/ping").status_code == 200


def test_extra_columns_are_ignored_and_named(server, rows):
    answer = server.post({"dataframe_records": rows.assign(note="x", id=1).to_dict("records")})
    assert answer.status_code == 200 and answer.headers["X-Ignored-Columns"] == "note, id"
    assert "X-Ignored-Columns" not in server.post({"dataframe_records": rows.to_dict(
        "records")}).headers


ONE = {"age": 40.0, "income": 20000.0, "plan": "basic", "visits": 3}


@pytest.mark.parametrize(("body", "content_type", "status", "message"), [
    ({"dataframe_records": [{k: v for k, v in ONE.items() if k != "plan"}]},
     "application/json", 400, "missing column 'plan'"),
    ({"dataframe_records": [{**ONE, "age": "old"}]}, "application/json", 400,
     "column 'age' must be double: row 0 is \"old\" (string)"),
    ({"dataframe_records": [{**ONE, "visits": 2.5}]}, "application/json", 400,
     "column 'visits' must be long: row 0 is 2.5 (number)"),
    ({"dataframe_records": [{**ONE, "plan": 7}]}, "application/json", 400,
     "column 'plan' must be string: row 0 is 7 (integer)"),
    ({"dataframe_records": [{**ONE, "age": True}]}, "application/json", 400,
     "must be double: row 0 is true (boolean)"),
    ({"dataframe_records": []}, "application/json", 400, "empty batch"),
    ({"dataframe_split": {"columns": FEATURES, "data": [[1, 2]]}}, "application/json", 400,
     "dataframe_split row 0 has 2 values for 4 columns"),
    ({"dataframe_records": [ONE] * 101}, "application/json", 413,
     "batch of 101 rows is over the limit of 100"),
    (b"{not json", "application/json", 400, "body is not valid JSON"),
    ({"rows": [ONE]}, "application/json", 400, "exactly one of"),
    ([ONE], "application/json", 400, "must be a JSON object"),
    (b"", "application/json", 400, "empty body"),
    (b"age,income\n1,2\n", "text/csv", 400, "missing columns 'plan', 'visits'"),
    (b"<xml/>", "application/xml", 415, "unsupported Content-Type"),
    (b"[" * 30_000, "application/json", 400, "nested too deeply"),
    (b'{"inputs": {"age": [1], "income": [1], "plan": ["a"], "visits": [1' + b"0" * 30
     + b"]}}", "application/json", 400, "numpy cannot hold as long"),
    (b"x" * 60_000, "application/json", 413, "over the limit of 52,428"),
])
def test_bad_input_is_a_specific_4xx(server, body, content_type, status, message):
    answer = server.post(body, content_type)
    assert answer.status_code == status, answer.text
    assert message in answer.json()["error"]
    assert "Traceback" not in answer.text


def test_hosts_methods_and_paths(server):
    assert server.get("/ping", headers={"Host": "attacker.example:80"}).status_code == 403
    assert server.get("/ping", headers={"Host": "localhost:1"}).status_code == 200
    assert server.get("/nothing").status_code == 404
    assert requests.delete(f"{server.url}/invocations", timeout=10).status_code == 405
    assert requests.get(f"{server.url}/invocations", timeout=10).json()["error"]


def test_metrics_count_requests_errors_rows_and_latency(server, rows):
    names = [("mlops_requests_total", {"path": "/invocations", "status": "200"}),
             ("mlops_requests_total", {"path": "/invocations", "status": "400"}),
             ("mlops_errors_total", {"kind": "json"}), ("mlops_errors_total", {"kind": "empty"}),
             ("mlops_predictions_total", {}), ("mlops_request_latency_seconds_count", {})]
    before = [server.metric(n, **labels) for n, labels in names]
    for _ in range(3):
        server.post({"dataframe_records": rows.to_dict("records")})
    server.post(b"nope")
    server.post({"dataframe_records": []})
    after = [server.metric(n, **labels) for n, labels in names]
    assert [a - b for a, b in zip(after, before, strict=True)] == [3, 2, 1, 1, 3 * len(rows), 3]
    assert server.metric("mlops_model_info", name="churn", version="1",
                         checksum=server.get("/health").json()["checksum"]) == 1


def test_requests_are_logged_to_the_store(server, churn_store, rows):
    before = len(churn_store.predictions(name="churn", version=1))
    server.post({"dataframe_records": rows.to_dict("records")})
    assert wait_for(lambda: len(churn_store.predictions(name="churn", version=1)) > before)
    entry = churn_store.predictions(name="churn", version=1)[-1]
    assert entry["inputs"]["columns"] == FEATURES and entry["rows"] == len(rows)
    assert np.allclose([r[0] for r in entry["inputs"]["data"]], rows["age"])
    assert len(entry["outputs"]) == len(rows)


def test_a_store_that_is_away_never_fails_a_request(churn, start_server, rows, tmp_path):
    folder = tmp_path / "model"
    from jupyter_mlops.registry import resolve
    from jupyter_mlops.store import Store

    shutil.copytree(resolve("churn/1", Store.open(churn[0]))[2], folder)
    blocked = tmp_path / "blocked"
    blocked.write_text("a file where the store's folder should be")
    server = start_server(str(folder), "--store", str(blocked / "store"))
    for _ in range(3):
        assert server.post({"dataframe_records": rows.to_dict("records")}).status_code == 200
    assert wait_for(lambda: server.metric("mlops_prediction_log_dropped_total") == 3)


def test_follow_alias_swaps_without_failing_requests(churn, churn_store, start_server, rows):
    v1 = churn_store.model_version("churn", 1)
    v2 = churn_store.create_model_version("churn", {k: v1[k] for k in (
        "run_id", "model_variable", "model_type", "source", "checksum", "size", "manifest",
        "signature", "metrics", "params", "requirements")})["version"]
    churn_store.set_alias("churn", "following", 1)
    server = start_server("churn@following", "--store", churn[0], "--follow-alias",
                          "--poll", "0.2", "--log-rate", "0")
    statuses, stop = [], threading.Event()

    def load():
        while not stop.is_set():
            statuses.append(server.post({"dataframe_records": rows.to_dict("records")})
                            .status_code)

    worker = threading.Thread(target=load)
    worker.start()
    try:
        assert wait_for(lambda: len(statuses) > 5)
        churn_store.set_alias("churn", "following", v2)
        assert wait_for(lambda: server.get("/health").json()["version"] == v2)
        count = len(statuses)
        assert wait_for(lambda: len(statuses) > count + 5)
    finally:
        stop.set()
        worker.join()
    assert set(statuses) == {200}


def test_workers_share_the_port_and_go_with_their_parent(churn, start_server, rows):
    import psutil

    server = start_server("churn@production", "--store", churn[0], "--workers", "2",
                          "--log-rate", "0")
    assert wait_for(lambda: len(psutil.Process(server.proc.pid).children()) == 2)
    workers = psutil.Process(server.proc.pid).children()
    for _ in range(4):
        assert server.post({"dataframe_records": rows.to_dict("records")}).status_code == 200
    server.stop()
    assert wait_for(lambda: not any(w.is_running() and w.status() != psutil.STATUS_ZOMBIE
                                    for w in workers))


def test_metrics_add_up_every_worker(churn, start_server, rows):
    """With --workers 2 a scrape of either worker reports the requests both answered."""
    import http.client
    import json
    from urllib.parse import urlsplit

    server = start_server("churn@production", "--store", churn[0], "--workers", "2",
                          "--log-rate", "0")
    address = urlsplit(server.url)
    body = json.dumps({"dataframe_records": rows.to_dict("records")})
    by_worker: dict[int, int] = {}
    sent = 0
    while len(by_worker) < 2 or sent < 10:  # a new connection may land on either worker
        assert sent < 400, f"every request went to one worker: {by_worker}"
        conn = http.client.HTTPConnection(address.hostname, address.port, timeout=30)
        conn.request("POST", "/invocations", body, {"Content-Type": "application/json"})
        assert conn.getresponse().read() and sent >= 0
        conn.request("GET", "/health")
        pid = json.loads(conn.getresponse().read())["pid"]
        conn.close()
        by_worker[pid] = by_worker.get(pid, 0) + 1
        sent += 1
    scrapes = {(server.metric("mlops_requests_total", path="/invocations", status="200"),
                server.metric("mlops_predictions_total"),
                server.metric("mlops_request_latency_seconds_count"),
                server.metric("mlops_requests_total", path="/health", status="200"))
               for _ in range(6)}
    assert scrapes == {(sent, sent * len(rows), sent, sent)}, by_worker


def test_concurrent_requests_share_predict_calls_and_each_gets_its_own_answer(
        server, churn_store):
    """Eight keep-alive clients at once, each with its own rows, some sending bad ones: the
    good requests are joined into fewer predict calls than requests, every answer is that
    request's own, and a bad request among them is refused alone."""
    from jupyter_mlops import load_model

    model = load_model("churn@production", store=churn_store)
    frames = [churn_frame(1 + i % 3, seed=100 + i)[FEATURES] for i in range(8)]
    expected = [model.predict(f).tolist() for f in frames]
    answers: list[list] = [[] for _ in frames]
    calls = server.metric("mlops_model_calls_total")
    barrier = threading.Barrier(len(frames))

    def client(i: int) -> None:
        session = requests.Session()
        records = frames[i].to_dict("records")
        barrier.wait()
        for n in range(25):
            body = ({"dataframe_records": [{**records[0], "age": "old"}]} if i == 0 and n % 5 == 0
                    else {"dataframe_records": records})
            answer = session.post(f"{server.url}/invocations", json=body, timeout=30)
            answers[i].append((answer.status_code, answer.json()))

    threads = [threading.Thread(target=client, args=(i,)) for i in range(len(frames))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    bad = [a for a in answers[0] if a[0] != 200]
    assert len(bad) == 5 and all(a == (400, {"error": "column 'age' must be double: row 0 is "
                                             "\"old\" (string)", "detail": None}) for a in bad)
    for i, got in enumerate(answers):
        good = [a for a in got if a[0] == 200]
        assert good == [(200, {"predictions": expected[i]})] * (20 if i == 0 else 25)
    used = server.metric("mlops_model_calls_total") - calls
    assert 0 < used < 8 * 25 - 5
