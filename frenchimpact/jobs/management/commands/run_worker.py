"""Run a background worker and the scheduler of periodic jobs in one process."""

from __future__ import annotations

import threading
from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser
from django.db import close_old_connections, connection

from frenchimpact.jobs import scheduler


class Command(BaseCommand):
    help = "Exécute les tâches de fond (e-mails, tâches planifiées) et le planificateur."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--interval", type=float, default=1.0, help="Seconds between polls.")
        parser.add_argument(
            "--scheduler-interval",
            type=float,
            default=30.0,
            help="Seconds between scheduler ticks.",
        )
        parser.add_argument("--no-scheduler", action="store_true", help="Only run queued tasks.")
        parser.add_argument(
            "--batch", action="store_true", help="Tick once, run every queued task, then exit."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        stop = threading.Event()
        if not options["no_scheduler"]:
            if options["batch"]:
                scheduler.tick()
            else:
                thread = threading.Thread(
                    target=self._schedule_forever,
                    args=(stop, options["scheduler_interval"]),
                    name="scheduler",
                    daemon=True,
                )
                thread.start()
        try:
            call_command(
                "db_worker",
                queue_name="*",
                interval=options["interval"],
                batch=options["batch"],
                reload=False,
                startup_delay=not options["batch"],
                verbosity=options["verbosity"],
            )
        finally:
            stop.set()

    def _schedule_forever(self, stop: threading.Event, interval: float) -> None:
        try:
            while not stop.is_set():
                close_old_connections()
                try:
                    for name in scheduler.tick():
                        self.stdout.write(f"Tâche planifiée mise en file : {name}")
                except Exception:  # keep the scheduler alive; the error is logged
                    scheduler.logger.exception("Scheduler tick failed")
                stop.wait(interval)
        finally:
            connection.close()
