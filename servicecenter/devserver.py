"""`make run`: the web server, a Celery worker and Celery beat together; Ctrl-C stops all three."""

import argparse
import os
import signal
import subprocess
import sys
import time

from django.conf import settings


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", default="8000")
    args = parser.parse_args()

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "servicecenter.settings")
    import django

    django.setup()
    python = sys.executable
    celery = [python, "-m", "celery", "-A", "servicecenter"]
    commands = {
        "web": [python, "manage.py", "runserver", f"{args.host}:{args.port}", "--noreload"],
        "worker": [
            *celery,
            "worker",
            "--loglevel=INFO",
            "--concurrency=2",
            "--without-gossip",
            "--without-mingle",
        ],
        "beat": [*celery, "beat", "--loglevel=INFO", f"--schedule={settings.CELERY_BEAT_SCHEDULE_FILENAME}"],
    }
    processes = {name: subprocess.Popen(cmd) for name, cmd in commands.items()}
    print(
        f"\nservicecenter is running on http://{args.host}:{args.port}/  (Ctrl-C stops web, worker and beat)\n",
        flush=True,
    )

    def stop(*_):
        for process in processes.values():
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + 10
        for process in processes.values():
            try:
                process.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                process.kill()

    signal.signal(signal.SIGTERM, lambda *_: (stop(), sys.exit(0)))
    try:
        while True:
            for name, process in processes.items():
                if process.poll() is not None:
                    print(f"{name} exited with {process.returncode}; stopping the others.", flush=True)
                    stop()
                    return process.returncode or 1
            time.sleep(1)
    except KeyboardInterrupt:
        # Ctrl-C reached the children too; a second one (make forwards it) must not cut the shutdown short.
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        stop()
        print("stopped web, worker and beat.", flush=True)
        return 0


if __name__ == "__main__":
    sys.exit(main())
