"""Layer 1: decode any container to 16 kHz mono float32, find pauses."""

from mundwerk.audio.decode import decode, iter_blocks
from mundwerk.audio.pauses import find_pauses, split_at_pauses
from mundwerk.audio.signal import Audio

__all__ = ["Audio", "decode", "find_pauses", "iter_blocks", "split_at_pauses"]
