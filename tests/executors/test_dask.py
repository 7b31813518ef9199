"""Searches on a real Dask cluster: `dask scheduler` and two `dask worker`s on 127.0.0.1.

The fixture starts them as subprocesses on free ports and always stops them. One worker offers
a ``GPU=1`` resource (no GPU needed: Dask resources are only labels).
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pytest

from tests.conftest import cli_env, invoke, run_cli, run_piped

DASK = str(Path(sys.executable).parent / "dask")

OBJECTIVE = """\
import os
import time
import zipfile
from pathlib import Path


def measure(hp, budget):
    Path(f"started_{hp['x']}").write_text(str(os.getpid()))
    if hp["x"] == 2 and Path("hang").exists():
        time.sleep(3600)
    time.sleep(float(os.environ.get("KT_TEST_SLEEP", "0.2")))
    return {"score": float(hp["x"]), "pid": float(os.getpid())}
"""

CONFIG = """\
name: on-dask
seed: 1
objective_function: measure:measure
search_space:
  x: {type: int, min: 0, max: 5}
strategy: {name: grid, objective: {name: score, direction: max}, max_trials: 6}
"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


class Cluster:
    def __init__(self, folder: Path, env: dict[str, str]):
        self.address = ""
        self.folder = folder
        self.env = env
        self.scheduler: subprocess.Popen | None = None
        self.workers: list[subprocess.Popen] = []

    def start(self) -> None:
        self.start_scheduler()
        self.start_worker("w0", "--resources", "GPU=1")
        self.start_worker("w1")
        self.wait_for_workers(2)

    def start_scheduler(self, timeout: float = 60) -> None:
        """On a port the scheduler picks itself, read back from its scheduler file: a free port
        chosen here was sometimes taken by another test's worker before the scheduler bound it
        ("Address already in use")."""
        found = self.folder / "scheduler.json"
        self.scheduler = self._spawn(
            [DASK, "scheduler", "--host", "127.0.0.1", "--port", "0", "--no-dashboard"]
            + ["--scheduler-file", str(found)],
            "scheduler.log",
        )
        deadline = time.monotonic() + timeout
        while not self.address:
            if time.monotonic() > deadline or self.scheduler.poll() is not None:
                raise AssertionError((self.folder / "scheduler.log").read_text()[-2000:])
            time.sleep(0.05)
            with contextlib.suppress(OSError, ValueError):  # not there yet, or half written
                self.address = json.loads(found.read_text())["address"]

    def start_worker(self, name: str, *extra: str) -> None:
        self.workers.append(
            self._spawn(
                [DASK, "worker", self.address, "--nworkers", "1", "--nthreads", "1"]
                + ["--no-dashboard", "--host", "127.0.0.1", "--name", name, *extra],
                f"{name}.log",
            )
        )

    def _spawn(self, command: list[str], log: str) -> subprocess.Popen:
        handle = open(self.folder / log, "w")  # noqa: SIM115 - closed with the process
        return subprocess.Popen(
            command, cwd=self.folder, env=self.env, stdout=handle, stderr=subprocess.STDOUT
        )

    def wait_for_workers(self, n: int, timeout: float = 90) -> None:
        from distributed import Client

        with Client(self.address, timeout="30s", set_as_default=False) as client:
            client.wait_for_workers(n, timeout=timeout)

    def stop(self) -> None:
        for process in [*self.workers, self.scheduler]:
            if process is not None:
                stop(process)


@pytest.fixture
def cluster(tmp_path: Path):
    (tmp_path / "measure.py").write_text(OBJECTIVE)
    (tmp_path / "on_dask.yaml").write_text(CONFIG)
    running = Cluster(tmp_path, cli_env(KT_TEST_SLEEP="1"))
    try:
        running.start()
        yield running
    finally:
        running.stop()


def records(folder: Path) -> list[dict]:
    trials = sorted((folder / "results" / "on-dask" / "trials").glob("trial_*.json"))
    return [json.loads(p.read_text()) for p in trials]


def search(cluster: Cluster, *extra: str) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "tuner_cli", "search", "on_dask.yaml"]
        + ["--scheduler", cluster.address, *extra],
        cwd=cluster.folder,
        env=cli_env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def wait_for_file(path: Path, timeout: float = 60) -> str:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if path.exists() and path.read_text():
            return path.read_text()
        time.sleep(0.05)
    raise AssertionError(f"{path.name} never appeared")


@pytest.mark.slow
def test_a_search_through_a_scheduler_uses_both_workers_and_resources_pick_one(cluster):
    result = run_cli(
        "search", "on_dask.yaml", "--scheduler", cluster.address, "-w", "3", cwd=cluster.folder
    )
    assert result.returncode == 0, result.stderr
    assert "workers (3) applies to local workers and is ignored with a scheduler" in result.stderr
    found = records(cluster.folder)
    assert sorted(r["hyperparameters"]["x"] for r in found) == list(range(6))
    assert all(r["status"] == "completed" for r in found)
    assert len({r["worker"] for r in found}) == 2

    shutil.rmtree(cluster.folder / "results")
    for started in cluster.folder.glob("started_*"):
        started.unlink()
    from distributed import Client

    with Client(cluster.address, set_as_default=False) as other_user:  # the cluster is shared
        running = search(cluster, "--resources", "GPU=1")
        deadline = time.monotonic() + 60
        while not list(cluster.folder.glob("started_*")) and time.monotonic() < deadline:
            time.sleep(0.05)
        # queued behind the first trial, so the next trial waits for it
        other_user.submit(time.sleep, 4, resources={"GPU": 1}, pure=False).result()
        running.communicate(timeout=120)
    result = running
    assert result.returncode == 0, result.stderr
    found = records(cluster.folder)
    assert len(found) == 6
    assert len({r["worker"] for r in found}) == 1
    # each trial sleeps 1 s; one waited for the other user's task, which is not its time
    assert max(r["duration_s"] for r in found) < 3, [r["duration_s"] for r in found]


@pytest.mark.slow
def test_a_worker_killed_mid_search_costs_no_trial(cluster):
    driver = search(cluster)
    try:
        victim = int(wait_for_file(cluster.folder / "started_1"))
        os.kill(victim, signal.SIGKILL)
        _, stderr = driver.communicate(timeout=180)
    finally:
        stop(driver)
    assert driver.returncode == 0, stderr
    found = records(cluster.folder)
    assert sorted(r["hyperparameters"]["x"] for r in found) == list(range(6))
    assert all(r["status"] == "completed" for r in found), [r["status"] for r in found]
    assert "was lost while running trial" in stderr
    assert victim not in {int(r["metrics"]["pid"]) for r in found if r["id"] == 2}


@pytest.mark.slow
@pytest.mark.parametrize("how", ["terminate", "kill"])
def test_losing_the_scheduler_stops_the_search_and_marks_trials_interrupted(cluster, how):
    driver = search(cluster)
    try:
        wait_for_file(cluster.folder / "started_1")
        if how == "kill":  # the client then fails to reconnect, and Dask logged tracebacks
            cluster.scheduler.kill()
        stop(cluster.scheduler)
        _, stderr = driver.communicate(timeout=120)
    finally:
        stop(driver)
    assert driver.returncode == 1, stderr
    assert "lost the connection to the Dask scheduler" in stderr
    assert "Traceback" not in stderr and "distributed.client" not in stderr, stderr
    statuses = [r["status"] for r in records(cluster.folder)]
    assert "running" not in statuses
    assert "interrupted" in statuses


@pytest.mark.slow
def test_trials_cancelled_on_the_cluster_are_run_again(cluster):
    """As after a blip in the connection to the scheduler (the client cancels every task, then
    connects again): the search used to stop, calling the connection lost."""
    from distributed import Client, Future

    driver = search(cluster)
    try:
        cancelled_run = int(wait_for_file(cluster.folder / "started_1"))
        with Client(cluster.address, set_as_default=False) as other_user:
            running = [k for keys in other_user.processing().values() for k in keys]
            trials = [k for k in running if str(k).startswith("kt-run-trial-")]
            assert trials, running
            other_user.cancel([Future(k, other_user) for k in trials], force=True)
        _, stderr = driver.communicate(timeout=120)
    finally:
        stop(driver)
    assert driver.returncode == 0, stderr
    said = " ".join(stderr.split())
    assert "task was cancelled on the Dask cluster" in said and "submitting it again" in said
    # Dask cannot stop a running task: the worker still running the cancelled one is restarted
    assert "still runs trial 2's cancelled task" in said
    with pytest.raises(ProcessLookupError):
        os.kill(cancelled_run, 0)
    found = records(cluster.folder)
    assert sorted(r["hyperparameters"]["x"] for r in found) == list(range(6))
    assert all(r["status"] == "completed" for r in found), [r["status"] for r in found]


@pytest.mark.slow
def test_a_cluster_whose_workers_all_leave_ends_the_search_and_a_rerun_resumes(cluster):
    config = cluster.folder / "on_dask.yaml"
    config.write_text(CONFIG + "execution: {no_worker_timeout: 14s}\n")
    driver = search(cluster)
    try:
        wait_for_file(cluster.folder / "started_1")
        for worker in cluster.workers:
            stop(worker)
        _, stderr = driver.communicate(timeout=120)
    finally:
        stop(driver)
    assert driver.returncode == 1, stderr
    said = " ".join(stderr.split())
    assert "has had no workers for 10 s; trials wait until one joins" in said, said
    assert "had no workers for 14 s (execution.no_worker_timeout)" in said, said
    assert "Traceback" not in stderr
    statuses = [r["status"] for r in records(cluster.folder)]
    assert "running" not in statuses
    assert "interrupted" in statuses

    cluster.start_worker("w2")
    cluster.wait_for_workers(1)
    result = run_cli(
        "search", "on_dask.yaml", "--scheduler", cluster.address, "-w", "3", cwd=cluster.folder
    )
    assert result.returncode == 0, result.stderr
    assert "workers (3) applies to local workers and is ignored with a scheduler" in result.stderr
    found = records(cluster.folder)
    assert sorted(r["hyperparameters"]["x"] for r in found) == list(range(6))
    assert all(r["status"] == "completed" for r in found)


@pytest.mark.slow
def test_trials_needing_a_resource_no_worker_offers_end_within_no_worker_timeout(cluster):
    """The cluster's workers offer one GPU at most: a search asking two per trial used to wait
    for ever without a word, since it counted every worker, not those that can take a trial."""
    config = cluster.folder / "on_dask.yaml"
    config.write_text(CONFIG + "execution: {no_worker_timeout: 14s}\n")
    result = run_cli(
        "search",
        "on_dask.yaml",
        "--scheduler",
        cluster.address,
        "--resources",
        "GPU=2",
        cwd=cluster.folder,
        timeout=120,
    )
    assert result.returncode == 1, result.stderr
    said = " ".join(result.stderr.split())
    assert "has had no worker that offers GPU=2 for 10 s (its 2 workers do not)" in said
    assert "`dask worker " + cluster.address + " --nthreads 1 --resources GPU=2`" in said
    assert "had no worker that offers GPU=2 for 14 s (execution.no_worker_timeout)" in said
    assert "the pre-search check did not run and no trial started" in said
    assert "marked interrupted" not in said  # a new study: there is none
    assert "Traceback" not in result.stderr
    assert not (cluster.folder / "results").exists()


@pytest.mark.slow
def test_a_search_whose_only_worker_with_the_resource_leaves_ends_and_a_rerun_resumes(cluster):
    # 5 s, not 14 s: nothing here waits for the first warning at 10 s (the test above does)
    config = cluster.folder / "on_dask.yaml"
    config.write_text(CONFIG + "execution: {no_worker_timeout: 5s}\n")
    driver = search(cluster, "--resources", "GPU=1")
    try:
        wait_for_file(cluster.folder / "started_1")
        stop(cluster.workers.pop(0))  # w0, the one with the GPU; w1 stays
        _, stderr = driver.communicate(timeout=120)
    finally:
        stop(driver)
    assert driver.returncode == 1, stderr
    said = " ".join(stderr.split())
    assert "had no worker that offers GPU=1 for 5 s (execution.no_worker_timeout)" in said
    assert "the trials that were waiting are marked interrupted" in said
    statuses = [r["status"] for r in records(cluster.folder)]
    assert "running" not in statuses
    assert "interrupted" in statuses

    cluster.start_worker("w2", "--resources", "GPU=1")
    cluster.wait_for_workers(2)
    result = run_cli(
        "search",
        "on_dask.yaml",
        "--scheduler",
        cluster.address,
        "--resources",
        "GPU=1",
        cwd=cluster.folder,
    )
    assert result.returncode == 0, result.stderr
    found = records(cluster.folder)
    assert sorted(r["hyperparameters"]["x"] for r in found) == list(range(6))
    assert all(r["status"] == "completed" for r in found)


@pytest.mark.slow
def test_recycling_a_worker_never_kills_another_users_task_running_on_it(cluster):
    """A shared cluster: the other user's task queued behind a trial starts on the worker as
    soon as the trial ends, and the search's recycle (restarting that worker) killed it; two
    searches sharing a cluster so failed each other's trials, each lost worker a new start."""
    from distributed import Client

    stop(cluster.workers.pop())  # one worker, so the other user's task waits for that one
    starts = cluster.folder / "other_user_starts"

    def other_users_task() -> str:
        with starts.open("a") as log:
            log.write("started\n")
        time.sleep(5)
        return "done"

    with Client(cluster.address, set_as_default=False) as other_user:
        driver = search(cluster, "--recycle-after", "1")
        try:
            wait_for_file(cluster.folder / "started_0")
            task = other_user.submit(other_users_task, pure=False)
            assert task.result(timeout=120) == "done"
            task.release()  # the result it held on the worker: recycling may lose it now
            _, stderr = driver.communicate(timeout=120)
        finally:
            stop(driver)
    assert starts.read_text() == "started\n", "the other user's task was killed and run again"
    assert driver.returncode == 0, stderr
    assert "was lost" not in stderr
    said = " ".join(stderr.split())
    assert (
        "is not replaced now (it ran 1 trial): it runs or holds the result of 1 other task" in said
    )
    found = records(cluster.folder)
    assert sorted(r["hyperparameters"]["x"] for r in found) == list(range(6))
    assert all(r["status"] == "completed" for r in found), [r["status"] for r in found]
    assert len({r["worker"] for r in found}) > 1, "the worker was recycled once it was free"


@pytest.mark.slow
def test_a_worker_lost_under_another_searchs_trial_is_not_reported_as_ours(cluster):
    """Every search hears of every lost worker: one said "worker ... was lost while running
    trial 42; Dask runs it again" of the other search's trial 42, which it does not have."""
    from distributed import Client

    with Client(cluster.address, set_as_default=False) as other_search:
        w1 = next(
            a for a, w in other_search.scheduler_info()["workers"].items() if w["name"] == "w1"
        )
        others = other_search.submit(
            time.sleep, 60, key="kt-run-trial-0042-0123abcd", workers=[w1], pure=False
        )
        driver = search(cluster, "--resources", "GPU=1")  # on w0 only: none of ours is lost
        try:
            wait_for_file(cluster.folder / "started_1")
            os.kill(other_search.run(os.getpid, workers=[w1])[w1], signal.SIGKILL)
            _, stderr = driver.communicate(timeout=120)
        finally:
            stop(driver)
            others.cancel()
    assert driver.returncode == 0, stderr
    assert "trial 42" not in stderr
    assert "was lost" not in stderr


@pytest.mark.slow
def test_a_hung_trial_on_a_cluster_fails_and_its_worker_is_restarted(cluster):
    (cluster.folder / "hang").write_text("")
    config = cluster.folder / "on_dask.yaml"
    config.write_text(CONFIG.replace("max_trials: 6}", "max_trials: 6, max_trial_time: 5s}"))
    result = run_cli("search", "on_dask.yaml", "--scheduler", cluster.address, cwd=cluster.folder)
    assert result.returncode == 0, result.stderr
    by_x = {r["hyperparameters"]["x"]: r for r in records(cluster.folder)}
    assert sorted(by_x) == list(range(6))
    assert "ran longer than max_trial_time (5 s)" in by_x[2]["error"]["message"]
    assert 5 <= by_x[2]["duration_s"] < 6.5, "the time it ran, not the restart after it"
    assert all(by_x[x]["status"] == "completed" for x in by_x if x != 2)
    hung_pid = int((cluster.folder / "started_2").read_text())
    with pytest.raises(ProcessLookupError):
        os.kill(hung_pid, 0)


@pytest.mark.slow
def test_a_rerun_after_a_killed_search_frees_the_worker_its_hung_trial_holds(cluster):
    """Dask cannot stop a running task: the hung trial of a search killed with kill -9 kept
    its only worker busy for ever, and the rerun's check queued behind it and never ended."""
    stop(cluster.workers.pop())  # one worker: the hung trial holds the whole cluster
    (cluster.folder / "hang").write_text("")
    config = cluster.folder / "on_dask.yaml"
    config.write_text(CONFIG.replace("max_trials: 6}", "max_trials: 6, max_trial_time: 5s}"))
    driver = search(cluster)
    try:
        wait_for_file(cluster.folder / "started_2")
        driver.kill()
        driver.wait(timeout=30)
    finally:
        stop(driver)
    (cluster.folder / "started_2").unlink()

    result = run_cli(
        "search", "on_dask.yaml", "--scheduler", cluster.address, cwd=cluster.folder, timeout=180
    )
    assert result.returncode == 0, result.stderr
    assert "restarting worker" in result.stderr
    assert "still runs trial 3 of a search that ended" in " ".join(result.stderr.split())
    by_x = {r["hyperparameters"]["x"]: r for r in records(cluster.folder)}
    assert sorted(by_x) == list(range(6))
    assert "ran longer than max_trial_time (5 s)" in by_x[2]["error"]["message"]
    assert 5 <= by_x[2]["duration_s"] < 6.5, "the time it ran, not the restart after it"
    assert all(by_x[x]["status"] == "completed" for x in by_x if x != 2)


@pytest.mark.slow
def test_a_worker_without_a_nanny_stuck_in_a_trial_is_taken_off_and_the_search_ends(cluster):
    """Nothing can restart it, and Dask would hand it every next trial, which would never
    start (so never time out): the search used to wait for ever."""
    for worker in cluster.workers:
        stop(worker)
    cluster.workers.clear()
    cluster.start_worker("lone", "--no-nanny")
    cluster.wait_for_workers(1)
    (cluster.folder / "hang").write_text("")
    config = cluster.folder / "on_dask.yaml"
    config.write_text(
        CONFIG.replace("max_trials: 6}", "max_trials: 6, max_trial_time: 3s}")
        + "execution: {no_worker_timeout: 10s}\n"
    )
    try:
        result = run_cli(
            "search",
            "on_dask.yaml",
            "--scheduler",
            cluster.address,
            cwd=cluster.folder,
            timeout=120,
        )
    finally:
        # still in its hour-long trial, it would wait out the fixture's 15 s SIGTERM grace
        cluster.workers[0].kill()
    assert result.returncode == 1, result.stderr
    said = " ".join(result.stderr.split())
    assert "was taken off the cluster" in said
    assert "(execution.no_worker_timeout)" in said
    by_x = {r["hyperparameters"]["x"]: r for r in records(cluster.folder)}
    assert [by_x[x]["status"] for x in (0, 1, 2)] == ["completed", "completed", "failed"]
    assert "no nanny to restart it" in by_x[2]["error"]["message"]


@pytest.mark.slow
def test_replacing_a_hung_trial_s_worker_costs_no_other_trial(tmp_path):
    """The scheduler sees a worker being restarted as idle: the next trial could go to it and
    be killed by the restart, which a scheduler that allows no lost worker makes a failure
    (and any other a rerun). So is a hung trial still wanted when its worker goes: run again
    on another worker, which it then hangs."""
    (tmp_path / "measure.py").write_text(OBJECTIVE.replace('hp["x"] == 2', 'hp["x"] in (1, 3)'))
    (tmp_path / "hang").write_text("")
    (tmp_path / "on_dask.yaml").write_text(
        CONFIG.replace("max_trials: 6}", "max_trials: 6, max_trial_time: 4s}")
    )
    strict = Cluster(
        tmp_path, cli_env(KT_TEST_SLEEP="1", DASK_DISTRIBUTED__SCHEDULER__ALLOWED_FAILURES="0")
    )
    try:
        strict.start()
        result = run_cli("search", "on_dask.yaml", "--scheduler", strict.address, cwd=tmp_path)
    finally:
        strict.stop()
    assert result.returncode == 0, result.stderr
    assert "was lost" not in result.stderr, result.stderr
    by_x = {r["hyperparameters"]["x"]: r for r in records(tmp_path)}
    assert [by_x[x]["status"] for x in range(6)] == ["completed", "failed"] * 2 + ["completed"] * 2
    assert "ran longer than max_trial_time" in by_x[3]["error"]["message"]


def test_an_unreachable_scheduler_is_a_clear_error(tmp_path):
    (tmp_path / "measure.py").write_text(OBJECTIVE)
    (tmp_path / "on_dask.yaml").write_text(CONFIG)
    address = f"tcp://127.0.0.1:{free_port()}"
    result = invoke("search", "on_dask.yaml", "--scheduler", address, cwd=tmp_path)
    assert result.returncode == 1
    assert f"cannot reach the Dask scheduler at {address}" in result.stderr
    assert "Traceback" not in result.stderr


def test_a_server_that_is_not_a_scheduler_is_a_clear_error_within_a_bound(tmp_path, monkeypatch):
    """A port that accepts connections but never speaks Dask (the dashboard's 8787 given for
    the scheduler's 8786, a web server): the client waited for its answer for ever."""
    from tuner_cli.executors import _dask

    monkeypatch.setattr(_dask, "ANSWER_WAIT_S", 3.0)
    (tmp_path / "measure.py").write_text(OBJECTIVE)
    (tmp_path / "on_dask.yaml").write_text(CONFIG)
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen()
        address = f"tcp://127.0.0.1:{server.getsockname()[1]}"
        started = time.monotonic()
        result = invoke("search", "on_dask.yaml", "--scheduler", address, cwd=tmp_path)
    assert time.monotonic() - started < 30
    assert result.returncode == 1
    assert f"cannot reach the Dask scheduler at {address}" in result.stderr
    assert "8786" in result.stderr  # the hint: the scheduler's own port
    assert "Traceback" not in result.stderr and "internal error" not in result.stderr
    assert not (tmp_path / "results").exists()


def test_a_scheduler_address_without_a_port_is_a_bad_argument(tmp_path):
    """``--scheduler hostA`` was an "internal error" (Dask's missing port), then a 30 s wait
    and a traceback while Python collected the half-made client."""
    (tmp_path / "measure.py").write_text(OBJECTIVE)
    (tmp_path / "on_dask.yaml").write_text(CONFIG)
    started = time.monotonic()
    result = invoke("search", "on_dask.yaml", "--scheduler", "hostA", cwd=tmp_path)
    assert time.monotonic() - started < 10
    assert result.returncode == 2
    assert "--scheduler hostA" in result.stderr and "tcp://hostA:8786" in result.stderr
    assert "Traceback" not in result.stderr and "internal error" not in result.stderr
    assert not (tmp_path / "results").exists()


PIPED_ON_A_CLUSTER = """\
from tuner_cli import load_config_dict, run_search

SHIFT = 10.0


def shifted(hp, budget):  # the script's own: the cluster's workers cannot import it
    return {{"score": hp["x"] + SHIFT}}


study = load_config_dict({{
    "name": "piped",
    "seed": 1,
    "objective_function": shifted,
    "search_space": {{"x": {{"type": "int", "min": 0, "max": 3}}}},
    "strategy": {{"name": "grid", "objective": {{"name": "score", "direction": "max"}}}},
}})
print(run_search(study, "results", scheduler={address!r}))
"""


@pytest.mark.slow
def test_a_piped_scripts_own_function_runs_on_a_cluster_which_keeps_nothing_of_it(cluster):
    """The function travels to the cluster's workers by value, with each task: nothing of it
    is registered on the cluster, so a long-lived one does not collect every notebook's."""
    from distributed import Client

    piped = run_piped(PIPED_ON_A_CLUSTER.format(address=cluster.address), cluster.folder)
    assert piped.returncode == 0, piped.stderr[-3000:]
    assert "4 trials (4 completed), best trial 4 (score 13.00)" in piped.stdout
    with Client(cluster.address, timeout="30s", set_as_default=False) as client:
        plugins = client.run(lambda dask_worker: sorted(dask_worker.plugins))
    assert not [p for names in plugins.values() for p in names if p.startswith("kt-run")]


def can_hide_folders() -> bool:
    """Whether this machine lets a process mount over a folder for itself alone (root in a
    container that allows it), which makes a worker that cannot see the study's folder."""
    done = subprocess.run(["unshare", "-m", "true"], capture_output=True, check=False)
    return done.returncode == 0


HELPED = """\
from helper import offset


def measure(hp, budget):
    return {"score": hp["x"] + offset()}
"""

HIDDEN_CSV = """\
name: hidden-data
data: {source: csv, path: rows.csv, target: label}
search_space: {units: {type: fixed, value: 4}}
model:
  layers: [{Dense: {units: $units}}, {Dense: {units: 2, activation: softmax}}]
  optimizer: adam
  loss: sparse_categorical_crossentropy
training: {epochs: 1}
strategy: {name: random, max_trials: 1, objective: val_loss}
"""


@pytest.mark.slow
@pytest.mark.skipif(not can_hide_folders(), reason="needs unshare -m (root, mount namespaces)")
def test_a_worker_on_a_machine_without_the_config_folder_gets_its_python(tmp_path):
    """A worker on another machine has no copy of the config's folder: its modules (and the
    helpers they import) were "No module named 'measure'" unless copied there by hand. They
    travel with the search now; a data file still has to be there, which the error says,
    naming the worker."""
    project = tmp_path / "elsewhere" / "project"
    project.mkdir(parents=True)
    (project / "measure.py").write_text(HELPED)
    (project / "helper.py").write_text("def offset():\n    return 100\n")
    (project / "on_dask.yaml").write_text(CONFIG)
    (project / "rows.csv").write_text("a,label\n" + "".join(f"{i},{i % 2}\n" for i in range(20)))
    (project / "hidden.yaml").write_text(HIDDEN_CSV)
    cluster = Cluster(tmp_path, cli_env())
    try:
        cluster.start_scheduler()
        worker = f"{DASK} worker {cluster.address} --nworkers 1 --nthreads 1 --no-dashboard"
        hidden = f"mount -t tmpfs none {project.parent} && cd / && exec {worker} --host 127.0.0.1"
        cluster.workers.append(cluster._spawn(["unshare", "-m", "sh", "-c", hidden], "w.log"))
        cluster.wait_for_workers(1)
        done = run_cli("search", "on_dask.yaml", "--scheduler", cluster.address, cwd=project)
        assert done.returncode == 0, done.stderr
        scores = sorted(
            json.loads(p.read_text())["score"] for p in project.glob("results/*/trials/*")
        )
        assert scores == [100.0, 101.0, 102.0, 103.0, 104.0, 105.0]

        missing = run_cli("search", "hidden.yaml", "--scheduler", cluster.address, cwd=project)
        assert missing.returncode == 2, missing.stderr
        assert f"no such file: {project / 'rows.csv'} (on the worker tcp://127.0.0.1:" in (
            missing.stderr
        )
        assert "data files must be at the same path on every worker machine" in missing.stderr
    finally:
        cluster.stop()


TWO_LOADERS_ON_A_CLUSTER = """\
import numpy as np
from tuner_cli import load_config_dict, run_search


def config(name):
    return {{
        "name": name,
        "seed": 1,
        "data": {{"source": "python", "callable": load}},
        "model": {{
            "layers": [{{"Dense": {{"units": 2, "activation": "softmax"}}}}],
            "loss": "sparse_categorical_crossentropy",
        }},
        "training": {{"epochs": 1}},
        "strategy": {{"name": "random", "objective": "val_loss", "max_trials": 1}},
    }}


def load():
    return np.zeros((40, 3), "float32"), np.zeros(40, "int64")


run_search(load_config_dict(config("three")), "results", scheduler={address!r})


def load():  # the notebook's next idea: the same name, other columns
    return np.ones((40, 5), "float32"), np.ones(40, "int64")


run_search(load_config_dict(config("five")), "results", scheduler={address!r})
"""


@pytest.mark.slow
def test_a_cluster_loads_a_notebooks_data_again_when_its_loader_changed(cluster):
    """A cluster's worker outlives a search, and keeps the data it loaded for the next: a
    notebook's second study, whose loader has the name of the first's ('__main__:load') and
    the same seed, trained on the first's data without a word."""
    piped = run_piped(TWO_LOADERS_ON_A_CLUSTER.format(address=cluster.address), cluster.folder)
    assert piped.returncode == 0, piped.stderr[-3000:]
    kept = cluster.folder / "results" / "five" / "models" / "trial_0001.keras"
    with zipfile.ZipFile(kept) as archive:
        model = json.loads(archive.read("config.json"))
    assert model["config"]["build_input_shape"] == [None, 5]
