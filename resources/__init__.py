"""Icons, styles and fonts shipped with Gatewright, as package data."""
