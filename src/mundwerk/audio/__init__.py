"""Layer 1: decode any container to 16 kHz mono float32, find pauses."""

from mundwerk.audio.signal import Audio

__all__ = ["Audio"]
