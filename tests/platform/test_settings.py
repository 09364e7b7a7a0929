import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PRODUCTION = {
    "DJANGO_DEBUG": "false",
    "DJANGO_SECRET_KEY": "k7#Qx!2vLp9@Zr4&Nw8^Ht6*Bm3(Jc5)Fd1-Gs0+Ye7=Ua2%Vi9$",
    "DJANGO_ALLOWED_HOSTS": "learn.example.com",
}


def manage(*args, env_overrides, drop=()):
    env = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_") and k not in drop}
    env["DJANGO_SETTINGS_MODULE"] = "micromastery.settings"
    env["MICROMASTERY_VAR_DIR"] = str(ROOT / "var")
    env.update(env_overrides)
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_settings_production_check_deploy_passes():
    result = manage("check", "--deploy", "--fail-level", "WARNING", env_overrides=PRODUCTION)
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize(
    ("missing", "message"),
    [
        ("DJANGO_SECRET_KEY", "DJANGO_SECRET_KEY is not set"),
        ("DJANGO_ALLOWED_HOSTS", "DJANGO_ALLOWED_HOSTS is not set"),
    ],
)
def test_settings_production_refuses_to_start_without(missing, message):
    env = {k: v for k, v in PRODUCTION.items() if k != missing}
    result = manage("check", env_overrides=env)
    assert result.returncode != 0
    assert message in result.stderr


def test_settings_seed_demo_refused_in_production():
    result = manage("seed_demo", env_overrides=PRODUCTION)
    assert result.returncode != 0
    assert "refused in production" in result.stderr
