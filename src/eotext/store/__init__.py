"""The dataset folder: typed records and their tables, rasters, previews, build state."""
