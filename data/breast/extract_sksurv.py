"""Write gbsg2.csv and gse7390.csv from the ARFF files shipped in the
scikit-survival 0.28.0 wheel (sksurv/datasets/data/). Standard library only.

    pip download scikit-survival==0.28.0 --no-deps -d wheel
    unzip wheel/*.whl 'sksurv/datasets/data/*' -d wheel
    python extract_sksurv.py wheel/sksurv/datasets/data
"""
import csv
import sys
from pathlib import Path


def read_arff(path):
    names, rows, in_data = [], [], False
    for line in Path(path).read_text().splitlines():
        s = line.strip()
        if not s or s.startswith("%"):
            continue
        if in_data:
            rows.append([v.strip().strip("'") for v in s.split(",")])
        elif s.lower().startswith("@attribute"):
            names.append(s.split()[1])
        elif s.lower() == "@data":
            in_data = True
    return names, rows


def gbsg2(src, dst):
    names, rows = read_arff(src / "GBSG2.arff")
    col = {n: i for i, n in enumerate(names)}
    grade = {"I": "1", "II": "2", "III": "3"}
    with open(dst, "w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["age", "meno", "size_mm", "grade", "nodes", "pgr", "er",
                    "hormon", "rfs_days", "rfs_event"])
        for r in rows:
            w.writerow([r[col["age"]], int(r[col["menostat"]] == "Post"),
                        r[col["tsize"]], grade[r[col["tgrade"]]], r[col["pnodes"]],
                        r[col["progrec"]], r[col["estrec"]],
                        int(r[col["horTh"]] == "yes"), r[col["time"]], r[col["cens"]]])


def gse7390(src, dst):
    names, rows = read_arff(src / "breast_cancer_GSE7390-metastasis.arff")
    grade = {"well differentiated": "1", "intermediate": "2",
             "poorly differentiated": "3", "unkown": ""}
    probes = [n for n in names if n.startswith("X")]
    col = {n: i for i, n in enumerate(names)}
    with open(dst, "w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["age", "size_cm", "grade", "er", "tdm_days", "tdm_event"]
                   + [p[1:] for p in probes])
        for r in rows:
            w.writerow([r[col["age"]], r[col["size"]], grade[r[col["grade"]]],
                        int(r[col["er"]] == "positive"), r[col["t.tdm"]], r[col["e.tdm"]]]
                       + [r[col[p]] for p in probes])


if __name__ == "__main__":
    src = Path(sys.argv[1])
    here = Path(__file__).parent
    gbsg2(src, here / "gbsg2.csv")
    gse7390(src, here / "gse7390.csv")
