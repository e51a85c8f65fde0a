"""Entry points that pre-commit runs; each is a thin layer over a codemod's command line."""
