"""ACP v1 vocabulary, transport-neutral: names, params, errors, and the agent methods."""
