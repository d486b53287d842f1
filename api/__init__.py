"""The outward faces of Shudao: the ``shudao`` command line (typer) and, later, the HTTP API.

`api` is the only package that reads settings (environment / ``.env``), once, through
:mod:`api.settings`; everything below it takes its inputs as arguments.
"""
