"""Tests that run shopnet as separate processes (daphne, redis-server) against PostgreSQL."""
