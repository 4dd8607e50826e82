"""The designer: the only package that imports Qt."""
