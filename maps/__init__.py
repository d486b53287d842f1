"""Briefing maps: offline HTML (folium/Leaflet) and PNG (headless Chromium or matplotlib).

Owns: the four briefing maps (Sichuan's economic regions with hubs, growth poles and the
corridors leaving Sichuan; a route comparison; the international corridors; accessibility, a
travel-time raster with a county choropleth, `maps.access_map`), built as
renderer-neutral scenes (`maps.briefings`, `maps.scene`), drawn as a single self-contained HTML
page that needs no network (`maps.leaflet`: Leaflet inlined from the ``xstatic-leaflet``
package, the project's own boundaries as the basemap; online tiles optional, with the GCJ-02
display shift for AMap), and exported to PNG by headless Chromium with the network disabled
(`maps.chromium`) or, without a browser, by matplotlib (`maps.static`).

Imports come from `gis`, `hubs` and `corridors` only. No I/O at import.
"""
