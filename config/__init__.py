# The Celery app is loaded with Django, so that @shared_task uses it (Celery's Django docs).
from config.celery import app as celery_app

__all__ = ["celery_app"]
