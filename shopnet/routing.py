"""WebSocket routes. Each app adds its own consumers here as its streams land."""

websocket_urlpatterns: list = []
