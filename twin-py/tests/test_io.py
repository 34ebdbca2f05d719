"""Records and images from Python: FHIR import pseudonymises, CSV import
pseudonymises, NIfTI volumes arrive as numpy arrays with their geometry."""

import json
import re
import threading
import time

import numpy as np
import pytest

import patient_twin as pt

KEY = b"0123456789abcdef"


def test_fhir_import_replaces_the_id_with_a_keyed_pseudonym(data):
    path = data / "synthetic" / "t2d_patient.json"
    a = pt.Record.load(path, key=b"0123456789abcdef")
    b = pt.Record.load(path, key=b"0123456789abcdef")
    c = pt.Record.load(path, key=b"fedcba9876543210")
    assert a.patient_id == b.patient_id != c.patient_id
    assert a.patient_id.startswith("pt-")
    assert "t2d_patient" not in a.to_json()
    with pytest.raises(pt.InputError, match="16"):
        pt.Record.load(path, key=b"short")


def test_record_json_ids_are_pseudonymised_and_pseudonyms_kept(data, tmp_path):
    fhir = pt.Record.load(data / "synthetic" / "t2d_patient.json", key=KEY)
    # An id that is already a pseudonym survives FHIR -> JSON -> load.
    path = tmp_path / "record.json"
    path.write_text(fhir.to_json())
    assert pt.Record.load(path, key=KEY).patient_id == fhir.patient_id
    assert pt.Record.from_json(fhir.to_json()).patient_id == fhir.patient_id
    # A name as id is replaced by its keyed pseudonym, alike in load and from_json.
    named = json.loads(fhir.to_json())
    named["patient_id"] = "Jane_Doe_1970"
    path.write_text(json.dumps(named))
    a = pt.Record.load(path, key=KEY)
    b = pt.Record.from_json(json.dumps(named), key=KEY)
    other = pt.Record.from_json(json.dumps(named), key=b"fedcba9876543210")
    assert re.fullmatch(r"pt-[0-9a-f]{16}", a.patient_id)
    assert a.patient_id == b.patient_id != other.patient_id
    assert a.patient_id != fhir.patient_id
    assert "Jane" not in a.to_json() and "Jane" not in repr(b)
    # Without a key: a random one, still never the name.
    assert pt.Record.from_json(json.dumps(named)).patient_id.startswith("pt-")


def test_series_are_numpy_in_time_order_and_convert_units(data):
    r = pt.Record.load(data / "synthetic" / "t2d_patient.json")
    t, hba1c = r.series("4548-4")  # LOINC HbA1c, %
    assert isinstance(t, np.ndarray) and len(t) == len(hba1c) >= 15
    assert np.all(np.diff(t) >= 0) and np.all((4 < hba1c) & (hba1c < 15))
    # NGSP % to IFCC mmol/mol: mmol/mol = 10.929 (% - 2.15) (IFCC/NGSP master equation)
    t2, ifcc = r.series("4548-4", unit="mmol/mol")
    np.testing.assert_allclose(ifcc, 10.929 * (hba1c - 2.15), rtol=1e-3)
    with pytest.raises(pt.InputError):
        r.series("4548-4", unit="kg")


def test_csv_import_pseudonymises_every_patient(tmp_path):
    csv = tmp_path / "labs.csv"
    csv.write_text(
        "patient_id,time,code,value,unit\n"
        "MRN-1,0,4548-4,7.9,%\nMRN-1,91,4548-4,7.2,%\nMRN-2,0,4548-4,8.4,%\n"
    )
    records = pt.Record.read_csv(csv, key=b"0123456789abcdef")
    assert len(records) == 2
    assert all("MRN" not in r.to_json() for r in records)
    t, v = records[0].series("4548-4")
    assert list(t) == [0.0, 91.0] and list(v) == [7.9, 7.2]
    csv.write_text("patient_id,time,code,value,unit\nMRN-1,0,4548-4,abc,%\n")
    with pytest.raises(pt.InputError, match="line 2"):
        pt.Record.read_csv(csv)


def test_nifti_volumes_and_labels(data):
    gm, geometry = pt.read_volume(data / "mni152" / "mni_icbm152_gm_tal_nlin_sym_09a_converted.nii.gz")
    # MNI152 2009a symmetric at 1 mm: 197 x 233 x 189 voxels (Fonov et al. 2011).
    assert gm.shape == (197, 233, 189) and gm.dtype == np.float64
    assert geometry["spacing_mm"] == [1.0, 1.0, 1.0]
    labels, g2 = pt.read_labels(data / "synthetic" / "glioma_scan_day60.nii.gz")
    assert labels.dtype == np.uint16 and set(np.unique(labels)) <= {0, 1, 2}
    assert (labels == 2).sum() > 0 and (labels >= 1).sum() > (labels == 2).sum()
    with pytest.raises(pt.InputError):
        pt.read_volume(data / "README.md")


def _longest_stall(call):
    """Run `call` in a thread; return (longest time this thread could not run Python
    meanwhile, total time). A call holding the GIL stalls this thread throughout."""
    done, errors = threading.Event(), []

    def work():
        try:
            call()
        except BaseException as e:  # re-raised below
            errors.append(e)
        finally:
            done.set()

    worker = threading.Thread(target=work)
    start = last = time.perf_counter()
    longest = 0.0
    worker.start()
    while not done.is_set():
        now = time.perf_counter()
        longest, last = max(longest, now - last), now
    worker.join()
    if errors:
        raise errors[0]
    return longest, time.perf_counter() - start


def test_csv_import_and_nifti_writers_release_the_gil(tmp_path):
    rows = "".join(f"P{i % 500},{i // 500},4548-4,{6 + i % 30 / 10},%\n" for i in range(600_000))
    csv = tmp_path / "big.csv"
    csv.write_text("patient_id,time,code,value,unit\n" + rows)
    volume = np.random.default_rng(1).random((200, 200, 200))
    labels = (volume * 1000).astype(np.uint16)
    for name, call in [
        ("read_csv", lambda: pt.Record.read_csv(csv, key=KEY)),
        ("write_volume", lambda: pt.write_volume(tmp_path / "v.nii.gz", volume)),
        ("write_labels", lambda: pt.write_labels(tmp_path / "l.nii.gz", labels)),
    ]:
        stall, total = _longest_stall(call)
        assert total > 0.05, (name, total)  # long enough for a stall to show
        assert stall < total / 2, (name, stall, total)
