"""The analysts' workbench (``vric serve``): a Starlette app over the same store.

``create_app(store, config)`` builds it; :mod:`pipeline.web.guard` puts the
session and CSRF checks in front of every route; :mod:`pipeline.web.api` is the
JSON API of docs/api.md, :mod:`pipeline.web.pages` the server-rendered pages;
:mod:`pipeline.web.meter` reads the bundle's own selection for the live meter.
"""
