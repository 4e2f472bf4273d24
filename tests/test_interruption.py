"""Interruption (issue 11): a killed phase_diagram's pool workers exit with it; a killed atomic write's
temporary is removed by the next run that writes the same file."""
import os
import signal
import subprocess
import sys
import textwrap
import time

import numpy as np

import meanfield as mf
from meanfield.results import atomic_savez, remove_stale_temporaries

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _children(pid):
    out = []
    for d in os.listdir("/proc"):
        if d.isdigit():
            try:
                with open(f"/proc/{d}/stat") as fh:
                    fields = fh.read().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == pid:
                out.append(int(d))
    return out


def _alive(pid):
    try:
        with open(f"/proc/{pid}/stat") as fh:
            return fh.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def test_pool_workers_exit_when_the_phase_diagram_process_is_killed(tmp_path):
    script = textwrap.dedent("""
        import time, meanfield as mf

        def slow(model, **kw):
            time.sleep(60)
            return 0.0, 0.0

        if __name__ == "__main__":
            mf.phase_diagram(mf.RandomNetwork(10, 1.5, seed=1), "frequency", [0.1, 0.2], [0.0, 1.0],
                             lambda_fn=slow, max_workers=2, progress=False)
    """)
    path = tmp_path / "pd_script.py"
    path.write_text(script)
    env = dict(os.environ, PYTHONPATH=REPO)
    proc = subprocess.Popen([sys.executable, str(path)], env=env, cwd=str(tmp_path))
    try:
        workers = []
        deadline = time.monotonic() + 60
        while len(workers) < 2 and time.monotonic() < deadline:
            time.sleep(0.5)
            workers = [c for c in _children(proc.pid) if _alive(c)]
        assert len(workers) >= 2, "the pool did not start"
        time.sleep(1.0)
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(10)
        deadline = time.monotonic() + 15
        while any(_alive(w) for w in workers) and time.monotonic() < deadline:
            time.sleep(0.2)
        left = [w for w in workers if _alive(w)]
        for w in left:                     # do not leave them behind if the test fails
            os.kill(w, signal.SIGKILL)
        assert not left, "pool workers outlived their parent"
    finally:
        if proc.poll() is None:
            proc.kill()


def test_a_killed_write_leaves_a_temporary_that_the_next_run_removes(tmp_path):
    ck = tmp_path / "run.npz"
    stale = tmp_path / "run.npz.abc123.tmp.npz"       # what atomic_savez leaves when killed mid-write
    stale.write_bytes(b"partial")
    other = tmp_path / "other.npz.abc123.tmp.npz"     # another file's temporary: not ours to remove
    other.write_bytes(b"partial")
    net = mf.RandomNetwork(10, 2.0, seed=1)
    mf.lyapunov_spectrum(net, 2, t_sim=10, t_warmup=0, seed=1, checkpoint=ck, progress=False)
    assert ck.exists() and not stale.exists() and other.exists()
    # phase-diagram outputs too
    out = tmp_path / "pd.npz"
    (tmp_path / "pd.npz.xyz.tmp.npz").write_bytes(b"partial")
    mf.phase_diagram(net, "frequency", [0.1], [0.0, 1.0], lambda_fn=lambda m, **kw: (-1.0, 0.1),
                     max_workers=1, output=str(out), progress=False)
    assert out.exists() and not (tmp_path / "pd.npz.xyz.tmp.npz").exists()


def test_atomic_writes_name_their_temporaries_after_the_file(tmp_path, monkeypatch):
    seen = []
    real = np.savez

    def spy(path, **arrays):
        seen.append(os.path.basename(path))
        return real(path, **arrays)
    monkeypatch.setattr(np, "savez", spy)
    atomic_savez(tmp_path / "x.npz", a=np.arange(2))
    assert seen and seen[0].startswith("x.npz.") and seen[0].endswith(".tmp.npz")
    assert remove_stale_temporaries(tmp_path / "x.npz") == 0
