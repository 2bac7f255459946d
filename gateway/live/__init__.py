"""The gateway's live side: shared producers (gateway/live/hub.py), the broker that
carries events across replicas (gateway/live/broker.py), and each client's bounded
queue (gateway/live/feeds.py)."""

from __future__ import annotations

from gateway.live.broker import Broker, Event
from gateway.live.feeds import Dropped, Feed, Kind
from gateway.live.hub import Audience, Hub
from gateway.settings import Settings


def hub_for(settings: Settings) -> Hub:
    """An app's hub: events over Redis when ``GATEWAY_REDIS_URL`` is set, else in memory."""
    return Hub(Broker(settings.redis_url, settings.live_channel))


__all__ = ["Audience", "Broker", "Dropped", "Event", "Feed", "Hub", "Kind", "hub_for"]
