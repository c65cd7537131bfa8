"""Watching: collect on a schedule, analyse, raise alerts and deliver them (``antena watch``)."""
