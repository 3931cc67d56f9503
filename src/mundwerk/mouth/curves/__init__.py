"""Phones to continuous mouth curves (jaw, lips, tongue), mappable to ARKit blendshapes."""

from mundwerk.mouth.curves.build import curves_for_analysis, curves_from_phones

__all__ = ["curves_for_analysis", "curves_from_phones"]
