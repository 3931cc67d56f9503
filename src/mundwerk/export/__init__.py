"""Layer 4: one small module per file format, chosen by name in ``registry``."""
