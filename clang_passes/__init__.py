"""The libclang front end. One pass per module; each reads the AST and returns IR from autopar.ir.

No libclang cursor ever leaves this package.
"""
