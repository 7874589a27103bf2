"""The `advisor` command's formatters: the same result objects as a terminal table, JSON or CSV."""
