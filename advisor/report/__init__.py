"""The cost report: built from the lake and the engine, rendered, delivered, scheduled."""
