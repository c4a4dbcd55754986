// The Python half of the engine, embedded as source so the library ships as
// one binary. Both modules are executed at interpreter start with `_native`
// (the pybind11 half, see duet_module.cc) already in their globals.
//
//   kDuetModuleSource      the public `duet` module plugins import.
//   kInternalModuleSource  helpers the engine calls: plugin loading, exports,
//                          exception description, the REPL, stdout capture.
//
// Their code objects are compiled with file names starting "<duet", which the
// traceback walker drops, so a script's stack shows only the script's frames.
#ifndef DUET_BINDINGS_PYTHON_PYTHON_SOURCES_H_
#define DUET_BINDINGS_PYTHON_PYTHON_SOURCES_H_

namespace duet::python {

inline constexpr char kDuetModuleFile[] = "<duet>";
inline constexpr char kInternalModuleFile[] = "<duet-internal>";

inline constexpr char kDuetModuleSource[] = R"PY(
"""duet: call other plugin modules and the host application.

    import duet
    duet.modules.greeter.greet("world")     # any loaded module, any language
    duet.modules["greeter"].greet("world")
    duet.call("greeter.greet", "world")
    duet.host.now()                         # functions the application registered
    duet.log("hello", 42)                   # to the host's log sink
    duet.modules.mapper.map(lambda x: x * 2, [1, 2])   # functions cross too

A failed call raises duet.Error (.code, e.g. "NOT_FOUND"), or duet.ScriptError
when a script raised: .language, .type, .message and .stack say where, and
.details holds the error's data fields (also set as attributes). A script
error is also an instance of the nearest Python built-in (a JavaScript
TypeError is a TypeError, a RangeError a ValueError: docs/errors.md), and
its cause arrives as __cause__.

A plugin chooses the status its caller gets by raising duet.Error with a
code: raise duet.Error("no such user", "NOT_FOUND").

A call that runs past its time limit gets duet.DeadlineExceeded, and one the
host interrupts gets KeyboardInterrupt; both are BaseExceptions, which
`except Exception` does not catch.
"""

__all__ = ["modules", "host", "call", "log", "Error", "ScriptError", "Frame",
           "DeadlineExceeded", "Function"]

# A function from C++ or another language, as Python sees it (a Python
# function crosses as itself).
Function = _native.Function



def __getattr__(name):
    """Makes duet.Frame, a namedtuple, when first asked for: importing
    collections would add a tenth to the interpreter's start."""
    if name == "Frame":
        global Frame
        from collections import namedtuple
        Frame = namedtuple("Frame", "language file line column function")
        return Frame
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def _check_code(code, where):
    """Raises TypeError / ValueError unless code names a status code."""
    if not isinstance(code, str):
        raise TypeError(f"{where}: code must be a str naming a status code "
                        f"(such as 'NOT_FOUND'), not {type(code).__name__}")
    problem = _native.status_code_problem(code)
    if problem:
        raise ValueError(f"{where}: {problem}")


class Error(Exception):
    """A duet call failed; .code is the status code name ("NOT_FOUND").

    A plugin raises it to choose the status its caller gets:
    raise duet.Error("no such user", "NOT_FOUND") fails the call with
    NOT_FOUND and that message. A subclass may set a default, as a class
    attribute: class NotFound(duet.Error): code = "NOT_FOUND".
    """

    code = "UNKNOWN"

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        if "code" in cls.__dict__:
            _check_code(cls.__dict__["code"], f"class {cls.__qualname__}")

    def __init__(self, message="", code=None):
        super().__init__(message)
        if code is None:
            code = type(self).code
        else:
            name = "duet.Error" if type(self) is Error else type(self).__name__
            _check_code(code, f"{name}(message, code)")
        self.message = message
        self.code = code

    def __str__(self):
        return self.message


class ScriptError(Error):
    """A script raised or threw, in Python or JavaScript."""

    def __init__(self, message="", type="Error", language="python", stack=(),
                 code="UNKNOWN", source_line="", details=None):
        super().__init__(message, code)
        self.type = type
        self.language = language
        self.stack = list(stack)
        self.source_line = source_line
        self.details = dict(details) if details else {}

    def __str__(self):
        head = f"{self.type}: {self.message}" if self.message else self.type
        return f"{head} ({self.language})"


class DeadlineExceeded(BaseException):
    """Raised in a call that ran past its time limit, to stop it.

    A BaseException (like KeyboardInterrupt), so `except Exception` lets it
    pass; a plugin may catch it to clean up, but the call still fails.
    """


def _is_dunder(name):
    return name.startswith("__") and name.endswith("__")


def _make_function(module, function):
    # A native callable: a call runs no Python frame of its own.
    fn = _native.module_function(_native.ModuleFunction, module, function)
    fn.__name__ = function
    fn.__qualname__ = f"{module}.{function}"
    _describe(fn, module, function)
    return fn


def _describe(fn, module, function):
    """Gives fn the signature and docstring plugin.toml's [exports] declares,
    for help() and inspect.signature (typed as `duet stubs` types it)."""
    try:
        declared = _native.declared_export(module, function)
    except Exception:
        return  # outside a call (a plugin's own thread): no host to ask
    import inspect
    import typing
    if declared is None:
        declared = (None, None, None)
    params, returns, text = declared
    names = {"Any": typing.Any, "Mapping": typing.Mapping}
    if params is None:
        parameters = [inspect.Parameter(
            "args", inspect.Parameter.VAR_POSITIONAL, annotation=typing.Any)]
    else:
        parameters = [
            inspect.Parameter(f"arg{i}", inspect.Parameter.POSITIONAL_ONLY,
                              annotation=eval(annotation, names))
            for i, annotation in enumerate(params)]
    result = eval(returns, names) if returns is not None else typing.Any
    fn.__signature__ = inspect.Signature(parameters, return_annotation=result)
    if text is None:
        fn.__doc__ = (f"{function}(...): not declared in [exports] of "
                      f"{module}'s plugin.toml, so untyped.")
    else:
        fn.__doc__ = (f"{text}, as [exports.{function}] of {module}'s "
                      "plugin.toml declares it. Runs the module's active "
                      "implementation, whichever its language.")


class _ModuleProxy:
    """duet.modules.<name>: attribute access yields callables."""

    # Each callable made is kept in the instance __dict__, so the next
    # lookup finds it there in C: __getattr__ runs only on a miss, after
    # Python has built an AttributeError for it (a cost per call otherwise).
    __slots__ = ("_name", "__dict__")

    def __init__(self, name):
        object.__setattr__(self, "_name", name)

    def __getattr__(self, function):
        if _is_dunder(function):
            raise AttributeError(function)
        fn = _make_function(self._name, function)
        object.__setattr__(self, function, fn)
        return fn

    def __getitem__(self, function):
        fn = self.__dict__.get(function)
        return fn if fn is not None else self.__getattr__(function)

    def __setattr__(self, name, value):
        raise AttributeError("duet module proxies are read-only")

    def __delattr__(self, name):
        raise AttributeError("duet module proxies are read-only")

    def __dir__(self):
        return sorted(_native.module_functions(self._name))

    def __repr__(self):
        return f"<duet module {self._name!r}>"


class _Modules:
    """duet.modules: every module loaded in the host."""

    # Proxies are kept in the instance __dict__, found there in C by the
    # next lookup (see _ModuleProxy).
    __slots__ = ("__dict__",)

    def __getattr__(self, name):
        if _is_dunder(name):
            raise AttributeError(name)
        return self[name]

    def __getitem__(self, name):
        if not isinstance(name, str):
            raise TypeError(f"module names are str, not {type(name).__name__}")
        proxy = self.__dict__.get(name)
        if proxy is None:
            proxy = _ModuleProxy(name)
            object.__setattr__(self, name, proxy)
        return proxy

    def __setattr__(self, name, value):
        raise AttributeError("duet.modules is read-only")

    def __delattr__(self, name):
        raise AttributeError("duet.modules is read-only")

    def __contains__(self, name):
        return name in _native.module_names()

    def __iter__(self):
        return iter(sorted(_native.module_names()))

    def __dir__(self):
        return sorted(_native.module_names())

    def __repr__(self):
        return "<duet modules " + ", ".join(sorted(_native.module_names())) + ">"


class _Host:
    """duet.host: functions the embedding application registered."""

    __slots__ = ("_functions",)

    def __init__(self):
        object.__setattr__(self, "_functions", {})

    def __getattr__(self, name):
        if _is_dunder(name):
            raise AttributeError(name)
        fn = self._functions.get(name)
        if fn is None:
            call_host = _native.call_host

            def fn(*args):
                return call_host(name, args)

            fn.__name__ = fn.__qualname__ = name
            self._functions[name] = fn
        return fn

    def __setattr__(self, name, value):
        raise AttributeError("duet.host is read-only")

    def __dir__(self):
        return sorted(_native.host_function_names())

    def __repr__(self):
        return "<duet host>"


# Names already made are read without the __getattr__ hook's type lookups
# (duet_module.cc GenericFirstGetAttr).
_native.read_generic_first(_ModuleProxy)
_native.read_generic_first(_Modules)
modules = _Modules()
host = _Host()

_LEVELS = {"debug": 0, "info": 1, "warning": 2, "error": 3}


def call(name, *args):
    """duet.call("module.function", *args)."""
    if not isinstance(name, str):
        raise TypeError(f"duet.call() name must be str, not {type(name).__name__}")
    return _native.call_qualified(name, args)


def log(*args, level="info"):
    """Logs str() of the arguments, joined by spaces, to the host's sink."""
    try:
        index = _LEVELS[level]
    except (KeyError, TypeError):
        raise ValueError(f"level must be one of {', '.join(_LEVELS)}") from None
    _native.log(index, " ".join(str(arg) for arg in args))
)PY";

inline constexpr char kInternalModuleSource[] = R"PY(
# ast, codeop, inspect, linecache, re and importlib.util (with what they
# import) would double the interpreter's start: they are imported where
# used, by the REPL, a plugin given as text or carrying packages, or a
# completion. What importlib.util offers for loading is importlib's own.
import builtins
import gc
import importlib
import importlib._bootstrap
import importlib._bootstrap_external
import importlib.machinery
import io
import keyword
import os
import sys
import types

duet = sys.modules["duet"]

# inspect.CO_COROUTINE, a code flag of every CPython 3.
_CO_COROUTINE = 0x80


class _LogStream(io.TextIOBase):
    """sys.stdout / sys.stderr: lines go to the host's log sink.

    Outside any call into a plugin, text goes to `outside` (the stream this
    one replaced, in an application's interpreter) or, without one, to the
    process's stderr.
    """

    def __init__(self, stream, name, outside=None):
        self._stream = stream
        self._name = name
        self._outside = outside

    @property
    def name(self):
        return self._name

    @property
    def encoding(self):
        return "utf-8"

    @property
    def errors(self):
        return "strict"

    def writable(self):
        return True

    def isatty(self):
        return False

    def write(self, text):
        if not isinstance(text, str):
            raise TypeError(f"write() argument must be str, not {type(text).__name__}")
        if self._outside is not None and not _native.in_entry():
            return self._outside.write(text)
        _native.write(self._stream, text)
        return len(text)

    def flush(self):
        # Lines are forwarded as they complete; a partial line is forwarded
        # when the call into Python returns.
        if self._outside is not None and not _native.in_entry():
            self._outside.flush()

    def close(self):
        # Shared by every plugin and the REPL: one plugin closing "its"
        # stdout must not silence the others.
        pass

    @property
    def closed(self):
        return False


_replaced_streams = None
_keep_outside = False


def install_streams(keep_outside):
    global _replaced_streams, _keep_outside
    _replaced_streams = (sys.stdout, sys.stderr)
    _keep_outside = keep_outside
    outside = _replaced_streams if keep_outside else (None, None)
    sys.stdout = _LogStream(0, "<duet stdout>", outside[0])
    sys.stderr = _LogStream(1, "<duet stderr>", outside[1])


def restore_streams():
    """Puts back the streams install_streams replaced.

    In an application's interpreter, only where they are still duet's.
    """
    stdout, stderr = _replaced_streams
    if not _keep_outside or isinstance(sys.stdout, _LogStream):
        sys.stdout = stdout
    if not _keep_outside or isinstance(sys.stderr, _LogStream):
        sys.stderr = stderr


def abandon_threads(timeout):
    """Waits up to `timeout` s in all for non-daemon threads, then abandons them.

    Finalisation (threading._shutdown) would wait for each thread in
    threading._shutdown_locks forever; one left out is not waited for.
    """
    threading = sys.modules.get("threading")
    if threading is None:
        return
    import time
    deadline = time.monotonic() + timeout
    current = threading.current_thread()
    # threading takes the thread that first imported it (a host thread that
    # called a plugin) for the main thread, and finalisation waits for that
    # thread's end unless it is the finalising one: the interpreter's own
    # thread, never a caller's, which may run on for as long as it likes.
    main = threading.main_thread()
    if main is not current and main._tstate_lock is not None:
        with threading._shutdown_locks_lock:
            threading._shutdown_locks.discard(main._tstate_lock)
    for thread in threading.enumerate():
        if thread is current or thread is threading.main_thread() or thread.daemon:
            continue
        thread.join(max(0.0, deadline - time.monotonic()))
        if not thread.is_alive():
            continue
        with threading._shutdown_locks_lock:
            threading._shutdown_locks.discard(thread._tstate_lock)
        sys.stderr.write(
            f"duet: warning: Python thread {thread.name!r} (started by a plugin) "
            f"is still running at interpreter shutdown after {timeout:g} s; "
            "abandoning it\n")


def drain():
    """Does nothing; running it lets the eval loop take a pending async exception."""


# --- plugins ----------------------------------------------------------------

class _InMemoryLoader:
    """Loads a plugin given as source text; `path` names it in tracebacks."""

    def __init__(self, source, path):
        self._source = source
        self._path = path

    def create_module(self, spec):
        return None

    def exec_module(self, mod):
        # Tracebacks show its lines as they show a file's.
        import linecache
        linecache.cache[self._path] = (
            len(self._source), None, self._source.splitlines(True), self._path)
        exec(compile(self._source, self._path, "exec", dont_inherit=True),
             vars(mod))


# --- the packages a plugin carries ------------------------------------------
#
# A plugin folder's vendor/ and .venv/lib/python3.X/site-packages are that
# plugin's own import path (docs/python.md). Their packages are imported under
# a private package per plugin load, `_duet_vendor.<module>_<serial>`, so two
# plugins carrying different versions of one package each get theirs, and an
# unload (or reload) drops them with the plugin. A plugin's `import mylib`
# reaches its copy through builtins.__import__, importlib.import_module and
# importlib.util.find_spec, which look at the importing module's name: a module
# of the plugin (`_duet_plugins.<module>_<serial>...`) or of a package it
# carries (`_duet_vendor.<module>_<serial>...`); where no importing module is
# given (importlib.import_module, __import__ called without globals, as
# pickle and logging.config do), at the nearest such module up the calling
# stack. Installed only once a plugin with such a folder loads; an import
# statement elsewhere, or of a name the plugin does not carry, then costs
# about what it did (the __import__ hook decides those in C: import_hook.h).

_VENDOR_ROOT = "_duet_vendor"
# importlib.util.module_from_spec and spec_from_file_location are these.
_module_from_spec = importlib._bootstrap.module_from_spec
_spec_from_file_location = importlib._bootstrap_external.spec_from_file_location
# Never taken from a plugin's folders: the standard library (as in a virtual
# environment, where it comes first on sys.path) and duet's own modules.
_SHARED_NAMES = (frozenset(sys.stdlib_module_names) |
                 frozenset(sys.builtin_module_names) | {"duet"})


class _PluginImports:
    """The packages one plugin load carries, and which top-level names they hold."""

    __slots__ = ("prefix", "paths", "owned")

    def __init__(self, prefix, paths):
        self.prefix = prefix  # "_duet_vendor.<module>_<serial>"
        self.paths = paths
        self.owned = {}  # top-level name -> carried; the C hook reads it too

    def owns(self, top):
        """Whether `import top` means the plugin's copy (looked up once per load)."""
        owned = self.owned.get(top)
        if owned is None:
            owned = (top not in _SHARED_NAMES and not top.startswith("_duet") and
                     importlib.machinery.PathFinder.find_spec(top, self.paths)
                     is not None)
            self.owned[top] = owned
        return owned


# Keyed by the plugin's package and by its private package alike.
_plugin_imports = {}
# The same keys, to each one's .owned: what the C hook reads (import_hook.h).
_plugin_owned = {}
# The functions the hooks replaced (and call for everything not a plugin's).
_next_import = None
_next_import_module = None
_next_find_spec = None
_import_hook = None  # builtins.__import__ while installed


def _plugin_of(module_globals):
    """The _PluginImports of the module whose globals these are, or None."""
    if type(module_globals) is not dict:
        return None
    name = module_globals.get("__name__")
    if (type(name) is not str or
            not name.startswith(("_duet_plugins.", "_duet_vendor."))):
        return None
    head, _, rest = name.partition(".")
    return _plugin_imports.get(head + "." + rest.partition(".")[0])


def _calling_plugin(frame):
    """The _PluginImports of the nearest plugin module from `frame` up."""
    while frame is not None:
        imports = _plugin_of(frame.f_globals)
        if imports is not None:
            return imports
        frame = frame.f_back
    return None


def _plain_names(error, prefix):
    """Takes the private prefix out of an ImportError's message and name."""
    cut = prefix + "."
    if isinstance(error.msg, str):
        error.msg = error.msg.replace(cut, "")
    if isinstance(error.name, str) and error.name.startswith(cut):
        error.name = error.name[len(cut):]


def _import(name, globals=None, locals=None, fromlist=(), level=0):
    """builtins.__import__ for what the C hook does not pass on itself."""
    if level == 0 and type(name) is str and name:
        imports = (_plugin_of(globals) if globals is not None
                   else _calling_plugin(sys._getframe(1)))
        top = name.partition(".")[0]
        if imports is not None and imports.owns(top):
            try:
                module = _next_import(imports.prefix + "." + name, None, None,
                                      fromlist, 0)
            except ImportError as error:
                _plain_names(error, imports.prefix)
                raise
            # `import a.b` binds a; `from a.b import c` takes c from a.b.
            return module if fromlist else sys.modules[imports.prefix + "." + top]
    return _next_import(name, globals, locals, fromlist, level)


def _private_name(name, frame):
    """(name as the calling plugin imports it, its _PluginImports or None)."""
    if isinstance(name, str) and name and not name.startswith("."):
        imports = _calling_plugin(frame)
        if imports is not None and imports.owns(name.partition(".")[0]):
            return imports.prefix + "." + name, imports
    return name, None


def _import_module(name, package=None):
    """importlib.import_module, finding a plugin's own packages for it."""
    private, imports = _private_name(name, sys._getframe(1))
    if imports is None:
        return _next_import_module(name, package)
    try:
        return _next_import_module(private)
    except ImportError as error:
        _plain_names(error, imports.prefix)
        raise


def _find_spec(name, package=None):
    """importlib.util.find_spec, finding a plugin's own packages for it."""
    private, imports = _private_name(name, sys._getframe(1))
    if imports is None:
        return _next_find_spec(name, package)
    return _next_find_spec(private)


class _PluginDistributions:
    """importlib.metadata, asked from a plugin's code (or a package it
    carries), finds the distributions the plugin carries before the shared
    ones: importlib.metadata.version("mylib") is the plugin's copy's."""

    @classmethod
    def find_spec(cls, name, path=None, target=None):
        return None

    @classmethod
    def find_distributions(cls, context=None):
        if context is None or "path" in vars(context):
            return ()  # asked about given folders: not ours to answer
        imports = _calling_plugin(sys._getframe(1))
        if imports is None:
            return ()
        from importlib.metadata import DistributionFinder, MetadataPathFinder
        return MetadataPathFinder.find_distributions(
            DistributionFinder.Context(name=context.name, path=imports.paths))


def _install_import_hooks():
    global _next_import, _next_import_module, _next_find_spec, _import_hook
    if _next_import is not None:
        return
    import importlib.util
    _next_import = builtins.__import__
    _next_import_module = importlib.import_module
    _next_find_spec = importlib.util.find_spec
    _import_hook = _native.import_hook(_import, _next_import, _plugin_owned)
    builtins.__import__ = _import_hook
    importlib.import_module = _import_module
    importlib.util.find_spec = _find_spec
    sys.meta_path.insert(0, _PluginDistributions)
    spec = importlib.machinery.ModuleSpec(_VENDOR_ROOT, None, is_package=True)
    spec.submodule_search_locations = []
    sys.modules[_VENDOR_ROOT] = _module_from_spec(spec)


def remove_import_hooks():
    """Puts back what _install_import_hooks replaced, where it is still ours
    (an application's interpreter outlives duet)."""
    global _next_import, _next_import_module, _next_find_spec, _import_hook
    if _next_import is None:
        return
    import importlib.util
    if builtins.__import__ is _import_hook:
        builtins.__import__ = _next_import
    if importlib.import_module is _import_module:
        importlib.import_module = _next_import_module
    if importlib.util.find_spec is _find_spec:
        importlib.util.find_spec = _next_find_spec
    if _PluginDistributions in sys.meta_path:
        sys.meta_path.remove(_PluginDistributions)
    sys.modules.pop(_VENDOR_ROOT, None)
    _next_import = _next_import_module = _next_find_spec = _import_hook = None


def _pth_paths(directory):
    """The folders the .pth files in `directory` name, as site.py reads them,
    except that `import` lines are skipped: they would run code for the whole
    interpreter, not for one plugin."""
    try:
        names = sorted(name for name in os.listdir(directory)
                       if name.endswith(".pth") and not name.startswith("."))
    except OSError:
        return []
    found = []
    for name in names:
        try:
            with open(os.path.join(directory, name), encoding="utf-8") as file:
                lines = file.read().splitlines()
        except (OSError, UnicodeDecodeError):
            continue
        for line in lines:
            line = line.strip()
            if not line or line.startswith(("#", "import ", "import\t")):
                continue
            path = os.path.normpath(os.path.join(directory, line))
            if os.path.isdir(path):
                found.append(path)
    return found


def _plugin_package_paths(root):
    """The plugin's own import path: vendor/, then a .venv's site-packages
    for this Python version, then the folders their .pth files add."""
    version = f"python{sys.version_info[0]}.{sys.version_info[1]}"
    paths = [path for path in (
        os.path.join(root, "vendor"),
        os.path.join(root, ".venv", "lib", version, "site-packages"))
        if os.path.isdir(path)]
    for directory in list(paths):
        for path in _pth_paths(directory):
            if path not in paths:
                paths.append(path)
    return paths


def _add_plugin_packages(package, root):
    paths = _plugin_package_paths(root)
    if not paths:
        return
    _install_import_hooks()
    prefix = _VENDOR_ROOT + package[package.index("."):]
    spec = importlib.machinery.ModuleSpec(prefix, None, is_package=True)
    spec.submodule_search_locations = list(paths)
    sys.modules[prefix] = _module_from_spec(spec)
    imports = _PluginImports(prefix, paths)
    _plugin_imports[package] = _plugin_imports[prefix] = imports
    _plugin_owned[package] = _plugin_owned[prefix] = imports.owned


def set_executable(built_with):
    """Points sys.executable at the python binary of this interpreter's
    installation, for multiprocessing, subprocess and debuggers to run:
    PREFIX/bin/python3.X (a virtual environment's, when one decided
    sys.prefix), else BASE_PREFIX/bin/python3.X, else `built_with`, the
    interpreter duet was built against. CPython alone would name the first
    python3 on PATH, which may be another Python."""
    name = f"python{sys.version_info[0]}.{sys.version_info[1]}"
    base = os.path.join(sys.base_prefix, "bin", name)
    for candidate in (os.path.join(sys.prefix, "bin", name), base, built_with):
        if candidate and os.path.isfile(candidate) and os.access(candidate, os.X_OK):
            sys.executable = candidate
            sys._base_executable = base if os.path.isfile(base) else candidate
            return


def load(package, root, entry, submodule, source=None):
    """Imports `entry` as `package.submodule`, `package` having __path__ [root] ([] for "").

    With `source` (a str), that text is the module and `entry` only its name.
    The packages the plugin carries (vendor/, .venv) are its own.
    """
    importlib.invalidate_caches()
    if root:
        _add_plugin_packages(package, root)
    spec = importlib.machinery.ModuleSpec(package, None, is_package=True)
    # A single-file plugin (root "") has no folder to import from.
    spec.submodule_search_locations = [root] if root else []
    pkg = _module_from_spec(spec)
    sys.modules[package] = pkg
    name = package + "." + submodule
    # On failure the engine unloads the package: a handler here could be
    # cut short by a stop exception, which would hide where the module was.
    if source is None:
        loader = importlib.machinery.SourceFileLoader(name, entry)
    else:
        loader = _InMemoryLoader(source, entry)
    mod_spec = _spec_from_file_location(name, entry, loader=loader)
    mod = _module_from_spec(mod_spec)
    sys.modules[name] = mod
    setattr(pkg, submodule, mod)
    loader.exec_module(mod)
    return mod


def unload(package, collect=False):
    """Drops the plugin's modules, and those of the packages it carries."""
    packages = [package]
    imports = _plugin_imports.pop(package, None)
    if imports is not None:
        del _plugin_imports[imports.prefix]
        del _plugin_owned[package], _plugin_owned[imports.prefix]
        packages.append(imports.prefix)
        for path in imports.paths:
            sys.path_importer_cache.pop(path, None)
    prefixes = tuple(name + "." for name in packages)
    for name in [n for n in sys.modules
                 if n in packages or n.startswith(prefixes)]:
        del sys.modules[name]
    if collect:
        # A module's namespace is in a cycle with its functions: collect it
        # now, while its finalisers can still be stopped, not in some later
        # call or at interpreter shutdown.
        gc.collect()


def make_frame(language, file, line, column, function):
    """A duet.Frame (made on first use)."""
    return duet.Frame(language, file, line, column, function)


def is_coroutine_function(obj):
    """inspect.iscoroutinefunction(obj); a plain function is read directly,
    so that loading a plugin does not import inspect. (Marking a function as
    a coroutine function takes inspect, so without it none is marked.)"""
    if type(obj) is types.FunctionType and "inspect" not in sys.modules:
        return bool(obj.__code__.co_flags & _CO_COROUTINE)
    import inspect
    return inspect.iscoroutinefunction(obj)


def exports(mod, file):
    """Sorted [(name, callable)], or a str saying what is wrong."""
    namespace = vars(mod)
    names = namespace.get("__all__")
    if names is None:
        found = {
            name: obj for name, obj in namespace.items()
            if not name.startswith("_") and isinstance(obj, types.FunctionType)
            and obj.__module__ == mod.__name__
        }
        return sorted(found.items())
    if isinstance(names, str) or not hasattr(names, "__iter__"):
        return f"{file}: __all__ must be a list of names, not {type(names).__name__}"
    found = {}
    for name in names:
        if not isinstance(name, str):
            return f"{file}: __all__ contains {name!r}, which is not a str"
        if name not in namespace:
            return f"{file}: __all__ names '{name}', which the module does not define"
        obj = namespace[name]
        if not callable(obj):
            return (f"{file}: __all__ names '{name}', which is not callable "
                    f"(it is {type(obj).__name__})")
        found[name] = obj
    return sorted(found.items())


# --- exceptions -------------------------------------------------------------

def _is_internal(file):
    return file.startswith("<duet") or file.startswith("<frozen importlib")


def _frames(tb):
    """[(file, line, column, function)] innermost first, duet frames dropped."""
    frames = []
    while tb is not None:
        code = tb.tb_frame.f_code
        file = code.co_filename
        if not _is_internal(file):
            column = 0
            try:
                for i, position in enumerate(code.co_positions()):
                    if i == tb.tb_lasti // 2:
                        if position[2] is not None:
                            column = position[2] + 1
                        break
            except Exception:
                pass
            name = code.co_name
            frames.append((file, tb.tb_lineno or 0, column,
                           "" if name == "<module>" else name))
        tb = tb.tb_next
    frames.reverse()
    return frames


def _safe_str(obj):
    try:
        return str(obj)
    except BaseException:
        return f"<unprintable {type(obj).__name__}>"


# Attributes of duet's own exceptions that are not the error's details.
_DUET_FIELDS = frozenset(
    ("message", "type", "language", "stack", "source_line", "details"))


def _builtin_base(exc):
    """The name of the nearest built-in class exc is an instance of."""
    for klass in type(exc).__mro__:
        if klass.__module__ == "builtins":
            return klass.__name__
    return ""


def _details(exc):
    """{name: value} of exc's public, non-callable instance attributes."""
    try:
        fields = vars(exc)
    except TypeError:
        return {}
    own = _DUET_FIELDS if isinstance(exc, duet.Error) else ()
    return {name: value for name, value in list(fields.items())
            if isinstance(name, str) and not name.startswith("_")
            and name not in own and not callable(value)}


def describe(exc):
    """(type, message, frames, syntax, builtin, details, cause).

    syntax = (file, line, column, text) for a SyntaxError, else None;
    details are the raw attribute values (the engine converts what it can);
    cause is exc.__cause__. Only the explicit cause (raise ... from ...) is
    taken: __context__ is set implicitly by any raise inside an except block,
    which JavaScript's cause would claim as intended.
    """
    frames = _frames(exc.__traceback__)
    syntax = None
    if isinstance(exc, SyntaxError):
        message = _safe_str(exc.msg if exc.msg is not None else "")
        text = exc.text if isinstance(exc.text, str) else ""
        syntax = (exc.filename if isinstance(exc.filename, str) else "",
                  exc.lineno if isinstance(exc.lineno, int) else 0,
                  exc.offset if isinstance(exc.offset, int) else 0,
                  text.rstrip("\r\n"))
    else:
        message = _safe_str(exc)
    return (type(exc).__name__, message, frames, syntax, _builtin_base(exc),
            _details(exc), exc.__cause__)


# A JavaScript error is raised in Python as an instance of duet.ScriptError
# and of the nearest Python built-in: the mapping table of docs/errors.md.
_FROM_JAVASCRIPT = {
    "TypeError": "TypeError",
    "RangeError": "ValueError",
    "ReferenceError": "NameError",
    "SyntaxError": "SyntaxError",
    "URIError": "ValueError",
}
# Classes made for error types, kept for `except` and identity; a script
# that throws ever new type names gets uncached classes past this many.
_MAX_ERROR_CLASSES = 256
_error_classes = {}
_usable_builtins = {}


def _usable_builtin(name):
    """builtins.<name> or its nearest built-in base that a duet.ScriptError
    subclass can derive from and be made with one message (UnicodeDecodeError
    wants five arguments: UnicodeError); None for what is not an Exception."""
    if name in _usable_builtins:
        return _usable_builtins[name]
    klass = getattr(builtins, name, None)
    if not (isinstance(klass, type) and issubclass(klass, Exception)):
        return None
    found = None
    for base in klass.__mro__:
        if base is Exception:
            break
        if base.__module__ != "builtins":
            continue
        try:
            probe = type("probe", (duet.ScriptError, base), {})
            probe("probe", "probe", "python", (), "UNKNOWN", "", None)
        except Exception:
            continue
        found = base
        break
    _usable_builtins[name] = found
    return found


def _error_class(type_name, language, builtin):
    name = builtin or type_name
    if language == "javascript":
        name = _FROM_JAVASCRIPT.get(name)
    base = _usable_builtin(name) if name else None
    key = (type_name, base)
    klass = _error_classes.get(key)
    if klass is None:
        bases = (duet.ScriptError,) if base is None else (duet.ScriptError, base)
        class_name = type_name or "ScriptError"
        # Named after the original type, so repr() and tracebacks show it.
        klass = type(class_name, bases,
                     {"__module__": "duet", "__qualname__": class_name})
        if len(_error_classes) < _MAX_ERROR_CLASSES:
            _error_classes[key] = klass
    return klass


def make_error(message, type_name, language, stack, code, source_line,
               builtin, details, cause):
    """The duet.ScriptError (of a mapped class) for a status the engine raises."""
    error = _error_class(type_name, language, builtin)(
        message, type_name, language, stack, code, source_line, details)
    klass = type(error)
    for name, value in error.details.items():
        # duet's own fields and the class's attributes keep their meaning;
        # such a detail stays in .details only.
        if (name.isidentifier() and name not in _DUET_FIELDS
                and name != "code" and not hasattr(klass, name)):
            setattr(error, name, value)
    if cause is not None:
        error.__cause__ = cause
    return error


# --- REPL -------------------------------------------------------------------

def repl_namespace():
    return {"__name__": "__main__", "__builtins__": builtins, "duet": duet}


def repl_refresh(namespace, names, bound):
    """Binds each module as a global, leaving names the user reassigned."""
    current = set()
    for name in names:
        if name.isidentifier() and not keyword.iskeyword(name):
            current.add(name)
            proxy = duet.modules[name]
            if name not in namespace or namespace[name] is bound.get(name):
                namespace[name] = proxy
                bound[name] = proxy
    for name in list(bound):
        if name not in current:
            if namespace.get(name) is bound[name]:
                del namespace[name]
            del bound[name]


def repl_compile(code):
    """(code object, is_expression); awaiting at the top level is allowed,
    as in `python -m asyncio`."""
    import ast
    flags = ast.PyCF_ALLOW_TOP_LEVEL_AWAIT
    try:
        return compile(code, "<repl>", "eval", flags), True
    except SyntaxError:
        pass
    return compile(code, "<repl>", "exec", flags), False


def repl_run(namespace, code, is_expression):
    """What to show, or, for code that awaits, a coroutine that gives it
    (the engine runs it on the runtime's asyncio loop)."""
    if code.co_flags & _CO_COROUTINE:
        return _repl_await(namespace, eval(code, namespace), is_expression)
    if is_expression:
        return _repl_show(namespace, eval(code, namespace))
    exec(code, namespace)
    return ""


def _repl_show(namespace, result):
    if result is None:
        return ""
    namespace["_"] = result
    return repr(result)


async def _repl_await(namespace, awaiting, is_expression):
    result = await awaiting
    return _repl_show(namespace, result) if is_expression else ""


def repl_incomplete(code):
    """Whether Python's own parser wants more lines (as its REPL does).

    A final newline only ends the last line: as in Python's REPL, a block
    ends at a blank line, so "def f():\n    return 1\n" is incomplete and
    "def f():\n    return 1\n\n" is not. Top-level await is allowed.
    """
    if code.endswith("\r\n"):
        code = code[:-2]
    elif code.endswith("\n"):
        code = code[:-1]
    import ast
    import codeop
    compiler = codeop.CommandCompiler()
    compiler.compiler.flags |= ast.PyCF_ALLOW_TOP_LEVEL_AWAIT
    try:
        return compiler(code, "<repl>", "single") is None
    except (SyntaxError, ValueError, OverflowError, MemoryError):
        return False


# A dotted name at the end of a line: "x = greeter.gr" -> "greeter.gr".
_DOTTED_NAME_AT_END = r"(?:[^\W\d]\w*\.)*(?:[^\W\d]\w*)?\Z"
_mro_of = type.__dict__["__mro__"].__get__
_dict_of = type.__dict__["__dict__"].__get__
_BUILTIN_DESCRIPTORS = (types.GetSetDescriptorType, types.MemberDescriptorType)
_PLAIN_CALLABLES = (types.FunctionType, types.BuiltinFunctionType,
                    types.MethodDescriptorType, types.WrapperDescriptorType,
                    types.ClassMethodDescriptorType, types.MethodWrapperType)


def _defines(klass, name):
    return any(name in _dict_of(c) for c in _mro_of(klass))


def _static_attribute(obj, name):
    """obj.name found without running code, or LookupError."""
    kind = type(obj)
    if kind is duet._Modules:
        if name not in _native.module_names():
            raise LookupError(name)
        return duet.modules[name]
    if kind is duet._ModuleProxy or kind is duet._Host:
        raise LookupError(name)  # functions: nothing worth completing below
    import inspect
    try:
        value = inspect.getattr_static(obj, name)
    except AttributeError:
        raise LookupError(name) from None
    if isinstance(value, (staticmethod, classmethod)):
        return value.__func__
    if isinstance(value, _PLAIN_CALLABLES):
        return value
    if _defines(type(value), "__get__"):
        raise LookupError(name)  # a property or other descriptor: code to run
    return value


def _static_names(obj):
    """Attribute names of obj, found without running code."""
    kind = type(obj)
    if kind is duet._ModuleProxy:
        return set(_native.module_functions(object.__getattribute__(obj, "_name")))
    if kind is duet._Modules:
        return set(_native.module_names())
    if kind is duet._Host:
        return set(_native.host_function_names())
    names = set()
    for klass in _mro_of(kind):
        names.update(_dict_of(klass))
    if isinstance(obj, type):
        for klass in _mro_of(obj):
            names.update(_dict_of(klass))
    for klass in _mro_of(kind):
        entry = _dict_of(klass).get("__dict__")
        if entry is not None:
            if type(entry) in _BUILTIN_DESCRIPTORS:
                try:
                    names.update(entry.__get__(obj, kind))
                except Exception:
                    pass
            break
    return names


def repl_complete(namespace, line):
    """Sorted whole dotted names completing the one that ends `line`."""
    import re  # caches the compiled pattern
    match = re.search(_DOTTED_NAME_AT_END, line)
    text = match.group() if match else ""
    start = match.start() if match else 0
    if not text or (start > 0 and (line[start - 1] == "." or
                                   line[start - 1].isidentifier() or
                                   line[start - 1].isdigit())):
        return []
    *head, prefix = text.split(".")
    try:
        if not head:
            names = set(namespace) | set(vars(builtins)) | set(keyword.kwlist)
        else:
            if head[0] in namespace:
                obj = namespace[head[0]]
            elif head[0] in vars(builtins):
                obj = vars(builtins)[head[0]]
            else:
                return []
            for part in head[1:]:
                obj = _static_attribute(obj, part)
            names = _static_names(obj)
    except Exception:
        return []
    # Like rlcompleter: private names only when asked for.
    hidden = None
    if head and prefix == "":
        hidden = "_"
    elif head and prefix == "_":
        hidden = "__"
    base = ".".join(head) + "." if head else ""
    return sorted(base + name for name in names
                  if isinstance(name, str) and name.startswith(prefix)
                  and (hidden is None or not name.startswith(hidden)))
)PY";

}  // namespace duet::python

#endif  // DUET_BINDINGS_PYTHON_PYTHON_SOURCES_H_
