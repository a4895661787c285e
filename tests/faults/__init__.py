"""Fault tests: the production processes (`agency serve`, `agency worker`) on PostgreSQL while their
database connections are cut, Redis and the S3 server stop and come back, and workers are killed.

Each test has a database of its own, and its own Redis, S3 front and SMS gateway where it stops one.
"""
