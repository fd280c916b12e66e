from django.apps import AppConfig


class DemoConfig(AppConfig):
    # An app for its management commands (load_demo, generate_load_data); it has no models.
    name = "demo"
    verbose_name = "Demo"
