"""Handoff's project package: settings, urls, the job-queue seam and shared plumbing."""

import os

# One BLAS thread per process (web workers, queue workers, management commands): many processes
# share few cores, and numpy's default of one thread per core makes them fight (measured on 2
# cores: creation p50 513 ms with the default, 69 ms with one thread). Set before numpy loads;
# an explicit OMP_NUM_THREADS in the environment wins.
for _name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_name, "1")
