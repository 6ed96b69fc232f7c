"""The production broker and cache settings (read with REDIS_URL set) bound every wait on Redis,
and give unacknowledged tasks back within minutes, not kombu's default hour."""

import importlib.util
from pathlib import Path

import pytest

SETTINGS_FILE = Path(__file__).resolve().parents[2] / "servicecenter" / "settings.py"


@pytest.fixture
def with_redis(monkeypatch):
    for name in ("CELERY_BROKER_URL", "CACHE_URL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("REDIS_URL", "redis://redis.internal:6379/0")
    spec = importlib.util.spec_from_file_location("_settings_with_redis", SETTINGS_FILE)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_broker_and_the_cache_have_socket_timeouts(with_redis):
    options = with_redis.CELERY_BROKER_TRANSPORT_OPTIONS
    assert 0 < options["socket_timeout"] <= 2
    assert 0 < options["socket_connect_timeout"] <= 2
    cache = with_redis.CACHES["default"]
    assert cache["BACKEND"] == "django.core.cache.backends.redis.RedisCache"
    assert 0 < cache["OPTIONS"]["socket_timeout"] <= 2
    assert 0 < cache["OPTIONS"]["socket_connect_timeout"] <= 2


def test_publishing_retries_at_most_once_and_quickly(with_redis):
    policy = with_redis.CELERY_TASK_PUBLISH_RETRY_POLICY
    assert policy["max_retries"] <= 1 and policy["interval_max"] <= 1
    assert with_redis.CELERY_BROKER_TRANSPORT_OPTIONS["max_retries"] <= 1
    assert with_redis.CELERY_BROKER_CONNECTION_TIMEOUT <= 2


def test_unacknowledged_tasks_come_back_within_minutes(with_redis):
    # The longest task (the reminder ladder) takes ~30 s: keep 10x headroom, stay under 15 minutes.
    assert 300 <= with_redis.CELERY_BROKER_TRANSPORT_OPTIONS["visibility_timeout"] <= 900
    assert with_redis.CELERY_TASK_ACKS_LATE and with_redis.CELERY_TASK_REJECT_ON_WORKER_LOST
