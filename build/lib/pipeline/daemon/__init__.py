"""The daemon: scheduling, the cycle watchdog, signals and the single-instance
lock. The only package that imports APScheduler; nothing imports it but the
CLI (``vric daemon``, ``vric worker``).

Modules:

- :mod:`~pipeline.daemon.scheduler`: APScheduler with deliberate job options;
- :mod:`~pipeline.daemon.watchdog`: each cycle in a child process, killed when
  it overruns its limit;
- :mod:`~pipeline.daemon.child`: what runs inside that child;
- :mod:`~pipeline.daemon.jobs`: nightly maintenance and the period bundle;
- :mod:`~pipeline.daemon.service`: start-up, locks, signals and shutdown.
"""

from pipeline.daemon.service import Service, ServiceOptions, default_owner, finish

__all__ = ["Service", "ServiceOptions", "default_owner", "finish"]
