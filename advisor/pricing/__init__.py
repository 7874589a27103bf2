"""Price tables, one module per platform, each price with its source."""
