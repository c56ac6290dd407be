from django.apps import AppConfig


class DemoConfig(AppConfig):
    """The demo seed (`seed_demo`): a programme, schools, people, billing and bookings made
    through each app's own services. It sits above every domain app and below `config`, and no
    app imports it; production settings refuse it (DEMO_DATA_ALLOWED)."""

    name = "demo"
