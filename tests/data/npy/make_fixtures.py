#!/usr/bin/python3
"""Writes the NumPy fixtures read by tests/unit/test_npy.cpp into this directory.

Run once with Debian's numpy (apt-get install python3-numpy): /usr/bin/python3 make_fixtures.py
The tests read the committed files; they never need Python. Values are small and exact so
the C++ tests can compare them with ==.
"""
import os

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))


def path(name):
    return os.path.join(HERE, name)


def arrays():
    return {
        "a": np.arange(6, dtype=np.float32).reshape(2, 3) - 2.5,  # -2.5 .. 2.5
        "b": np.array([1, -2, 2147483647, -2147483648], dtype=np.int32),
        "c": np.array([0, 1, 255], dtype=np.uint8),
        "d": np.array([-128, 0, 127], dtype=np.int8),
        "e": np.array([-(2**40), 2**40 + 1], dtype=np.int64),
        "f": np.array(0.125, dtype=np.float64),  # 0-d
        "fc.weight": np.zeros((100,), dtype=np.float32),  # compresses well
        "g": np.array([7, 65535], dtype=np.uint16),
    }


def main():
    np.savez(path("savez.npz"), **arrays())
    np.savez_compressed(path("savez_compressed.npz"), **arrays())
    half = np.array([0.0, 1.0, -2.0, 0.5, 65504.0, 2.0**-14, 2.0**-24, np.inf, -np.inf, np.nan,
                     -0.0, 0.333251953125], dtype=np.float16)
    np.save(path("half.npy"), half)
    np.save(path("f8_2d.npy"), np.array([[0.1, -0.2], [1e300, -1e-300], [3.0, 4.5]]))
    v = np.arange(5, dtype=np.float32) * 0.5
    for version in ((2, 0), (3, 0)):
        with open(path("v%d.npy" % version[0]), "wb") as f:
            np.lib.format.write_array(f, v, version=version)
    np.save(path("fortran.npy"), np.asfortranarray(np.arange(6, dtype=np.float32).reshape(2, 3)))
    np.save(path("big_endian.npy"), np.array([1.5, -3.0], dtype=">f4"))
    # RnnWeights: GRU, input 2, hidden 1, one layer, no output layer, as float64; the same
    # plus an extra array that load_npz must reject (issue 14: a weights file holds exactly
    # the network's arrays); and the same with an int32 weight_ih_l0.
    gru = {
        "weight_ih_l0": np.array([[0.5, -0.25], [1.0, 2.0], [-1.5, 0.125]]),
        "weight_hh_l0": np.array([[0.75], [-0.5], [0.0625]]),
        "bias_ih_l0": np.array([0.1, 0.2, 0.3]),
        "bias_hh_l0": np.array([-0.1, -0.2, -0.3]),
    }
    np.savez(path("gru_f64.npz"), **gru)
    np.savez(path("gru_f64_extra.npz"), notes=np.array([1, 2, 3], dtype=np.int32), **gru)
    gru["weight_ih_l0"] = np.array([[1, 2], [3, 4], [5, 6]], dtype=np.int32)
    np.savez(path("gru_int.npz"), **gru)


if __name__ == "__main__":
    main()
