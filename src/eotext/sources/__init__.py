"""Sources: one reader per input format, each with a sniff and a reader, in :data:`FORMATS`."""

IMAGE_FORMATS = ("auto", "safe", "bands", "geotiff", "bigearthnet", "bigearthnet-v2", "s1")
