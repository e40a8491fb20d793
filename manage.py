#!/usr/bin/env python
import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.base")
    if not os.environ.get("SECRET_KEY"):
        # A developer's checkout (no secret configured): management commands run in DEBUG mode.
        # Deployed, SECRET_KEY is set and DEBUG stays off unless DEBUG says otherwise; the web
        # processes (gunicorn, config.wsgi) never take this path.
        os.environ.setdefault("DEBUG", "1")
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
