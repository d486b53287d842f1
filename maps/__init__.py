"""Briefing maps (folium, offline HTML and PNG): regions, hubs, corridors and route comparisons.

Not yet implemented; see the maps issue. Imports may come from `gis`, `hubs` and `corridors` only.
"""
