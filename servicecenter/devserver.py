"""`make run`: the web server, a Celery worker and Celery beat together; Ctrl-C stops all three."""

import argparse
import os
import signal
import subprocess
import sys
import time


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", default="8000")
    args = parser.parse_args()
    processes: dict[str, subprocess.Popen] = {}
    try:
        return _serve(args, processes)
    except KeyboardInterrupt:
        # Ctrl-C, at any moment (even while Django is still starting): stop what was started and
        # end with 0, so that `make run` ends quietly instead of with a traceback or an error.
        signal.signal(signal.SIGINT, signal.SIG_IGN)  # a second Ctrl-C must not cut the shutdown short
        _stop(processes)
        print("\nstopped web, worker and beat.", flush=True)
        return 0


def _stop(processes: dict[str, subprocess.Popen]) -> None:
    for process in processes.values():
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
    deadline = time.monotonic() + 10
    for process in processes.values():
        try:
            process.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _serve(args, processes: dict[str, subprocess.Popen]) -> int:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "servicecenter.settings")
    # Imported here, inside main's Ctrl-C handling: loading Django and Celery takes a few seconds.
    import django
    from django.conf import settings

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
    for name, command in commands.items():
        # Each child in its own process group: the terminal's Ctrl-C reaches only this process,
        # which then stops the children in order (SIGTERM), instead of three half-started
        # processes each printing its own traceback.
        processes[name] = subprocess.Popen(command, process_group=0)
    print(
        f"\nservicecenter is running on http://{args.host}:{args.port}/  (Ctrl-C stops web, worker and beat)\n",
        flush=True,
    )

    def terminate(*_):
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        _stop(processes)
        sys.exit(0)

    signal.signal(signal.SIGTERM, terminate)
    while True:
        for name, process in processes.items():
            if process.poll() is not None:
                print(f"{name} exited with {process.returncode}; stopping the others.", flush=True)
                _stop(processes)
                return process.returncode or 1
        time.sleep(1)


if __name__ == "__main__":
    sys.exit(main())
