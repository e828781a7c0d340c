"""OpenStreetMap objects on a scene's grid: visibility rules, the per-grid layer, the patch join.

Reading the files is :mod:`eotext.sources.osm`; only that module needs pyosmium.
"""
