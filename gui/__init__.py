"""DenseLabel's desktop window: the only package that knows Qt and VTK."""
