"""The real job worker: `ketacare worker` on a SQLite queue and on Redis, sending through SMTP."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
import redis
from typer.testing import CliRunner

from ketacare.cli import app as cli
from ketacare.config import Settings
from ketacare.kit import jobs
from tests.messaging.conftest import Postbox
from tests.messaging.support import World

REDIS_URL = "redis://127.0.0.1:6379/15"  # a database of its own: only it is flushed


def _env(settings: Settings, jobs_url: str) -> dict[str, str]:
    return {
        **os.environ,
        "KETACARE_ENV": "test",
        "KETACARE_DATABASE_URL": settings.database_url,
        "KETACARE_SECRET_KEY": settings.secret_key.get_secret_value(),
        "KETACARE_DATA_DIR": str(settings.data_dir),
        "KETACARE_SMTP_HOST": settings.smtp_host,
        "KETACARE_SMTP_PORT": str(settings.smtp_port),
        "KETACARE_CLINIC_TIMEZONE": settings.clinic_timezone,
        "KETACARE_JOBS_URL": jobs_url,
    }


def _wait_until_sent(world: World, appointment: uuid.UUID, timeout: float = 40.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        statuses = [m.status for m in world.messages(appointment)]
        if statuses == ["sent"]:
            return
        time.sleep(0.2)
    raise AssertionError(f"not sent in time: {statuses}")


@pytest.fixture
def redis_queue() -> Iterator[str]:
    connection = redis.Redis.from_url(REDIS_URL)
    connection.flushdb()
    yield REDIS_URL
    connection.flushdb()
    connection.close()


def _run_worker(world: World, postbox: Postbox, jobs_url: str, tmp_path: Path) -> str:
    first = world.book(world.patient(), timedelta(hours=3))
    settings = world.settings.model_copy(update={"jobs_url": jobs_url})
    worker = subprocess.Popen(
        [str(Path(sys.executable).parent / "ketacare"), "worker"],
        env=_env(settings, jobs_url),
        cwd=tmp_path,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        _wait_until_sent(world, first)  # the sweep the worker queues when it starts
        # Another process (the web app, say) asks for a sweep through the same queue.
        second = world.book(world.patient(email="bob@example.com"), timedelta(hours=4))
        producer = jobs.build(settings)
        producer.send_due()
        _wait_until_sent(world, second)
    finally:
        worker.send_signal(signal.SIGINT)  # Ctrl+C
        _, log = worker.communicate(timeout=30)
    assert worker.returncode == 0, log
    assert sorted(m["To"] for m in postbox.messages) == ["ada@example.com", "bob@example.com"]
    return log


def test_worker_on_the_embedded_sqlite_queue(
    world: World, postbox: Postbox, tmp_path: Path
) -> None:
    log = _run_worker(world, postbox, "", tmp_path)
    assert f"queue SQLite {world.settings.data_dir / 'jobs.db'}" in log
    assert (world.settings.data_dir / "jobs.db").exists()
    assert "Consumer exiting" in log or "Received SIGINT" in log


def test_worker_on_redis(world: World, postbox: Postbox, tmp_path: Path, redis_queue: str) -> None:
    log = _run_worker(world, postbox, redis_queue, tmp_path)
    assert "queue redis://127.0.0.1:6379/15" in log


def test_huey_instance_follows_the_setting(settings: Settings) -> None:
    embedded = jobs.make_huey(settings)
    assert type(embedded).__name__ == "SqliteHuey"
    assert embedded.storage.filename == str(settings.data_dir / "jobs.db")
    on_redis = jobs.make_huey(settings.model_copy(update={"jobs_url": REDIS_URL}))
    assert type(on_redis).__name__ == "PriorityRedisHuey"
    with pytest.raises(jobs.JobsConfigError, match="Redis URL"):
        jobs.make_huey(settings.model_copy(update={"jobs_url": "amqp://x"}))
    secret = settings.model_copy(update={"jobs_url": "redis://:hunter2@cache:6379/0"})
    assert jobs.describe(secret) == "redis://cache:6379/0"


class TestCommand:
    def test_help(self) -> None:
        result = CliRunner().invoke(cli, ["worker", "--help"])
        assert result.exit_code == 0
        assert "reminder e-mails" in result.output and "KETACARE_JOBS_URL" in result.output

    def test_once_sends_what_is_due_and_exits(
        self, world: World, postbox: Postbox, tmp_path: Path
    ) -> None:
        appointment = world.book(world.patient(), timedelta(hours=3))
        result = CliRunner().invoke(cli, ["worker", "--once"], env=_env(world.settings, ""))
        assert result.exit_code == 0, result.output
        assert "sent" in result.output
        assert [m.status for m in world.messages(appointment)] == ["sent"]
        assert len(postbox.messages) == 1

    def test_a_bad_queue_url_is_refused_with_one_line(self, world: World) -> None:
        result = CliRunner().invoke(cli, ["worker"], env=_env(world.settings, "amqp://x"))
        assert result.exit_code == 2
        assert "KETACARE_JOBS_URL must be empty" in result.output
