/* The extension's types and module: FrameState, CTracer (constructed by engine.py with the
 * Python helpers it calls), the module-level `flat` helper. */
#include "ctracer.h"

PyObject *str_line, *str_call, *str_return, *str_exception, *str_yield, *str_resume, *str_f_trace, *str_repr, *str_steps, *str_bytes, *str_time, *str_type, *str_int, *str_str, *str_sep, *str_list, *str_dict, *str_id, *str_len, *str_items, *str_empty, *str__ids, *str__next_ref;

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

static int
CTracer_traverse(CTracer *self, visitproc visit, void *arg)
{
    Py_VISIT(self->filename);
    Py_VISIT(self->raw);
    Py_VISIT(self->sink);
    Py_VISIT(self->pending);
    Py_VISIT(self->take);
    Py_VISIT(self->atom);
    Py_VISIT(self->encode);
    Py_VISIT(self->ref);
    Py_VISIT(self->diff_name);
    Py_VISIT(self->diff);
    Py_VISIT(self->cleanup);
    Py_VISIT(self->rules_factory);
    Py_VISIT(self->exception_value);
    Py_VISIT(self->cut_cls);
    Py_VISIT(self->cuts);
    Py_VISIT(self->cut_exc);
    Py_VISIT(self->perf_counter);
    Py_VISIT(self->int_snaps);
    Py_VISIT(self->str_snaps);
    Py_VISIT(self->true_snap);
    Py_VISIT(self->false_snap);
    Py_VISIT(self->none_snap);
    Py_VISIT(self->run_code);
    Py_VISIT(self->states);
    Py_VISIT(self->profile);
    Py_VISIT(self->ids);
    return 0;
}

static int
CTracer_clear(CTracer *self)
{
    Py_CLEAR(self->filename);
    Py_CLEAR(self->raw);
    Py_CLEAR(self->sink);
    Py_CLEAR(self->pending);
    Py_CLEAR(self->take);
    Py_CLEAR(self->atom);
    Py_CLEAR(self->encode);
    Py_CLEAR(self->ref);
    Py_CLEAR(self->diff_name);
    Py_CLEAR(self->diff);
    Py_CLEAR(self->cleanup);
    Py_CLEAR(self->rules_factory);
    Py_CLEAR(self->exception_value);
    Py_CLEAR(self->cut_cls);
    Py_CLEAR(self->cuts);
    Py_CLEAR(self->cut_exc);
    Py_CLEAR(self->perf_counter);
    Py_CLEAR(self->int_snaps);
    Py_CLEAR(self->str_snaps);
    Py_CLEAR(self->true_snap);
    Py_CLEAR(self->false_snap);
    Py_CLEAR(self->none_snap);
    Py_CLEAR(self->run_code);
    Py_CLEAR(self->states);
    Py_CLEAR(self->profile);
    Py_CLEAR(self->ids);
    return 0;
}

static void
CTracer_dealloc(CTracer *self)
{
    PyObject_GC_UnTrack(self);
    CTracer_clear(self);
    Py_TYPE(self)->tp_free((PyObject *)self);
}

#define N_INIT_ARGS 33 /* CTracer's arguments (kwlist) */

static int
CTracer_init(CTracer *self, PyObject *args, PyObject *kwds)
{
    static char *kwlist[] = { /* engine.py passes them in this order */
        "filename", "raw", "sink", "pending", "take", "atom", "encode", "ref", "diff_name", "diff",
        "cleanup", "exception_value", "cut_cls", "cuts", "cut_exc", "perf_counter", "int_snaps",
        "str_snaps", "true_snap", "false_snap", "none_snap", "run_code", "yield_op",
        "return_ops", "resume_op", "max_steps", "max_bytes", "max_time", "n_max", "max_depth", "short_str", "cache_items", "record_states", NULL};
    PyObject *filename, *raw, *sink, *pending, *take, *atom, *encode, *ref, *diff_name, *diff, *cleanup,
        *exception_value, *cut_cls, *cuts, *cut_exc, *perf_counter, *int_snaps, *str_snaps, *true_snap,
        *false_snap, *none_snap, *run_code;
    int yield_op, resume_op, record_states;
    const char *return_ops;
    Py_ssize_t n_return_ops;
    long long max_steps, max_bytes;
    double max_time;
    Py_ssize_t n_max, max_depth, short_str, cache_items;
    /* engine.py passes every argument by position: unpacked here, without the general
     * parser (a tenth of a small trace's setup); any other call takes the parser */
    if ((kwds == NULL || PyDict_GET_SIZE(kwds) == 0) && PyTuple_GET_SIZE(args) == N_INIT_ARGS) {
        PyObject **a = &PyTuple_GET_ITEM(args, 0);
        filename = a[0], raw = a[1], sink = a[2], pending = a[3], take = a[4], atom = a[5];
        encode = a[6], ref = a[7], diff_name = a[8], diff = a[9], cleanup = a[10];
        exception_value = a[11], cut_cls = a[12], cuts = a[13], cut_exc = a[14];
        perf_counter = a[15], int_snaps = a[16], str_snaps = a[17], true_snap = a[18];
        false_snap = a[19], none_snap = a[20], run_code = a[21];
        if (!PyUnicode_Check(filename) || !PyList_Check(pending) || !PyList_Check(cuts) ||
            !PyDict_Check(int_snaps) || !PyDict_Check(str_snaps) || !PyBytes_Check(a[23])) {
            PyErr_SetString(PyExc_TypeError, "CTracer: an argument of the wrong type");
            return -1;
        }
        return_ops = PyBytes_AS_STRING(a[23]);
        n_return_ops = PyBytes_GET_SIZE(a[23]);
        yield_op = (int)PyLong_AsLong(a[22]); /* opcodes: small ints */
        resume_op = (int)PyLong_AsLong(a[24]);
        max_steps = PyLong_AsLongLong(a[25]);
        max_bytes = PyLong_AsLongLong(a[26]);
        max_time = PyFloat_AsDouble(a[27]);
        n_max = PyNumber_AsSsize_t(a[28], PyExc_OverflowError);
        max_depth = PyNumber_AsSsize_t(a[29], PyExc_OverflowError);
        short_str = PyNumber_AsSsize_t(a[30], PyExc_OverflowError);
        cache_items = PyNumber_AsSsize_t(a[31], PyExc_OverflowError);
        record_states = PyObject_IsTrue(a[32]);
        if (PyErr_Occurred())
            return -1;
    }
    else if (!PyArg_ParseTupleAndKeywords(
            args, kwds, "UOOO!OOOOOOOOOO!OOO!O!OOOOiy#iLLdnnnnp", kwlist, &filename, &raw, &sink,
            &PyList_Type, &pending, &take, &atom, &encode, &ref, &diff_name, &diff, &cleanup,
            &exception_value, &cut_cls, &PyList_Type, &cuts, &cut_exc, &perf_counter, &PyDict_Type, &int_snaps,
            &PyDict_Type, &str_snaps, &true_snap, &false_snap, &none_snap, &run_code, &yield_op,
            &return_ops, &n_return_ops, &resume_op, &max_steps, &max_bytes, &max_time, &n_max, &max_depth, &short_str, &cache_items, &record_states))
        return -1;
    if (raw != Py_None && !PyList_CheckExact(raw)) {
        PyErr_SetString(PyExc_TypeError, "raw must be a list or None");
        return -1;
    }
    CTracer_clear(self);
    Py_INCREF(filename); self->filename = filename;
    if (raw != Py_None) { Py_INCREF(raw); self->raw = raw; }
    Py_INCREF(sink); self->sink = sink;
    Py_INCREF(pending); self->pending = pending;
    Py_INCREF(take); self->take = take;
    Py_INCREF(atom); self->atom = atom;
    Py_INCREF(encode); self->encode = encode;
    Py_INCREF(ref); self->ref = ref;
    if (diff == Py_None && cleanup == Py_None) { /* diff_name makes the rules when needed */
        Py_INCREF(diff_name); self->rules_factory = diff_name;
    }
    else {
        Py_INCREF(diff_name); self->diff_name = diff_name;
        Py_INCREF(diff); self->diff = diff;
        Py_INCREF(cleanup); self->cleanup = cleanup;
    }
    Py_INCREF(exception_value); self->exception_value = exception_value;
    Py_INCREF(cut_cls); self->cut_cls = cut_cls;
    Py_INCREF(cuts); self->cuts = cuts;
    Py_INCREF(cut_exc); self->cut_exc = cut_exc;
    Py_INCREF(perf_counter); self->perf_counter = perf_counter;
    Py_INCREF(int_snaps); self->int_snaps = int_snaps;
    Py_INCREF(str_snaps); self->str_snaps = str_snaps;
    Py_INCREF(true_snap); self->true_snap = true_snap;
    Py_INCREF(false_snap); self->false_snap = false_snap;
    Py_INCREF(none_snap); self->none_snap = none_snap;
    Py_INCREF(run_code); self->run_code = run_code;
    self->yield_op = yield_op;
    self->resume_op = resume_op;
    if (n_return_ops < 1 || n_return_ops > (Py_ssize_t)sizeof(self->return_ops)) {
        PyErr_SetString(PyExc_ValueError, "return_ops: 1 to 8 opcodes");
        return -1;
    }
    memcpy(self->return_ops, return_ops, n_return_ops);
    self->n_return_ops = n_return_ops;
    self->max_steps = max_steps;
    self->max_bytes = max_bytes;
    self->max_time = max_time;
    self->n_max = n_max;
    self->max_depth = max_depth;
    self->short_str = short_str;
    self->cache_items = cache_items;
    self->record_states = record_states;
    self->steps = self->bytes = self->frames = self->next_step = 0;
    self->monitoring = self->stopped = self->fresh_call = 0;
    self->line_override = -1;
    self->profile = NULL;
    self->states = PyDict_New();
    if (self->states == NULL)
        return -1;
    self->deadline = 1e300;
    return 0;
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
    PyDict_Clear(self->states);
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
     "watch(tool, codes): feed this tracer from the held tool's events, on for codes."},
    {"unwatch", (PyCFunction)(void (*)(void))ct_unwatch, METH_FASTCALL,
     "unwatch(tool, codes): switch off the local events watch switched on."},
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
