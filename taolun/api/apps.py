from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "taolun.api"
    label = "api"
    verbose_name = "API"
