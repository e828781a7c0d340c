"""Sources: one reader per input format, each with a sniff and a reader, registered by name in
:data:`eotext.sources.registry.FORMATS`."""
