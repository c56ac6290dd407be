from .finance_urls import urlpatterns as finance
from .stripe_urls import urlpatterns as stripe

app_name = "billing"
urlpatterns = finance + stripe
