"""The demo mode: a visitor opens a fictitious space (Jacqueline, 80) without an account. Each
visitor has her own in-memory copy of the seed (spaces.py), answered by an httpx transport that
speaks the public API's routes (transport.py); nothing reaches the platform."""
from portal.demo.spaces import DemoSpaces, Space
from portal.demo.transport import DEMO_UNSUPPORTED, DemoTransport

__all__ = ["DemoSpaces", "Space", "DemoTransport", "DEMO_UNSUPPORTED"]
