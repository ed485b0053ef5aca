from django.apps import AppConfig


class DevToolsConfig(AppConfig):
    """Development tools: the synthetic data generator that the benchmark and the
    scale tests use. Installed by the development and test settings only, never in
    production (`manage.py generate_synthetic` does not exist there)."""

    name = "devtools"
    verbose_name = "Development tools"
