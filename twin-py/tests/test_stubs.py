"""The type stubs describe the module that is really built: every native function,
class and method has a stub, and every stub exists natively."""

import ast
from pathlib import Path

import patient_twin._native as native

STUB = Path(__file__).resolve().parents[1] / "python" / "patient_twin" / "_native.pyi"


def stubbed():
    tree = ast.parse(STUB.read_text())
    top, members = set(), {}
    for node in tree.body:
        if isinstance(node, ast.FunctionDef):
            top.add(node.name)
        elif isinstance(node, ast.ClassDef):
            top.add(node.name)
            members[node.name] = {n.name for n in node.body if isinstance(n, ast.FunctionDef)}
    return top, members


def test_every_native_name_has_a_stub_and_back():
    top, members = stubbed()
    real = {n for n in dir(native) if not n.startswith("__")}
    assert top == real
    for cls, methods in members.items():
        public = {
            n for n in dir(getattr(native, cls))
            if not n.startswith("_") and n not in dir(Exception)
        }
        assert methods == public, cls
