"""Environment-driven settings: production values pass `check --deploy`; defaults need no server."""

import base64
import os
import secrets
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _run_manage(*args, env_extra: dict[str, str]):
    # Only what the test names: the browser tests' DJANGO_ALLOW_ASYNC_UNSAFE would fail the deploy check.
    inherited = {"DATABASE_URL", "REDIS_URL", "CELERY_BROKER_URL", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    env = {k: v for k, v in os.environ.items() if k not in inherited}
    env.update({"DJANGO_SETTINGS_MODULE": "servicecenter.settings", **env_extra})
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )


def test_check_deploy_reports_nothing_with_production_values(tmp_path):
    result = _run_manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        env_extra={
            "DEBUG": "false",
            "SECRET_KEY": secrets.token_urlsafe(50),
            "ALLOWED_HOSTS": "service.example.com",
            "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
            "REDIS_URL": "redis://127.0.0.1:6379/0",
            "FIELD_ENCRYPTION_KEY": base64.urlsafe_b64encode(secrets.token_bytes(32)).decode(),
            "ID_HASH_KEY": secrets.token_urlsafe(32),
            "VAR_DIR": str(tmp_path),
        },
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_check_deploy_warns_about_development_defaults(tmp_path):
    result = _run_manage("check", "--deploy", env_extra={"DEBUG": "false", "VAR_DIR": str(tmp_path)})
    output = result.stdout + result.stderr
    assert "servicecenter.W001" in output  # encryption keys derived from SECRET_KEY
    assert "servicecenter.W002" in output  # filesystem broker
    assert "security.W009" in output  # the development SECRET_KEY


def test_embedded_defaults_use_sqlite_wal_immediate_and_a_serverless_broker(tmp_path):
    code = (
        "from django.conf import settings as s;"
        "o = s.DATABASES['default']['OPTIONS'];"
        "print(s.DATABASES['default']['ENGINE'], o['transaction_mode'], 'journal_mode=WAL' in o['init_command'],"
        " s.CELERY_BROKER_URL, s.TIME_ZONE, s.LANGUAGE_CODE)"
    )
    result = _run_manage("shell", "-c", code, env_extra={"VAR_DIR": str(tmp_path)})
    assert result.returncode == 0, result.stderr
    assert result.stdout.split()[-6:] == [
        "django.db.backends.sqlite3",
        "IMMEDIATE",
        "True",
        "filesystem://",
        "Asia/Shanghai",
        "zh-hans",
    ]


def test_sqlite_demo_database_runs_in_wal_mode(tmp_path):
    result = _run_manage(
        "shell",
        "-c",
        "from django.db import connection;c=connection.cursor();c.execute('PRAGMA journal_mode');print(c.fetchone()[0])",
        env_extra={"VAR_DIR": str(tmp_path)},
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == "wal"
