"""The HTTP face of Shudao: the FastAPI application, its routers and RFC 9457 problems.

Imports flow one way inside this package: ``deps`` and ``problems`` (shared pieces) <- the
routers (``routes``, ``matrix_routes``, ``maps_routes``, ``ogc``) <- ``app`` (the factory) <-
``asgi`` (the process-manager entry point). Nothing here imports :mod:`api.cli`.
"""
