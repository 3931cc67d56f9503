"""Layer 3: phones to mouth shapes (``animate``), in small timeline-to-timeline steps."""
