"""What every in-process benchmark sets up before Django starts: a work folder, the database
(a new SQLite file there unless a URL is given; a PostgreSQL database is created if missing),
media and private files in the work folder, emails kept in memory, quiet logs."""

import os
import tempfile
from pathlib import Path


def create_postgresql_database(database_url):
    import psycopg

    name = database_url.rsplit("/", 1)[1]
    with psycopg.connect(database_url.rsplit("/", 1)[0] + "/postgres", autocommit=True) as connection:
        if not connection.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            connection.execute(f'CREATE DATABASE "{name}"')


def start_django(*, prefix, database_url=None, migrate=True):
    """Set the environment, start Django and (unless told not to) migrate. Returns (work folder,
    database URL)."""
    workdir = Path(tempfile.mkdtemp(prefix=prefix))
    database_url = database_url or f"sqlite:///{workdir / 'bench.sqlite3'}"
    if database_url.startswith("postgres"):
        create_postgresql_database(database_url)
    os.environ["DATABASE_URL"] = database_url
    os.environ["MEDIA_ROOT"] = str(workdir / "media")
    os.environ["PRIVATE_MEDIA_ROOT"] = str(workdir / "private")
    os.environ["EMAIL_BACKEND"] = "django.core.mail.backends.locmem.EmailBackend"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    import django

    django.setup()
    if migrate:
        from django.core.management import call_command

        call_command("migrate", verbosity=0)
    return workdir, database_url
