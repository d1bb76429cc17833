/* Switching the sys.monitoring events that feed the C tracer (monitor.c) on and off
 * (monitoring.py drives it), 3.12+.
 *
 * A tool id is held across runs: `hold` registers the tool's callbacks and switches the
 * exception events on globally (they cannot be set per code object), once; each run then
 * only switches the local events on for the traced source's code objects (`watch`) and off
 * again (`unwatch`). Switching global events is what costs: every change re-instruments
 * every code object the interpreter runs next, the host's included (measured: most of a
 * small traced call's setup). Between runs the held tool's callbacks find no tracer in
 * `active` and return at once (an exception raised by the host costs one C call).
 * `release` undoes `hold`. The callbacks are made once per tool id at import
 * (module-level functions whose `self` is the tool id), so a run makes no bound methods and
 * looks nothing up by name. */
#include "ctracer.h"

#define N_TOOLS 6 /* sys.monitoring tool ids are 0..5 */
#define N_CALLBACKS 10

static CTracer *active[N_TOOLS];
static PyObject *mon_register, *mon_set_local, *mon_set_events; /* sys.monitoring functions */
static PyObject *cb_events[N_CALLBACKS];                        /* the events, as ints */
static PyObject *callbacks[N_TOOLS][N_CALLBACKS];
static long local_events, unwinding_events;

#define TOOL_CALLBACK(name)                                                                   \
    static PyObject *tool_##name(PyObject *tool, PyObject *const *args, Py_ssize_t n)         \
    {                                                                                         \
        long t = PyLong_AsLong(tool);                                                         \
        CTracer *tr = (t >= 0 && t < N_TOOLS) ? active[t] : NULL;                             \
        if (tr == NULL)                                                                       \
            Py_RETURN_NONE; /* never DISABLE: the events may be another tool's by now */     \
        Py_INCREF(tr);                                                                        \
        PyObject *res = ct_##name((PyObject *)tr, args, n);                                   \
        Py_DECREF(tr);                                                                        \
        return res;                                                                           \
    }

TOOL_CALLBACK(mon_start)
TOOL_CALLBACK(mon_resume)
TOOL_CALLBACK(mon_throw)
TOOL_CALLBACK(mon_return)
TOOL_CALLBACK(mon_raise)
TOOL_CALLBACK(mon_unwind)
TOOL_CALLBACK(mon_line)
TOOL_CALLBACK(mon_jump)

static PyMethodDef tool_defs[] = {
    {"mon_start", (PyCFunction)(void (*)(void))tool_mon_start, METH_FASTCALL, "PY_START"},
    {"mon_resume", (PyCFunction)(void (*)(void))tool_mon_resume, METH_FASTCALL, "PY_RESUME"},
    {"mon_throw", (PyCFunction)(void (*)(void))tool_mon_throw, METH_FASTCALL, "PY_THROW"},
    {"mon_return", (PyCFunction)(void (*)(void))tool_mon_return, METH_FASTCALL, "PY_RETURN, PY_YIELD"},
    {"mon_unwind", (PyCFunction)(void (*)(void))tool_mon_unwind, METH_FASTCALL, "PY_UNWIND"},
    {"mon_raise", (PyCFunction)(void (*)(void))tool_mon_raise, METH_FASTCALL, "RAISE, STOP_ITERATION"},
    {"mon_line", (PyCFunction)(void (*)(void))tool_mon_line, METH_FASTCALL, "LINE"},
    {"mon_jump", (PyCFunction)(void (*)(void))tool_mon_jump, METH_FASTCALL, "JUMP"},
};

/* Each callback's event and its entry in tool_defs (engine.py's former _callbacks). */
static const struct {
    const char *event;
    int def;
} cb_table[N_CALLBACKS] = {
    {"PY_START", 0}, {"PY_RESUME", 1}, {"PY_THROW", 2}, {"PY_RETURN", 3}, {"PY_YIELD", 3},
    {"PY_UNWIND", 4}, {"RAISE", 5}, {"STOP_ITERATION", 5}, {"LINE", 6}, {"JUMP", 7},
};

int
ct_watch_init(void)
{
#if PY_VERSION_HEX >= 0x030C0000
    PyObject *mon = ct_monitoring_module();
    if (mon == NULL)
        return -1;
    PyObject *events = PyObject_GetAttrString(mon, "events");
    mon_register = PyObject_GetAttrString(mon, "register_callback");
    mon_set_local = PyObject_GetAttrString(mon, "set_local_events");
    mon_set_events = PyObject_GetAttrString(mon, "set_events");
    Py_DECREF(mon);
    if (events == NULL || !mon_register || !mon_set_local || !mon_set_events) {
        Py_XDECREF(events);
        return -1;
    }
    long unwinding = 0, all = 0;
    for (int i = 0; i < N_CALLBACKS; i++) {
        cb_events[i] = PyObject_GetAttrString(events, cb_table[i].event);
        if (cb_events[i] == NULL) {
            Py_DECREF(events);
            return -1;
        }
        long bit = PyLong_AsLong(cb_events[i]);
        if (bit == -1 && PyErr_Occurred()) {
            Py_DECREF(events);
            return -1;
        }
        all |= bit;
        const char *name = cb_table[i].event;
        /* the exception events cannot be set per code object; they cost nothing until raised */
        if (!strcmp(name, "RAISE") || !strcmp(name, "PY_UNWIND") || !strcmp(name, "PY_THROW"))
            unwinding |= bit;
    }
    Py_DECREF(events);
    local_events = all & ~unwinding;
    unwinding_events = unwinding;
    for (long t = 0; t < N_TOOLS; t++) {
        PyObject *tool = PyLong_FromLong(t);
        if (tool == NULL)
            return -1;
        for (int i = 0; i < N_CALLBACKS; i++) {
            callbacks[t][i] = PyCFunction_New(&tool_defs[cb_table[i].def], tool);
            if (callbacks[t][i] == NULL) {
                Py_DECREF(tool);
                return -1;
            }
        }
        Py_DECREF(tool);
    }
#else
    (void)cb_table; /* no sys.monitoring before 3.12 */
    (void)tool_defs;
#endif
    return 0;
}

static int
call3(PyObject *fn, PyObject *a, PyObject *b, PyObject *c)
{
    PyObject *args[3] = {a, b, c};
    PyObject *res = PyObject_Vectorcall(fn, args, c != NULL ? 3 : 2, NULL);
    Py_XDECREF(res);
    return res == NULL ? -1 : 0;
}

/* Keep the first error of a clean-up that goes on after it (none is left set). */
static void
keep_error(PyObject **saved)
{
    PyObject *type, *value, *tb;
    PyErr_Fetch(&type, &value, &tb);
    if (*saved == NULL && type != NULL) {
        PyErr_NormalizeException(&type, &value, &tb);
        if (tb != NULL && value != NULL)
            PyException_SetTraceback(value, tb);
        *saved = value != NULL ? Py_NewRef(value) : NULL;
    }
    Py_XDECREF(type);
    Py_XDECREF(value);
    Py_XDECREF(tb);
}

static int
tool_arg(PyObject *tool, long *t)
{
    *t = PyLong_AsLong(tool);
    if (*t == -1 && PyErr_Occurred())
        return -1;
    if (*t < 0 || *t >= N_TOOLS) {
        PyErr_SetString(PyExc_ValueError, "invalid tool id");
        return -1;
    }
    return 0;
}

static int held[N_TOOLS]; /* hold() done and not released */

/* The argument of hold and release, (tool,): the tool id in *t, or -1 with an error. */
static int
single_tool_arg(const char *what, PyObject *const *args, Py_ssize_t n, long *t)
{
    if (n != 1 || mon_register == NULL) {
        PyErr_Format(PyExc_TypeError, "%s(tool) needs sys.monitoring", what);
        return -1;
    }
    return tool_arg(args[0], t);
}

/* Undo hold (as far as it got: `n_registered` callbacks, the global events if `events_set`).
 * An error already set comes first; otherwise the first error of the clean-up is raised. */
static int
unhold(long t, PyObject *tool, int n_registered, int events_set)
{
    PyObject *saved = NULL;
    keep_error(&saved);
    PyObject *zero = PyLong_FromLong(0);
    if (zero == NULL)
        keep_error(&saved);
    else {
        if (events_set && call3(mon_set_events, tool, zero, NULL) < 0)
            keep_error(&saved);
        Py_DECREF(zero);
    }
    for (int i = 0; i < n_registered; i++)
        if (call3(mon_register, tool, cb_events[i], Py_None) < 0)
            keep_error(&saved);
    held[t] = 0;
    if (saved != NULL) {
        PyErr_SetObject((PyObject *)Py_TYPE(saved), saved);
        Py_DECREF(saved);
        return -1;
    }
    return 0;
}

/* hold(tool): the (claimed) tool's callbacks registered and the exception events on. */
PyObject *
ct_hold(PyObject *module, PyObject *const *args, Py_ssize_t n)
{
    long t;
    if (single_tool_arg("hold", args, n, &t) < 0)
        return NULL;
    int registered = 0; /* (again if held: the tool may have been freed and claimed anew) */
    PyObject *unwinding = PyLong_FromLong(unwinding_events);
    if (unwinding == NULL)
        return NULL;
    for (; registered < N_CALLBACKS; registered++)
        if (call3(mon_register, args[0], cb_events[registered], callbacks[t][registered]) < 0)
            goto fail;
    if (call3(mon_set_events, args[0], unwinding, NULL) < 0)
        goto fail;
    Py_DECREF(unwinding);
    held[t] = 1;
    Py_RETURN_NONE;
fail:
    Py_DECREF(unwinding);
    unhold(t, args[0], registered, 1);
    return NULL;
}

/* release(tool): what hold switched on, off again (no tracer may be watching it). */
PyObject *
ct_release(PyObject *module, PyObject *const *args, Py_ssize_t n)
{
    long t;
    if (single_tool_arg("release", args, n, &t) < 0)
        return NULL;
    if (active[t] != NULL) {
        PyErr_SetString(PyExc_RuntimeError, "this tool id still feeds a tracer");
        return NULL;
    }
    if (unhold(t, args[0], N_CALLBACKS, 1) < 0)
        return NULL;
    Py_RETURN_NONE;
}

/* Undo what watch did, as far as it got (the local events of the first `n_codes` codes of
 * self->watched, which is dropped). An error already set (watch giving up) is kept and
 * comes first; otherwise the first error of the clean-up is raised. */
static int
unwatch(CTracer *self, long t, PyObject *tool, Py_ssize_t n_codes)
{
    PyObject *saved = NULL;
    keep_error(&saved);
    PyObject *codes = self->watched;
    self->watched = NULL;
    PyObject *zero = PyLong_FromLong(0);
    if (zero == NULL)
        keep_error(&saved);
    else {
        for (Py_ssize_t i = 0; codes != NULL && i < n_codes; i++)
            if (call3(mon_set_local, tool, PyList_GET_ITEM(codes, i), zero) < 0)
                keep_error(&saved);
        Py_DECREF(zero);
    }
    Py_XDECREF(codes);
    if (active[t] == self) {
        active[t] = NULL;
        Py_DECREF(self);
    }
    self->monitoring = 0;
    if (saved != NULL) {
        PyErr_SetObject((PyObject *)Py_TYPE(saved), saved);
        Py_DECREF(saved);
        return -1;
    }
    return 0;
}

/* The tool id argument of watch and unwatch (which need it held): 0 with it in *t, or -1
 * with an error. */
static int
held_tool_arg(const char *what, PyObject *const *args, Py_ssize_t n, Py_ssize_t want, long *t)
{
    if (n != want || mon_register == NULL) {
        PyErr_Format(PyExc_TypeError, "%s: wrong arguments, or no sys.monitoring", what);
        return -1;
    }
    if (tool_arg(args[0], t) < 0)
        return -1;
    if (!held[*t]) {
        PyErr_Format(PyExc_RuntimeError, "%s: the tool id is not held (hold(tool) first)", what);
        return -1;
    }
    return 0;
}

/* `source` and every code object nested in it (all the code of the traced source), as a
 * new list: walked here, with no Python frame and no cache to keep. */
static PyObject *
code_objects(PyObject *source)
{
    if (!PyCode_Check(source)) {
        PyErr_SetString(PyExc_TypeError, "watch: the source must be a code object");
        return NULL;
    }
    PyObject *codes = PyList_New(1);
    if (codes == NULL)
        return NULL;
    PyList_SET_ITEM(codes, 0, Py_NewRef(source));
    for (Py_ssize_t i = 0; i < PyList_GET_SIZE(codes); i++) {
        PyObject *consts = ((PyCodeObject *)PyList_GET_ITEM(codes, i))->co_consts;
        for (Py_ssize_t j = 0; j < PyTuple_GET_SIZE(consts); j++)
            if (PyCode_Check(PyTuple_GET_ITEM(consts, j)) &&
                PyList_Append(codes, PyTuple_GET_ITEM(consts, j)) < 0) {
                Py_DECREF(codes);
                return NULL;
            }
    }
    return codes;
}

/* CTracer.watch(tool, source): feed this tracer from the held tool's events, switched on
 * for the code objects of `source` (the traced source's compiled code). */
PyObject *
ct_watch(PyObject *obj, PyObject *const *args, Py_ssize_t n)
{
    CTracer *self = (CTracer *)obj;
    long t;
    if (held_tool_arg("watch(tool, source)", args, n, 2, &t) < 0)
        return NULL;
    if (active[t] != NULL || self->watched != NULL) {
        PyErr_SetString(PyExc_RuntimeError, "this tool id or tracer is already watching");
        return NULL;
    }
    PyObject *codes = code_objects(args[1]);
    if (codes == NULL || ct_fresh_states(self) < 0) {
        Py_XDECREF(codes);
        return NULL;
    }
    self->watched = codes;
    self->monitoring = 1;
    self->stopped = 0;
    Py_INCREF(self);
    active[t] = self;
    Py_ssize_t n_codes = 0, total = PyList_GET_SIZE(codes);
    PyObject *local = PyLong_FromLong(local_events);
    if (local == NULL)
        goto fail;
    for (; n_codes < total; n_codes++)
        if (call3(mon_set_local, args[0], PyList_GET_ITEM(codes, n_codes), local) < 0)
            goto fail;
    Py_DECREF(local);
    Py_RETURN_NONE;
fail:
    Py_XDECREF(local);
    /* a failed set_local_events may have switched part of it on: undo that code too */
    unwatch(self, t, args[0], n_codes < total ? n_codes + 1 : n_codes);
    return NULL;
}

/* CTracer.unwatch(tool): the local events watch switched on, off again. */
PyObject *
ct_unwatch(PyObject *obj, PyObject *const *args, Py_ssize_t n)
{
    CTracer *self = (CTracer *)obj;
    long t;
    if (held_tool_arg("unwatch(tool)", args, n, 1, &t) < 0)
        return NULL;
    Py_ssize_t n_codes = self->watched != NULL ? PyList_GET_SIZE(self->watched) : 0;
    if (unwatch(self, t, args[0], n_codes) < 0)
        return NULL;
    Py_RETURN_NONE;
}
