"""Channel adapters: one module per channel or provider, each owning its wire
format, its limits, and which provider answers are temporary or permanent
failures. Adapters get their settings as constructor arguments and know
nothing of SQL or Flask.
"""
