"""Curation: what analysts and editors do with stored articles.

The Excel-safe CSV export, the decisions import, rework after a rules or
registry upgrade (retag, reflag, reextract), and the period bundle with the
editorial policy (:mod:`~pipeline.curate.bundle`).
"""
