"""``python -m tgcore.cli``: the same as the ``tgclient`` console script."""

from tgcore.cli import main

main(prog_name="tgclient")
