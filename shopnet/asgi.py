"""ASGI entry point: HTTP through Django, WebSockets through Channels' router."""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shopnet.settings")
# Set up Django (apps, models) before anything imports consumers or routing.
django_asgi_app = get_asgi_application()

from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402

from shopnet.routing import websocket_urlpatterns  # noqa: E402
from shopnet.ws_auth import WebsocketAuth  # noqa: E402

application = ProtocolTypeRouter(
    {
        "http": django_asgi_app,
        # Origin checked against ALLOWED_HOSTS, then session (browsers) or token (integrations).
        "websocket": WebsocketAuth(URLRouter(websocket_urlpatterns)),
    }
)
