"""The ``csvtools`` command starts here, as ``python -m csvtools`` or as the console script."""

import gc
import os


def main() -> None:
    """Set up this process for a batch run, then hand over to :mod:`csvtools.cli`."""
    # numpy's OpenBLAS starts a busy-waiting thread per core as it loads. csvtools does no linear
    # algebra, and on two cores that thread cost about 0.1 s of a 2.3 s run. The setting must come
    # before numpy loads, which is why importing the package loads nothing (see __init__).
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
    # Loading pandas and pyarrow makes hundreds of thousands of objects, none of them garbage.
    # Collecting while they load, and going through them all again at exit, cost about 0.15 s;
    # frozen, no collection looks at them (and forked workers inherit that).
    gc.disable()
    from .cli import main as run
    from .tuning import keep_freed_memory

    gc.freeze()
    gc.enable()
    keep_freed_memory()
    run()


if __name__ == "__main__":
    main()
