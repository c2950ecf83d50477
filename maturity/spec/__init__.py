"""Reading declarative files: strict YAML, field checks and JSON Schemas."""
