"""Phones to continuous mouth curves (jaw, lips, tongue), mappable to ARKit blendshapes."""

from mundwerk.mouth.curves.build import curves_for_analysis, curves_from_phones
from mundwerk.mouth.curves.samples import curves_from_samples
from mundwerk.mouth.curves.shapes import curves_from_shapes

__all__ = ["curves_for_analysis", "curves_from_phones", "curves_from_samples", "curves_from_shapes"]
