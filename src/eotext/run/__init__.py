"""Running a build: annotators and filters as steps, the unit of work, the engine, splits."""
