"""Generic geo plumbing: CRS and geodesy, source readers, graph building, table validation.

`gis` knows nothing about Sichuan's corridors; everything here takes its inputs as arguments.
Nothing is read at import time.
"""
