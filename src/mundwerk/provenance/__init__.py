"""Marks on what mundwerk makes: an invisible watermark and signed content credentials (C2PA).

Layer 4: imports only ``core`` (plus c2pa-python and cryptography for the credentials).
"""
