"""The corridor routing engine: multimodal legs, their time, cost and CO2, and the search.

`corridors` owns the engine's parameters (``corridors.params``, read from
``data/geo/parameters.toml``), its errors (``corridors.errors``) and the routing itself. It may
import `gis` and `hubs`, never `maps` or `api`. Nothing is read at import time.
"""
