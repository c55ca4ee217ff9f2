"""Complaints (cases) on SP4N-LAPOR! clocks and follow-up plans (RTL)."""
