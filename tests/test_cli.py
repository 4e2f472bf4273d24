import subprocess
import sys

import numpy as np
import pytest

import meanfield as mf
from meanfield.cli import main


def test_version(capsys):
    with pytest.raises(SystemExit) as e:
        main(["--version"])
    assert e.value.code == 0
    assert mf.__version__ in capsys.readouterr().out


def test_lyapunov_subcommand_writes_result_and_figure(tmp_path, capsys):
    rc = main(["lyapunov", "--N", "20", "--t-sim", "20", "--t-warmup", "5", "--seed", "1",
               "--out", str(tmp_path), "--no-progress"])
    assert rc == 0
    r = mf.LyapunovResult.load(tmp_path / "lyapunov.npz")
    direct = mf.lyapunov_spectrum(mf.RandomNetwork(20, 2.0, seed=1), t_sim=20, t_warmup=5, seed=1,
                                  progress=False)
    assert np.array_equal(r.exponents, direct.exponents)
    assert (tmp_path / "lyapunov.png").stat().st_size > 0


def test_simulate_subcommand_balanced_with_input(tmp_path):
    rc = main(["simulate", "--model", "balanced", "--N", "30", "--input", "ou", "--amplitude", "0.5",
               "--correlation", "0.5", "--t-max", "5", "--out", str(tmp_path), "--no-progress"])
    assert rc == 0
    s = mf.SimulationResult.load(tmp_path / "simulation.npz")
    assert s.model["type"] == "BalancedNetwork" and s.model["input"]["type"] == "OUInput"


def test_bad_input_exits_with_message(capsys):
    assert main(["lyapunov", "--N", "0", "--no-progress"]) == 2
    assert "N must be" in capsys.readouterr().err


def test_python_dash_m_entry_point():
    out = subprocess.run([sys.executable, "-m", "meanfield", "--version"], capture_output=True, text=True)
    assert out.returncode == 0 and mf.__version__ in out.stdout
