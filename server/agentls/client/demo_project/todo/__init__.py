"""tinytodo: a tiny todo list kept in a JSON file."""
