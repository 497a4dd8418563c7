"""Cortex access control as of 2026: per-role AI access (grants.py) and the account lockdown (lockdown.py).
Both read SHOW GRANTS and manage only what they granted or revoked (the ownership rule of every grant)."""
