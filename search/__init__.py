"""Question-answering search over a folder of articles."""
