"""Fetch stage: the only package that imports httpx/httpcore.

``HttpClient(policy, resolver).fetch(url, kind=...)`` returns a
:class:`~pipeline.types.FetchResult` (decoded body or a stable error code);
``fetch_many`` runs many requests concurrently under per-host limits. See
docs/fetching.md for the budgets, the error codes and the SSRF policy.
"""

from pipeline.fetch.client import FetchRequest, HttpClient
from pipeline.fetch.network import Connector, Resolver, system_resolver
from pipeline.fetch.policy import DEFAULT_USER_AGENT, FetchPolicy, policy_from_settings
from pipeline.fetch.urls import AllowList, check_url, is_public_address, strip_credentials
from pipeline.types import FetchResult

__all__ = [
    "DEFAULT_USER_AGENT",
    "AllowList",
    "Connector",
    "FetchPolicy",
    "FetchRequest",
    "FetchResult",
    "HttpClient",
    "Resolver",
    "check_url",
    "is_public_address",
    "policy_from_settings",
    "strip_credentials",
    "system_resolver",
]
