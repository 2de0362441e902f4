"""Background sync as jobs on procrastinate (a PostgreSQL job queue), run by ``crm worker``.

- :mod:`crmcore.worker.schema`: the job queue's tables, applied and removed by the core's
  migrations (procrastinate's own schema SQL; every object is named ``procrastinate_*``).
- :mod:`crmcore.worker.queue`: the procrastinate app, its tasks, the lock keys.
- :mod:`crmcore.worker.jobs`: what one sync job does (the same plain function the SQLite
  scheduler calls).
- :mod:`crmcore.worker.defer`: what Sync Now calls: are workers running here, defer a sync.
- :mod:`crmcore.worker.status`: queued, running and failed jobs per connection.

Needs the ``postgres`` extra (``pip install 'crm[postgres]'``).
"""
