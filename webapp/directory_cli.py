"""Admin commands of `mashangban` for the directory (being written)."""

import argparse
from collections.abc import Callable

Register = Callable[[argparse._SubParsersAction, str, str, Callable], argparse.ArgumentParser]


def add_commands(commands: argparse._SubParsersAction, command: Register) -> None:
    """Register this module's commands on the `mashangban` parser."""
