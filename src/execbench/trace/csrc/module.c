/* The extension's types and module: FrameState, CTracer (constructed by engine.py with the
 * Python helpers it calls), the module-level `flat` helper. */
#include "ctracer.h"

PyObject *str__atom, *str_encode, *str_ref, *str_line, *str_call, *str_return, *str_exception, *str_yield, *str_resume, *str_f_trace, *str_repr, *str_steps, *str_bytes, *str_time, *str_type, *str_int, *str_str, *str_sep, *str_list, *str_dict, *str_id, *str_len, *str_items, *str_empty, *str__ids, *str__next_ref;

static void
FrameState_dealloc(FrameState *self)
{
    Py_XDECREF(self->func);
    Py_XDECREF(self->atoms);
    Py_XDECREF(self->snaps);
    Py_XDECREF(self->imms);
    Py_XDECREF(self->skipped);
    Py_XDECREF(self->fps);
    Py_TYPE(self)->tp_free((PyObject *)self);
}

PyTypeObject FrameStateType = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "execbench.trace._ctracer.FrameState",
    .tp_basicsize = sizeof(FrameState),
    .tp_dealloc = (destructor)FrameState_dealloc,
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_doc = "What the C tracer knows about one traced frame (kept in frame.f_trace).",
};

FrameState *
FrameState_new(void)
{
    FrameState *st = PyObject_New(FrameState, &FrameStateType);
    if (st == NULL)
        return NULL;
    st->func = NULL;
    st->atoms = PyDict_New();
    st->snaps = PyDict_New();
    st->imms = PyDict_New();
    st->skipped = PySet_New(NULL);
    st->fps = PyDict_New();
    if (!st->atoms || !st->snaps || !st->imms || !st->skipped || !st->fps) {
        Py_DECREF(st);
        return NULL;
    }
    st->fid = 0;
    st->depth = 0;
    st->genlike = 0;
    st->module_like = 0;
    st->unwinding = 0;
    return st;
}

int
FrameState_clear_stores(FrameState *st)
{
    PyDict_Clear(st->atoms);
    PyDict_Clear(st->snaps);
    PyDict_Clear(st->imms);
    PyDict_Clear(st->fps);
    return 0;
}

/* The fields a CTracer owns (the "shared" ones are borrowed from `shared`). */
#define CT_OWNED(X)                                                                         \
    X(filename) X(raw) X(sink) X(pending) X(encoder) X(counts) X(atom) X(encode) X(ref)       \
    X(diff_name) X(diff) X(cleanup) X(exception_value) X(cuts) X(int_snaps) X(str_snaps)     \
    X(shared) X(watched) X(states) X(profile) X(ids)

static int
CTracer_traverse(CTracer *self, visitproc visit, void *arg)
{
#define VISIT(field) Py_VISIT(self->field);
    CT_OWNED(VISIT)
#undef VISIT
    return 0;
}

static int
CTracer_clear(CTracer *self)
{
#define CLEAR(field) Py_CLEAR(self->field);
    CT_OWNED(CLEAR)
#undef CLEAR
    self->make_rules = self->exception_helper = self->cut_cls = self->cut_exc = NULL;
    self->perf_counter = self->true_snap = self->false_snap = self->none_snap = NULL;
    self->run_code = NULL;
    self->last_frame = NULL; /* the states are gone */
    self->last_state = NULL;
    return 0;
}

static void
CTracer_dealloc(CTracer *self)
{
    PyObject_GC_UnTrack(self);
    CTracer_clear(self);
    Py_TYPE(self)->tp_free((PyObject *)self);
}

/* CTracer's arguments, by position (engine.py's _make_ctracer), and the items of `shared`
 * (engine.py's _CT_SHARED, made once). */
enum {
    A_FILENAME, A_RAW, A_SINK, A_PENDING, A_ENCODER, A_COUNTS, A_CUTS, A_INT_SNAPS,
    A_STR_SNAPS, A_SHORT_STR, A_N_MAX, A_MAX_DEPTH, A_MAX_STEPS, A_MAX_BYTES, A_MAX_TIME,
    A_RECORD_STATES, A_SHARED, N_ARGS
};
enum {
    S_MAKE_RULES, S_EXCEPTION_HELPER, S_CUT_CLS, S_CUT_EXC, S_PERF_COUNTER, S_TRUE, S_FALSE,
    S_NONE, S_RUN_CODE, S_YIELD_OP, S_RETURN_OPS, S_RESUME_OP, S_CACHE_ITEMS, N_SHARED
};

static int
CTracer_init(CTracer *self, PyObject *args, PyObject *kwds)
{
    if ((kwds != NULL && PyDict_GET_SIZE(kwds) != 0) || PyTuple_GET_SIZE(args) != N_ARGS) {
        PyErr_Format(PyExc_TypeError, "CTracer takes %d positional arguments", N_ARGS);
        return -1;
    }
    PyObject **a = &PyTuple_GET_ITEM(args, 0);
    PyObject *shared = a[A_SHARED];
    if (!PyUnicode_Check(a[A_FILENAME]) || (a[A_RAW] != Py_None && !PyList_CheckExact(a[A_RAW])) ||
        !PyList_Check(a[A_PENDING]) || !PyList_Check(a[A_CUTS]) || !PyDict_Check(a[A_INT_SNAPS]) ||
        !PyDict_Check(a[A_STR_SNAPS]) || !PyTuple_CheckExact(shared) ||
        PyTuple_GET_SIZE(shared) != N_SHARED || !PyBytes_Check(PyTuple_GET_ITEM(shared, S_RETURN_OPS))) {
        PyErr_SetString(PyExc_TypeError, "CTracer: an argument of the wrong type");
        return -1;
    }
    PyObject **sh = &PyTuple_GET_ITEM(shared, 0);
    PyObject *return_ops = sh[S_RETURN_OPS];
    if (PyBytes_GET_SIZE(return_ops) < 1 ||
        PyBytes_GET_SIZE(return_ops) > (Py_ssize_t)sizeof(self->return_ops)) {
        PyErr_SetString(PyExc_ValueError, "return_ops: 1 to 8 opcodes");
        return -1;
    }
    self->yield_op = (int)PyLong_AsLong(sh[S_YIELD_OP]); /* opcodes: small ints */
    self->resume_op = (int)PyLong_AsLong(sh[S_RESUME_OP]);
    self->cache_items = PyNumber_AsSsize_t(sh[S_CACHE_ITEMS], PyExc_OverflowError);
    self->short_str = PyNumber_AsSsize_t(a[A_SHORT_STR], PyExc_OverflowError);
    self->n_max = PyNumber_AsSsize_t(a[A_N_MAX], PyExc_OverflowError);
    self->max_depth = PyNumber_AsSsize_t(a[A_MAX_DEPTH], PyExc_OverflowError);
    self->max_steps = PyLong_AsLongLong(a[A_MAX_STEPS]);
    self->max_bytes = PyLong_AsLongLong(a[A_MAX_BYTES]);
    self->max_time = PyFloat_AsDouble(a[A_MAX_TIME]);
    self->record_states = PyObject_IsTrue(a[A_RECORD_STATES]);
    if (PyErr_Occurred())
        return -1;
    memcpy(self->return_ops, PyBytes_AS_STRING(return_ops), PyBytes_GET_SIZE(return_ops));
    self->n_return_ops = PyBytes_GET_SIZE(return_ops);
    CTracer_clear(self);
    self->filename = Py_NewRef(a[A_FILENAME]);
    self->raw = a[A_RAW] != Py_None ? Py_NewRef(a[A_RAW]) : NULL;
    self->sink = Py_NewRef(a[A_SINK]);
    self->pending = Py_NewRef(a[A_PENDING]);
    self->encoder = Py_NewRef(a[A_ENCODER]);
    self->counts = Py_NewRef(a[A_COUNTS]);
    self->cuts = Py_NewRef(a[A_CUTS]);
    self->int_snaps = Py_NewRef(a[A_INT_SNAPS]);
    self->str_snaps = Py_NewRef(a[A_STR_SNAPS]);
    self->shared = Py_NewRef(shared);
    self->make_rules = sh[S_MAKE_RULES];
    self->exception_helper = sh[S_EXCEPTION_HELPER];
    self->cut_cls = sh[S_CUT_CLS];
    self->cut_exc = sh[S_CUT_EXC];
    self->perf_counter = sh[S_PERF_COUNTER];
    self->true_snap = sh[S_TRUE];
    self->false_snap = sh[S_FALSE];
    self->none_snap = sh[S_NONE];
    self->run_code = sh[S_RUN_CODE];
    self->steps = self->bytes = self->frames = self->next_step = 0;
    self->monitoring = self->stopped = self->fresh_call = 0;
    self->line_override = -1;
    self->deadline = 1e300;
    return 0;
}

/* The encoder's attribute `name` (its `_atom`, `encode` or `ref`), looked up when first
 * needed and kept in *slot; borrowed, or NULL with an error. */
PyObject *
ct_encoder_attr(CTracer *self, PyObject **slot, PyObject *name)
{
    if (*slot == NULL)
        *slot = PyObject_GetAttr(self->encoder, name);
    return *slot;
}

static PyObject *
ctracer_flat(PyObject *module, PyObject *args)
{
    PyObject *value, *ints, *strs;
    Py_ssize_t short_str, cache_items;
    if (!PyArg_ParseTuple(args, "OO!O!nn", &value, &PyDict_Type, &ints, &PyDict_Type, &strs,
                          &short_str, &cache_items))
        return NULL;
    return ct_flat_parts(value, ints, strs, short_str, cache_items);
}

/* unchanged(value, fp, n_max) -> bool: fingerprint.unchanged at C speed (the rule's
 * Python calls it where the extension is built). */
static PyObject *
ctracer_unchanged(PyObject *module, PyObject *args)
{
    PyObject *value, *fp;
    Py_ssize_t n_max;
    if (!PyArg_ParseTuple(args, "OO!n", &value, &PyTuple_Type, &fp, &n_max))
        return NULL;
    int r = ct_unchanged(value, fp, n_max);
    if (r < 0)
        return NULL;
    return PyBool_FromLong(r);
}

static PyMethodDef module_methods[] = {
    {"unchanged", ctracer_unchanged, METH_VARARGS,
     "unchanged(value, fp, n_max) -> whether value still matches its fingerprint"},
    {"flat", ctracer_flat, METH_VARARGS,
     "flat(value, ints, strs, short_str, cache_items) -> (items, text) or None"},
    {"hold", (PyCFunction)(void (*)(void))ct_hold, METH_FASTCALL,
     "hold(tool): register the claimed sys.monitoring tool's callbacks, exception events on."},
    {"release", (PyCFunction)(void (*)(void))ct_release, METH_FASTCALL,
     "release(tool): undo hold (no tracer may be watching the tool)."},
    {NULL},
};

static PyObject *
CTracer_start(CTracer *self, PyObject *Py_UNUSED(ignored))
{
    PyEval_SetTrace(ct_trace, (PyObject *)self);
    Py_RETURN_NONE;
}

/* Called as a Python trace function (threading.settrace, or sys.settrace(old) restoring
 * this tracer): install the C function for this thread and handle the event with it. */
static PyObject *
CTracer_monitor(CTracer *self, PyObject *on)
{
    int flag = PyObject_IsTrue(on);
    if (flag < 0)
        return NULL;
    self->monitoring = flag;
    self->stopped = 0;
    if (ct_fresh_states(self) < 0)
        return NULL;
    Py_RETURN_NONE;
}

static PyObject *
CTracer_call(CTracer *self, PyObject *args, PyObject *kwds)
{
    PyObject *frame, *arg;
    const char *event;
    if (!PyArg_ParseTuple(args, "O!sO", &PyFrame_Type, &frame, &event, &arg))
        return NULL;
    int what;
    if (strcmp(event, "call") == 0)
        what = PyTrace_CALL;
    else if (strcmp(event, "line") == 0)
        what = PyTrace_LINE;
    else if (strcmp(event, "return") == 0)
        what = PyTrace_RETURN;
    else if (strcmp(event, "exception") == 0)
        what = PyTrace_EXCEPTION;
    else
        Py_RETURN_NONE;
    PyEval_SetTrace(ct_trace, (PyObject *)self);
    if (ct_trace((PyObject *)self, (PyFrameObject *)frame, what, arg) < 0)
        return NULL;
    Py_RETURN_NONE;
}

static PyObject *
CTracer_get_steps(CTracer *self, void *c) { return PyLong_FromLongLong(self->steps); }

static PyObject *
CTracer_get_bytes(CTracer *self, void *c) { return PyLong_FromLongLong(self->bytes); }

static PyObject *
CTracer_get_frames(CTracer *self, void *c) { return PyLong_FromLongLong(self->frames); }

static PyObject *
CTracer_get_deadline(CTracer *self, void *c) { return PyFloat_FromDouble(self->deadline); }

static int
CTracer_set_deadline(CTracer *self, PyObject *v, void *c)
{
    double d = PyFloat_AsDouble(v);
    if (d == -1.0 && PyErr_Occurred())
        return -1;
    self->deadline = d;
    return 0;
}

static PyObject *
CTracer_get_profile(CTracer *self, void *c)
{
    return Py_NewRef(self->profile != NULL ? self->profile : Py_None);
}

static int
CTracer_set_profile(CTracer *self, PyObject *v, void *c)
{
    if (v != NULL && v != Py_None && !PyDict_CheckExact(v)) {
        PyErr_SetString(PyExc_TypeError, "profile must be a dict or None");
        return -1;
    }
    Py_XSETREF(self->profile, v != NULL && v != Py_None ? Py_NewRef(v) : NULL);
    return 0;
}

/* profile[(group, name)] = (count + 1, ns + elapsed, interrupted), an interval longer than
 * PROFILE_CAP_NS counted as interrupted instead of added */
int
ct_profile_add(CTracer *self, const char *group, const char *name, long long ns)
{
    PyObject *key = Py_BuildValue("(ss)", group, name);
    if (key == NULL)
        return -1;
    PyObject *entry = PyDict_GetItemWithError(self->profile, key);
    long long n = 0, total = 0, cut = 0;
    if (entry != NULL && PyTuple_CheckExact(entry) && PyTuple_GET_SIZE(entry) == 3) {
        n = PyLong_AsLongLong(PyTuple_GET_ITEM(entry, 0));
        total = PyLong_AsLongLong(PyTuple_GET_ITEM(entry, 1));
        cut = PyLong_AsLongLong(PyTuple_GET_ITEM(entry, 2));
    }
    int interrupted = ns > PROFILE_CAP_NS;
    PyObject *value = PyErr_Occurred() ? NULL
                                       : Py_BuildValue("(LLL)", n + !interrupted,
                                                       total + (interrupted ? 0 : ns), cut + interrupted);
    int rc = value != NULL ? PyDict_SetItem(self->profile, key, value) : -1;
    Py_XDECREF(value);
    Py_DECREF(key);
    return rc;
}

static PyGetSetDef CTracer_getset[] = {
    {"profile", (getter)CTracer_get_profile, (setter)CTracer_set_profile,
     "None, or a dict where the time of each event kind, locals diff and snapshot type is "
     "added up: {(group, name): (count, ns, interrupted)} (bench/trace_overhead.py).", NULL},
    {"steps", (getter)CTracer_get_steps, NULL, "Line events recorded so far.", NULL},
    {"bytes", (getter)CTracer_get_bytes, NULL, "Approximate size recorded so far.", NULL},
    {"frames", (getter)CTracer_get_frames, NULL, "Frames seen so far.", NULL},
    {"deadline", (getter)CTracer_get_deadline, (setter)CTracer_set_deadline,
     "time.perf_counter() value after which tracing stops.", NULL},
    {NULL},
};

/* CTracer.encode(value): Encoder.encode(value), its common cases rendered here as for the
 * return values the tracer records (the result of a traced call, without a Python call). */
static PyObject *
CTracer_encode(CTracer *self, PyObject *value)
{
    return ct_encode(self, value);
}

static PyMethodDef CTracer_methods[] = {
    {"encode", (PyCFunction)CTracer_encode, METH_O,
     "encode(value): the encoder's snapshot of value (what the recorded return values use)."},
    {"start", (PyCFunction)CTracer_start, METH_NOARGS,
     "Install this tracer as the current thread's trace function."},
    {"monitor", (PyCFunction)CTracer_monitor, METH_O,
     "Feed this tracer from sys.monitoring callbacks (True) or from settrace (False)."},
    {"watch", (PyCFunction)(void (*)(void))ct_watch, METH_FASTCALL,
     "watch(tool, source): feed this tracer from the held tool's events, on for source's code."},
    {"unwatch", (PyCFunction)(void (*)(void))ct_unwatch, METH_FASTCALL,
     "unwatch(tool): switch off the local events watch switched on."},
    {"mon_start", (PyCFunction)(void (*)(void))ct_mon_start, METH_FASTCALL, "PY_START"},
    {"mon_resume", (PyCFunction)(void (*)(void))ct_mon_resume, METH_FASTCALL, "PY_RESUME"},
    {"mon_throw", (PyCFunction)(void (*)(void))ct_mon_throw, METH_FASTCALL, "PY_THROW"},
    {"mon_return", (PyCFunction)(void (*)(void))ct_mon_return, METH_FASTCALL, "PY_RETURN, PY_YIELD"},
    {"mon_raise", (PyCFunction)(void (*)(void))ct_mon_raise, METH_FASTCALL, "RAISE, STOP_ITERATION"},
    {"mon_unwind", (PyCFunction)(void (*)(void))ct_mon_unwind, METH_FASTCALL, "PY_UNWIND"},
    {"mon_line", (PyCFunction)(void (*)(void))ct_mon_line, METH_FASTCALL, "LINE"},
    {"mon_jump", (PyCFunction)(void (*)(void))ct_mon_jump, METH_FASTCALL, "JUMP"},
    {NULL},
};

static PyTypeObject CTracerType = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "execbench.trace._ctracer.CTracer",
    .tp_basicsize = sizeof(CTracer),
    .tp_dealloc = (destructor)CTracer_dealloc,
    .tp_flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_HAVE_GC,
    .tp_doc = "The settrace engine's hot path in C (see engine.py for the rules).",
    .tp_traverse = (traverseproc)CTracer_traverse,
    .tp_clear = (inquiry)CTracer_clear,
    .tp_methods = CTracer_methods,
    .tp_getset = CTracer_getset,
    .tp_init = (initproc)CTracer_init,
    .tp_new = PyType_GenericNew,
    .tp_call = (ternaryfunc)CTracer_call,
};

static struct PyModuleDef ctracer_module = {
    PyModuleDef_HEAD_INIT,
    .m_name = "execbench.trace._ctracer",
    .m_doc = "C engine of execbench's tracer.",
    .m_size = -1,
    .m_methods = module_methods,
};

PyMODINIT_FUNC
PyInit__ctracer(void)
{
    if (PyType_Ready(&FrameStateType) < 0 || PyType_Ready(&CTracerType) < 0)
        return NULL;
#define INTERN(var, text) if ((var = PyUnicode_InternFromString(text)) == NULL) return NULL
    INTERN(str__atom, "_atom");
    INTERN(str_encode, "encode");
    INTERN(str_ref, "ref");
    INTERN(str_line, "line");
    INTERN(str_empty, "");
    INTERN(str__ids, "_ids");
    INTERN(str__next_ref, "_next_ref");
    INTERN(str_call, "call");
    INTERN(str_return, "return");
    INTERN(str_exception, "exception");
    INTERN(str_yield, "yield");
    INTERN(str_resume, "resume");
    INTERN(str_f_trace, "f_trace");
    INTERN(str_repr, "repr");
    INTERN(str_steps, "steps");
    INTERN(str_bytes, "bytes");
    INTERN(str_time, "time");
    INTERN(str_type, "type");
    INTERN(str_int, "int");
    INTERN(str_str, "str");
    INTERN(str_sep, ", ");
    INTERN(str_list, "list");
    INTERN(str_dict, "dict");
    INTERN(str_id, "id");
    INTERN(str_len, "len");
    INTERN(str_items, "items");
#undef INTERN
    if (ct_monitor_init() < 0 || ct_watch_init() < 0)
        return NULL;
    PyObject *m = PyModule_Create(&ctracer_module);
    if (m == NULL)
        return NULL;
#ifdef EXECBENCH_SOURCE_HASH
    /* which sources this build came from: trace/_cext.py refuses a stale build */
    if (PyModule_AddStringConstant(m, "SOURCE_HASH", EXECBENCH_SOURCE_HASH) < 0) {
        Py_DECREF(m);
        return NULL;
    }
#endif
    Py_INCREF(&CTracerType);
    if (PyModule_AddObject(m, "CTracer", (PyObject *)&CTracerType) < 0) {
        Py_DECREF(&CTracerType);
        Py_DECREF(m);
        return NULL;
    }
    return m;
}
