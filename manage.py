#!/usr/bin/env python
"""Django's command-line utility for the French IMPACT platform."""

import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    from django.conf import settings
    from django.core.management import execute_from_command_line

    from config.env import ConfigurationError

    try:
        settings.INSTALLED_APPS  # noqa: B018  (load the settings now, to report errors plainly)
    except ConfigurationError as error:
        sys.stderr.write(f"Configuration error: {error}\n")
        sys.exit(2)
    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
