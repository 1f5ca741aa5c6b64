"""A1, continued: every audit action code is declared once (audit/actions.py, one
``audit_actions.py`` per app) with a label people read, and services use the declared
constants, never a typed code."""

import ast
import importlib

import pytest

from audit import actions as audit_actions
from tests.audit.test_completeness import ROOT, _project_apps, _source_files


# --- One list of actions --------------------------------------------------------------------
def _declarations() -> list[tuple[str, str, int]]:
    """(code, file, line) of every ``declare("<code>", ...)`` call in the project's apps."""
    found = []
    for _name, path, tree in _source_files():
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Call)
                and getattr(node.func, "id", getattr(node.func, "attr", None)) == "declare"
                and node.args
            ):
                code = node.args[0]
                where = f"{path.relative_to(ROOT)}:{node.lineno}"
                assert isinstance(code, ast.Constant), f"{where}: declare() needs a literal code"
                found.append((code.value, str(path.relative_to(ROOT)), node.lineno))
    return found


def test_every_action_is_declared_once_with_a_label():
    declarations = _declarations()
    codes = [code for code, _file, _line in declarations]
    duplicates = {c for c in codes if codes.count(c) > 1}
    assert not duplicates, f"declared more than once: {sorted(duplicates)}"
    assert all(file.endswith("/audit_actions.py") for _c, file, _l in declarations), (
        "declare actions in the app's audit_actions.py"
    )
    registry = {action.code: action for action in audit_actions.all_actions()}
    # Every declaration module is imported at start-up (AuditConfig.ready): labels are complete.
    assert set(registry) == set(codes)
    for code, action in registry.items():
        assert audit_actions.CODE_PATTERN.match(code), code
        assert str(action.label).strip() and str(action.label) != code, code
        assert audit_actions.label_for(code) == str(action.label)
        assert action.app in {config.label for config in _project_apps()}, code
    # Codes already in the trail never change, whichever app writes them now.
    assert registry["governance.request_approved"].app == "approvals"
    assert registry["governance.document_generated"].app == "documents"


def test_an_undeclared_code_shows_as_itself():
    assert audit_actions.label_for("bench.appended") == "bench.appended"
    assert audit_actions.label_for("governance.request_approved") == "Deployment request approved"


def test_a_code_cannot_be_declared_twice():
    with pytest.raises(audit_actions.DuplicateAuditActionError):
        audit_actions.declare("governance.request_approved", "Something else", app="risk")
    with pytest.raises(ValueError, match="past_tense_verb"):
        audit_actions.declare("Not A Code", "x")


def _resolve(node: ast.expr, module) -> list:
    """The values an ``action=`` expression can take, as far as can be read without running
    it: literals, module-level constants, both arms of ``a if c else b``; a local variable
    (a helper's parameter) is checked where its value is chosen."""
    if isinstance(node, ast.Constant):
        return [node.value]
    if isinstance(node, ast.IfExp):
        return _resolve(node.body, module) + _resolve(node.orelse, module)
    if isinstance(node, ast.Name) and node.id.isupper():
        return [getattr(module, node.id)]
    if isinstance(node, ast.JoinedStr):
        return [ast.unparse(node)]
    return []


def test_services_use_the_declared_constants():
    """No action code typed by hand in app code: a declared code appears only in its
    declaration, and every ``audit_record(action=...)`` resolves to a declared code."""
    declared = {code for code, _file, _line in _declarations()}
    typed, undeclared = [], []
    for name, path, tree in _source_files():
        if path.name == "audit_actions.py":
            continue
        where = str(path.relative_to(ROOT))
        for node in ast.walk(tree):
            if isinstance(node, ast.Constant) and node.value in declared:
                typed.append(f"{where}:{node.lineno} {node.value}")
            if (
                isinstance(node, ast.Call)
                and getattr(node.func, "id", getattr(node.func, "attr", None)) == "audit_record"
            ):
                for keyword in node.keywords:
                    if keyword.arg != "action":
                        continue
                    if isinstance(keyword.value, ast.JoinedStr):
                        typed.append(f"{where}:{node.lineno} {ast.unparse(keyword.value)}")
                    for value in _resolve(keyword.value, importlib.import_module(name)):
                        if value not in declared:
                            undeclared.append(f"{where}:{node.lineno} {value}")
    assert not typed, "use the audit_actions constant instead of the code:\n" + "\n".join(typed)
    assert not undeclared, "actions with no declaration (label):\n" + "\n".join(undeclared)
