"""Layer 0: time, timeline, phone and shape types, errors and constants (numpy only)."""
