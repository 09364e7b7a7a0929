import os
import secrets
import sys
from pathlib import Path

import pytest

from tests.waiting import run

ROOT = Path(__file__).resolve().parents[2]
PRODUCTION = {
    "DJANGO_DEBUG": "false",
    "DJANGO_SECRET_KEY": "k7#Qx!2vLp9@Zr4&Nw8^Ht6*Bm3(Jc5)Fd1-Gs0+Ye7=Ua2%Vi9$",
    "DJANGO_ALLOWED_HOSTS": "learn.example.com",
}
GENERATE = 'python -c "import secrets; print(secrets.token_urlsafe(50))"'


@pytest.fixture
def manage(tmp_path):
    """``manage.py`` in a fresh process on the variables given, and nothing else of ours.

    No developer's .env (``make run`` writes one with DJANGO_DEBUG=true) and no var/.
    """

    def manage(*args, env_overrides, drop=()):
        env = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_") and k not in drop}
        env["DJANGO_SETTINGS_MODULE"] = "micromastery.settings"
        env["MICROMASTERY_VAR_DIR"] = str(tmp_path / "var")
        env["MICROMASTERY_ENV_FILE"] = ""
        env.update(env_overrides)
        return run([sys.executable, "manage.py", *args], cwd=ROOT, env=env)

    return manage


def test_settings_production_check_deploy_passes(manage):
    result = manage("check", "--deploy", "--fail-level", "WARNING", env_overrides=PRODUCTION)
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize(
    ("missing", "message"),
    [
        ("DJANGO_SECRET_KEY", "DJANGO_SECRET_KEY is not set"),
        ("DJANGO_ALLOWED_HOSTS", "DJANGO_ALLOWED_HOSTS is not set"),
    ],
)
def test_settings_production_refuses_to_start_without(manage, missing, message):
    env = {k: v for k, v in PRODUCTION.items() if k != missing}
    result = manage("check", env_overrides=env)
    assert result.returncode != 0
    assert message in result.stderr


@pytest.mark.parametrize(
    "weak_key",
    [
        "collectstatic-only",
        "x" * 80,
        "abcd" * 20,
        "django-insecure-" + secrets.token_urlsafe(50),
        secrets.token_urlsafe(30)[:49],
    ],
    ids=["short", "one-character", "four-characters", "django-insecure-prefix", "49-characters"],
)
def test_settings_production_refuses_a_weak_secret_key(manage, weak_key):
    result = manage("check", env_overrides={**PRODUCTION, "DJANGO_SECRET_KEY": weak_key})
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY is too weak for production" in result.stderr
    assert GENERATE in result.stderr


def test_settings_production_starts_with_a_generated_secret_key(manage):
    key = secrets.token_urlsafe(50)
    result = manage("check", env_overrides={**PRODUCTION, "DJANGO_SECRET_KEY": key})
    assert result.returncode == 0, result.stdout + result.stderr


def test_settings_debug_allows_a_weak_secret_key(manage):
    result = manage("check", env_overrides={"DJANGO_DEBUG": "true", "DJANGO_SECRET_KEY": "dev"})
    assert result.returncode == 0, result.stdout + result.stderr


def test_settings_read_the_env_file_named_and_no_other(manage, tmp_path):
    env_file = tmp_path / "development.env"
    env_file.write_text(f"DJANGO_DEBUG=true\nDJANGO_SECRET_KEY={secrets.token_urlsafe(50)}\n")
    named = manage("check", env_overrides={"MICROMASTERY_ENV_FILE": str(env_file)})
    assert named.returncode == 0, named.stdout + named.stderr
    # Empty: no file at all, so production's requirements apply.
    none = manage("check", env_overrides={"MICROMASTERY_ENV_FILE": ""})
    assert none.returncode != 0
    assert "DJANGO_SECRET_KEY is not set" in none.stderr


def test_settings_dockerfile_collectstatic_step_runs(tmp_path):
    """The image's collectstatic step, as the Dockerfile writes it, loads production settings."""
    dockerfile = (ROOT / "Dockerfile").read_text().replace("\\\n", " ")
    (step,) = [line for line in dockerfile.splitlines() if "collectstatic --noinput" in line]
    command = next(
        part for part in step.removeprefix("RUN ").split("&&") if "collectstatic" in part
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    env["PATH"] = str(Path(sys.executable).parent) + os.pathsep + env["PATH"]
    # The image's own ENV lines, with its /app/var moved here.
    env["MICROMASTERY_VAR_DIR"] = str(tmp_path / "var")
    env["MICROMASTERY_ENV_FILE"] = ""
    result = run(["sh", "-c", command], cwd=ROOT, env=env)
    assert result.returncode == 0, result.stdout + result.stderr
    assert (tmp_path / "var" / "static" / "staticfiles.json").exists()


def test_settings_seed_demo_refused_in_production(manage):
    result = manage("seed_demo", env_overrides=PRODUCTION)
    assert result.returncode != 0
    assert "refused in production" in result.stderr
