/// The Python program that runs a code answer's tests inside the jail, so that only it can report success.
///
/// It reads the run's secret from the scratch folder and deletes the file, compiles the tests, keeps its own
/// references to what it needs (`exec`, `os.write`, `os._exit`), then loads the answer as the module `answer` and runs
/// the tests in a copy of its namespace. Only after the last test does it write `<secret> passed`, on a copy of
/// standard output made before the answer ran, and end at once. An answer that exits early (`SystemExit`,
/// `os._exit`, a signal), patches `sys.exit`, `exec` or the exception types, or prints a success line of its own
/// reaches no such line: the check fails.
enum CodeTestHarness {
    /// The secret's file name in the scratch folder.
    static let secretFile = ".orchestrate-secret"
    /// The answer's file name in the scratch folder.
    static let answerFile = "answer.py"
    /// The tests' file name in the read-only harness folder.
    static let testsFile = "tests.py"
    /// The harness's file name in the read-only harness folder.
    static let programFile = "harness.py"

    /// The program; it finds the jail's scratch folder at `/work` and its own folder at `/harness`.
    static let program = #"""
        import os as _os
        import sys as _sys
        import importlib.util as _importlib_util

        def _run():
            with open("/work/\#(secretFile)", "r", encoding="utf-8") as handle:
                secret = handle.read().strip()
            _os.unlink("/work/\#(secretFile)")
            write, end, execute, describe_type = _os.write, _os._exit, exec, type
            report_to = _os.dup(1)
            with open("/harness/\#(testsFile)", "r", encoding="utf-8") as handle:
                tests = compile(handle.read(), "tests.py", "exec", dont_inherit=True, optimize=0)

            def report(outcome, detail=""):
                text = " ".join(str(detail).split())[:300]
                write(report_to, (secret + " " + outcome + " " + text + "\n").encode("utf-8", "replace"))
                end(0)

            def describe(error):
                name = describe_type(error).__name__
                try:
                    said = " ".join(str(error).split())[:200]
                except BaseException:
                    said = ""
                return name + (": " + said if said else "")

            try:
                spec = _importlib_util.spec_from_file_location("answer", "/work/\#(answerFile)")
                module = _importlib_util.module_from_spec(spec)
                _sys.modules["answer"] = module
                spec.loader.exec_module(module)
            except BaseException as error:
                report("failed", "loading the answer raised " + describe(error))
            namespace = dict(vars(module))
            namespace["__name__"] = "tests"
            try:
                execute(tests, namespace)
            except BaseException as error:
                report("failed", describe(error))
            report("passed")

        _run()
        """#
}
