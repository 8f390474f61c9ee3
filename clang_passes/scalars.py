"""Scalars pass (placeholder)."""


def scalar_uses(info, variables, address_taken):
    return []
