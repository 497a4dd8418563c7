"""The Pulumi program's logic: a pydantic-validated stack spec turned into resources."""
