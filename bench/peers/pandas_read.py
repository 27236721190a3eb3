"""Peer: what analysts run today. Reads every form listed in LIST (one path
a line) with pandas.read_excel(engine="openpyxl", sheet_name=None) in a
multiprocessing Pool of WORKERS, and prints one JSON line: forms, rows
(data rows of all sheets as pandas counts them), seconds (from creating the
pool to the last result, interpreter start-up and imports excluded)."""

import json
import sys
import time
import warnings
from multiprocessing import Pool

import pandas as pd

# pandas 1.5 warns about inferring dates on every date column: noise here.
warnings.filterwarnings("ignore", category=FutureWarning)


def read_one(path):
    sheets = pd.read_excel(path, engine="openpyxl", sheet_name=None)
    return sum(len(df) for df in sheets.values())


def main():
    list_file, workers = sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else 2
    with open(list_file, encoding="utf-8") as f:
        paths = [line.rstrip("\n") for line in f if line.strip()]
    began = time.perf_counter()
    with Pool(workers) as pool:
        rows = sum(pool.imap_unordered(read_one, paths, chunksize=4))
    seconds = time.perf_counter() - began
    print(json.dumps({"peer": "pandas", "workers": workers, "forms": len(paths), "rows": rows,
                      "seconds": seconds, "forms_per_s": len(paths) / seconds,
                      "pandas": pd.__version__}))


if __name__ == "__main__":
    main()
