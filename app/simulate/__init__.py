"""Simulation of SOPs against scenarios, rollback drills, and DORA metrics."""
