from django.apps import AppConfig


class CoreConfig(AppConfig):
    # An app only so that its template filters load ({% load tiwizi %}); it has no models.
    name = "core"
    verbose_name = "Tiwizi"
