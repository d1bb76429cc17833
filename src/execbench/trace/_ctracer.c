/* The C engine of execbench's tracer: the settrace hot path without a Python frame per event.
 *
 * It records exactly what the Python engine (engine.py) records, event for event; the rules
 * live in engine.py and this file is a faster rendering of their common cases:
 *
 * - every event of a frame of the traced source (co_filename equal to the recorder's) is
 *   handled here; frames of other code cost one string compare per event;
 * - locals are diffed here when the rule is simple (an int/str/bool/None bound in a
 *   function frame, or a container whose fingerprint still matches); every other case calls
 *   the Python rule `diff_name` (engine.py), and module-like frames (module and class bodies,
 *   whose namespace is a real dict the program can fill with anything) use the Python
 *   `diff` whole;
 * - snapshots are made by the Python encoder, never here (it is the part that must never
 *   run program code, and it is written once);
 * - the per-frame state lives in `frame.f_trace` as a FrameState, as the Python engine keeps
 *   its closure there, so it dies with the frame and a resumed generator finds its own.
 *
 * Stack depth: calling a Python trace function costs two units of the recursion limit
 * per event (entering the eval loop from C, then the function's frame) and each helper
 * the Python engine calls (`diff`, `depth_of`, ...) one more. This engine takes the same units with
 * Py_EnterRecursiveCall (3.11 counts Python frames and C recursion in one counter), so a
 * program at its recursion limit stops being traced at the same line as under a plain
 * `sys.settrace` tracer. engine.py only picks this engine where that holds (3.11).
 *
 * Failure: like CPython's own trampoline for Python trace functions, an error raised by the
 * tracer (the limit stop `_TraceCut` among them) switches tracing off for the thread and
 * propagates into the program.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <frameobject.h>

#if PY_VERSION_HEX < 0x030B0000
#error "execbench's C tracer needs CPython 3.11 or newer"
#endif

/* ---- per-frame state ------------------------------------------------------------------- */

typedef struct {
    PyObject_HEAD
    long long fid;
    long long depth;
    PyObject *func;    /* co_name */
    int genlike;
    int module_like;
    int unwinding;     /* an exception event since the last line: a return now unwinds */
    PyObject *atoms;   /* dict name -> atomic value last seen */
    PyObject *snaps;   /* dict name -> snapshot of a non-atomic value last recorded */
    PyObject *imms;    /* dict name -> deep-immutable value known unchanged */
    PyObject *skipped; /* set of hidden names */
    PyObject *fps;     /* dict name -> fingerprint */
} FrameState;

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

static PyTypeObject FrameStateType = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "execbench.trace._ctracer.FrameState",
    .tp_basicsize = sizeof(FrameState),
    .tp_dealloc = (destructor)FrameState_dealloc,
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_doc = "What the C tracer knows about one traced frame (kept in frame.f_trace).",
};

static FrameState *
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

static int
FrameState_clear_stores(FrameState *st)
{
    PyDict_Clear(st->atoms);
    PyDict_Clear(st->snaps);
    PyDict_Clear(st->imms);
    PyDict_Clear(st->fps);
    return 0;
}

/* ---- the tracer object ----------------------------------------------------------------- */

typedef struct {
    PyObject_HEAD
    PyObject *filename;
    PyObject *raw;            /* list the events are appended to, or NULL */
    PyObject *sink;           /* callable taking an event, used when raw is NULL */
    PyObject *pending;        /* the stdout capture's pending list */
    PyObject *take;           /* () -> str: the pending stdout */
    PyObject *atom;           /* (value, type) -> snapshot */
    PyObject *encode;         /* (value) -> snapshot */
    PyObject *ref;            /* (value) -> the encoder's identity number */
    PyObject *diff_name;      /* the full per-name rule (engine.py) */
    PyObject *diff;           /* the full per-frame rule, for module-like frames */
    PyObject *cleanup;        /* names gone from the locals -> delta */
    PyObject *exception_value;/* (exc_info tuple) -> {"type", "message"} */
    PyObject *cut_cls;        /* the Cut class */
    PyObject *cuts;           /* list the Cut is appended to */
    PyObject *cut_exc;        /* the _TraceCut class */
    PyObject *perf_counter;   /* time.perf_counter */
    PyObject *int_snaps;      /* encoder caches */
    PyObject *str_snaps;
    PyObject *true_snap, *false_snap, *none_snap;
    PyObject *run_code;       /* Recorder.run's code: the depth walk stops there */
    int yield_op;
    int resume_op;            /* 3.13+: the RESUME after a yield is at f_lasti, else -1 */
    char return_ops[8];       /* the opcodes of a real return (see pybehavior.py) */
    Py_ssize_t n_return_ops;
    long long steps;          /* line events recorded */
    long long bytes;          /* approximate encoded size */
    long long frames;         /* frames seen (the last fid) */
    long long next_step;
    long long max_steps;
    long long max_bytes;
    double deadline;
    double max_time;
    Py_ssize_t n_max;         /* snapshot max_items (fingerprints keep as many) */
    Py_ssize_t max_depth;     /* snapshot max_depth */
    Py_ssize_t short_str;     /* strs up to this length have cached snapshots */
    Py_ssize_t cache_items;   /* entries a snapshot cache holds before starting afresh */
    int record_states;
} CTracer;

static PyObject *str_line, *str_call, *str_return, *str_exception, *str_yield, *str_resume;
static PyObject *str_f_trace, *str_repr, *str_steps, *str_bytes, *str_time;

#define TIME_CHECK_MASK 255

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
    return 0;
}

static void
CTracer_dealloc(CTracer *self)
{
    PyObject_GC_UnTrack(self);
    CTracer_clear(self);
    Py_TYPE(self)->tp_free((PyObject *)self);
}

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
    if (!PyArg_ParseTupleAndKeywords(
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
    Py_INCREF(diff_name); self->diff_name = diff_name;
    Py_INCREF(diff); self->diff = diff;
    Py_INCREF(cleanup); self->cleanup = cleanup;
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
    self->deadline = 1e300;
    return 0;
}

/* ---- helpers --------------------------------------------------------------------------- */

static inline int
is_ours(CTracer *self, PyCodeObject *code)
{
    PyObject *fn = code->co_filename;
    if (fn == self->filename)
        return 1;
    if (PyUnicode_GET_LENGTH(fn) != PyUnicode_GET_LENGTH(self->filename))
        return 0;
    return PyUnicode_Compare(fn, self->filename) == 0;
}

/* Whether `v` still matches fingerprint `fp` (engine.py: fingerprint.unchanged): the same
 * container, length and item identities, nested fingerprints compared recursively.
 * Returns 1, 0, or -1 with an exception. Runs no program code: only exact builtin
 * containers carry fingerprints. */
static int
c_unchanged(PyObject *v, PyObject *fp, Py_ssize_t n_max)
{
    if (!PyTuple_CheckExact(fp) || PyTuple_GET_SIZE(fp) != 4)
        return 0;
    PyObject *t = PyTuple_GET_ITEM(fp, 3);
    if ((PyObject *)Py_TYPE(v) != t)
        return 0;
    void *addr = PyLong_AsVoidPtr(PyTuple_GET_ITEM(fp, 0));
    if (addr == NULL && PyErr_Occurred())
        return -1;
    if (addr != (void *)v)
        return 0;
    Py_ssize_t n = PyLong_AsSsize_t(PyTuple_GET_ITEM(fp, 1));
    if (n == -1 && PyErr_Occurred())
        return -1;
    PyObject *items = PyTuple_GET_ITEM(fp, 2);
    if (!PyTuple_CheckExact(items))
        return 0;
    Py_ssize_t m = PyTuple_GET_SIZE(items);
    if (PyList_CheckExact(v) || PyTuple_CheckExact(v)) {
        Py_ssize_t len = PyList_CheckExact(v) ? PyList_GET_SIZE(v) : PyTuple_GET_SIZE(v);
        if (len != n)
            return 0;
        Py_ssize_t k = len < n_max ? len : n_max;
        if (k > m)
            k = m;
        for (Py_ssize_t i = 0; i < k; i++) {
            PyObject *x = PyList_CheckExact(v) ? PyList_GET_ITEM(v, i) : PyTuple_GET_ITEM(v, i);
            PyObject *y = PyTuple_GET_ITEM(items, i);
            if (x == y)
                continue;
            if (!PyTuple_CheckExact(y))
                return 0;
            int r = c_unchanged(x, y, n_max);
            if (r != 1)
                return r;
        }
        return 1;
    }
    if (PyDict_CheckExact(v)) {
        if (PyDict_GET_SIZE(v) != n)
            return 0;
        Py_ssize_t k = n < n_max ? n : n_max;
        if (2 * k != m)
            return 0;
        Py_ssize_t pos = 0, i = 0;
        PyObject *key, *value;
        while (i < k && PyDict_Next(v, &pos, &key, &value)) {
            PyObject *yk = PyTuple_GET_ITEM(items, i);
            PyObject *yv = PyTuple_GET_ITEM(items, k + i);
            if (key != yk) {
                if (!PyTuple_CheckExact(yk))
                    return 0;
                int r = c_unchanged(key, yk, n_max);
                if (r != 1)
                    return r;
            }
            if (value != yv) {
                if (!PyTuple_CheckExact(yv))
                    return 0;
                int r = c_unchanged(value, yv, n_max);
                if (r != 1)
                    return r;
            }
            i++;
        }
        return 1;
    }
    if (PySet_CheckExact(v) || PyFrozenSet_CheckExact(v)) {
        if (PySet_GET_SIZE(v) != n)
            return 0;
        PyObject *it = PyObject_GetIter(v);
        if (it == NULL)
            return -1;
        Py_ssize_t i = 0;
        int result = 1;
        PyObject *x;
        while (i < m && (x = PyIter_Next(it)) != NULL) {
            PyObject *y = PyTuple_GET_ITEM(items, i);
            int r = 1;
            if (x != y)
                r = PyTuple_CheckExact(y) ? c_unchanged(x, y, n_max) : 0;
            Py_DECREF(x);
            if (r != 1) {
                result = r;
                break;
            }
            i++;
        }
        Py_DECREF(it);
        if (result == 1 && PyErr_Occurred())
            return -1;
        return result;
    }
    return 0;
}

/* engine.py's hidden-name test for a name first seen: compiler temporaries (".0") and, in
 * module-like frames, dunder names. */
static inline int
is_hidden(PyObject *name, int module_like)
{
    Py_ssize_t len = PyUnicode_GET_LENGTH(name);
    if (len == 0)
        return 0;
    if (PyUnicode_READ_CHAR(name, 0) == '.')
        return 1;
    if (module_like && len >= 2 && PyUnicode_READ_CHAR(name, 0) == '_' &&
        PyUnicode_READ_CHAR(name, 1) == '_' && PyUnicode_READ_CHAR(name, len - 1) == '_' &&
        PyUnicode_READ_CHAR(name, len - 2) == '_')
        return 1;
    return 0;
}

/* Take recorded data out of the cycle collector's sight. Snapshots, deltas and event
 * tuples are fresh trees of dicts, lists and strs that never reference themselves or the
 * program, so they can never be part of a cycle; left tracked, every collection during
 * and after a trace would walk all of them again. (An untracked container only keeps
 * what it references alive, which is all the collector needs to know.) */
static void
untrack_tree(PyObject *o, int depth)
{
    if (depth > 64 || !PyObject_GC_IsTracked(o))
        return;
    if (PyDict_CheckExact(o)) {
        PyObject_GC_UnTrack(o);
        Py_ssize_t pos = 0;
        PyObject *key, *value;
        while (PyDict_Next(o, &pos, &key, &value))
            untrack_tree(value, depth + 1);
    }
    else if (PyList_CheckExact(o)) {
        PyObject_GC_UnTrack(o);
        for (Py_ssize_t i = 0; i < PyList_GET_SIZE(o); i++)
            untrack_tree(PyList_GET_ITEM(o, i), depth + 1);
    }
    else if (PyTuple_CheckExact(o)) {
        PyObject_GC_UnTrack(o);
        for (Py_ssize_t i = 0; i < PyTuple_GET_SIZE(o); i++)
            untrack_tree(PyTuple_GET_ITEM(o, i), depth + 1);
    }
}

/* Add `snap` for `name` to *delta (made on first use) and its cost to self->bytes. */
static int
record(CTracer *self, PyObject **delta, PyObject *name, PyObject *snap, long long *cost)
{
    if (*delta == NULL) {
        *delta = PyDict_New();
        if (*delta == NULL)
            return -1;
    }
    if (PyDict_SetItem(*delta, name, snap) < 0)
        return -1;
    PyObject *text = PyDict_Check(snap) ? PyDict_GetItemWithError(snap, str_repr) : NULL;
    if (text == NULL && PyErr_Occurred())
        return -1;
    *cost += 24 + ((text != NULL && PyUnicode_Check(text)) ? PyUnicode_GET_LENGTH(text) : 0);
    return 0;
}

/* dict.pop(key, None) */
static int
discard(PyObject *dict, PyObject *key)
{
    if (PyDict_DelItem(dict, key) == 0)
        return 0;
    if (!PyErr_ExceptionMatches(PyExc_KeyError))
        return -1;
    PyErr_Clear();
    return 0;
}

/* ---- flat containers: the encoder's fast path ------------------------------------------ */

static PyObject *str_type, *str_int, *str_str, *str_sep, *str_list, *str_dict, *str_id, *str_len,
    *str_items;

/* The cached snapshot of a small int or short str (made and cached on a miss);
 * a new reference. */
static PyObject *
atom_snapshot(PyObject *item, PyObject *cache, PyObject *type_name, Py_ssize_t cache_items)
{
    PyObject *snap = PyDict_GetItemWithError(cache, item);
    if (snap != NULL) {
        Py_INCREF(snap);
        return snap;
    }
    if (PyErr_Occurred())
        return NULL;
    PyObject *text = PyObject_Repr(item); /* exact int or str: stdlib code only */
    if (text == NULL)
        return NULL;
    snap = PyDict_New();
    if (snap == NULL || PyDict_SetItem(snap, str_type, type_name) < 0 ||
        PyDict_SetItem(snap, str_repr, text) < 0) {
        Py_XDECREF(snap);
        Py_DECREF(text);
        return NULL;
    }
    Py_DECREF(text);
    if (PyDict_GET_SIZE(cache) >= cache_items)
        PyDict_Clear(cache);
    if (PyDict_SetItem(cache, item, snap) < 0) {
        Py_DECREF(snap);
        return NULL;
    }
    return snap;
}

/* Which cache serves all of `items` (all small ints, or all short strs), or NULL. */
static PyObject *
flat_kind(PyObject *const *items, Py_ssize_t n, PyObject *ints, PyObject *strs,
          Py_ssize_t short_str, PyObject **type_name)
{
    if (n == 0)
        return NULL;
    if (PyLong_CheckExact(items[0])) {
        for (Py_ssize_t i = 0; i < n; i++) {
            if (!PyLong_CheckExact(items[i]))
                return NULL;
            int overflow = 0;
            long long v = PyLong_AsLongLongAndOverflow(items[i], &overflow);
            if (overflow || v <= -1000000000LL || v >= 1000000000LL)
                return NULL;
        }
        *type_name = str_int;
        return ints;
    }
    if (PyUnicode_CheckExact(items[0])) {
        for (Py_ssize_t i = 0; i < n; i++)
            if (!PyUnicode_CheckExact(items[i]) || PyUnicode_GET_LENGTH(items[i]) > short_str)
                return NULL;
        *type_name = str_str;
        return strs;
    }
    return NULL;
}

/* Snapshots of `items` (a new list) and their reprs (a new list), or NULL with no error
 * when the items are not flat. */
static int
flat_snaps(PyObject *const *items, Py_ssize_t n, PyObject *ints, PyObject *strs,
           Py_ssize_t short_str, Py_ssize_t cache_items, PyObject **snaps, PyObject **reprs)
{
    PyObject *type_name = NULL;
    PyObject *cache = flat_kind(items, n, ints, strs, short_str, &type_name);
    *snaps = *reprs = NULL;
    if (cache == NULL)
        return 0;
    *snaps = PyList_New(n);
    *reprs = PyList_New(n);
    if (*snaps == NULL || *reprs == NULL)
        goto error;
    for (Py_ssize_t i = 0; i < n; i++) {
        PyObject *snap = atom_snapshot(items[i], cache, type_name, cache_items);
        if (snap == NULL)
            goto error;
        PyObject *text = PyDict_GetItemWithError(snap, str_repr);
        if (text == NULL) {
            Py_DECREF(snap);
            if (!PyErr_Occurred())
                PyErr_SetString(PyExc_KeyError, "repr");
            goto error;
        }
        Py_INCREF(text);
        PyList_SET_ITEM(*snaps, i, snap);
        PyList_SET_ITEM(*reprs, i, text);
    }
    return 1;
error:
    Py_CLEAR(*snaps);
    Py_CLEAR(*reprs);
    return -1;
}

static PyObject *
join_wrapped(const char *open, PyObject *parts, const char *close)
{
    PyObject *body = PyUnicode_Join(str_sep, parts);
    if (body == NULL)
        return NULL;
    PyObject *text = PyUnicode_FromFormat("%s%U%s", open, body, close);
    Py_DECREF(body);
    return text;
}

/* flat(value, ints, strs, short_str, cache_items) -> (items, text) or None.
 *
 * The snapshot parts of an exact list, tuple or dict whose items (keys and values each)
 * are all small ints or all short strs: the item snapshots (from the shared caches, made
 * on a miss) and the literal text. snapshot.py's _flat_container is the rule and the
 * fallback; this is it at C speed. */
static PyObject *
flat_parts(PyObject *value, PyObject *ints, PyObject *strs, Py_ssize_t short_str,
           Py_ssize_t cache_items)
{
    PyObject *snaps, *reprs, *text = NULL;
    if (PyList_CheckExact(value) || PyTuple_CheckExact(value)) {
        /* a list's items are copied first: making a snapshot may not resize it, but the
         * copy keeps the items alive whatever happens */
        PyObject *seq = PySequence_Tuple(value);
        if (seq == NULL)
            return NULL;
        Py_ssize_t n = PyTuple_GET_SIZE(seq);
        int r = flat_snaps(&PyTuple_GET_ITEM(seq, 0), n, ints, strs, short_str, cache_items,
                           &snaps, &reprs);
        Py_DECREF(seq);
        if (r <= 0)
            return r < 0 ? NULL : (Py_INCREF(Py_None), Py_None);
        if (PyList_CheckExact(value))
            text = join_wrapped("[", reprs, "]");
        else
            text = join_wrapped("(", reprs, n == 1 ? ",)" : ")");
        Py_DECREF(reprs);
        if (text == NULL) {
            Py_DECREF(snaps);
            return NULL;
        }
        PyObject *res = PyTuple_Pack(2, snaps, text);
        Py_DECREF(snaps);
        Py_DECREF(text);
        return res;
    }
    if (!PyDict_CheckExact(value))
        Py_RETURN_NONE;
    PyObject *keys = PyDict_Keys(value);
    PyObject *values = keys != NULL ? PyDict_Values(value) : NULL;
    if (values == NULL) {
        Py_XDECREF(keys);
        return NULL;
    }
    Py_ssize_t n = PyList_GET_SIZE(keys);
    PyObject *ksnaps, *kreprs, *vsnaps = NULL, *vreprs = NULL, *res = NULL, *pairs = NULL,
                                *parts = NULL;
    int r = n == PyList_GET_SIZE(values)
                ? flat_snaps(&PyList_GET_ITEM(keys, 0), n, ints, strs, short_str, cache_items,
                             &ksnaps, &kreprs)
                : 0;
    if (r > 0) {
        r = flat_snaps(&PyList_GET_ITEM(values, 0), n, ints, strs, short_str, cache_items,
                       &vsnaps, &vreprs);
        if (r <= 0) {
            Py_DECREF(ksnaps);
            Py_DECREF(kreprs);
        }
    }
    Py_DECREF(keys);
    Py_DECREF(values);
    if (r <= 0)
        return r < 0 ? NULL : (Py_INCREF(Py_None), Py_None);
    pairs = PyList_New(n);
    parts = PyList_New(n);
    if (pairs == NULL || parts == NULL)
        goto done;
    for (Py_ssize_t i = 0; i < n; i++) {
        PyObject *pair = PyList_New(2);
        if (pair == NULL)
            goto done;
        PyObject *k = PyList_GET_ITEM(ksnaps, i), *v = PyList_GET_ITEM(vsnaps, i);
        Py_INCREF(k);
        Py_INCREF(v);
        PyList_SET_ITEM(pair, 0, k);
        PyList_SET_ITEM(pair, 1, v);
        PyList_SET_ITEM(pairs, i, pair);
        PyObject *part = PyUnicode_FromFormat("%U: %U", PyList_GET_ITEM(kreprs, i),
                                              PyList_GET_ITEM(vreprs, i));
        if (part == NULL)
            goto done;
        PyList_SET_ITEM(parts, i, part);
    }
    text = join_wrapped("{", parts, "}");
    if (text != NULL)
        res = PyTuple_Pack(2, pairs, text);
done:
    Py_XDECREF(text);
    Py_XDECREF(pairs);
    Py_XDECREF(parts);
    Py_DECREF(ksnaps);
    Py_DECREF(kreprs);
    Py_DECREF(vsnaps);
    Py_DECREF(vreprs);
    return res;
}

/* ---- recursion units ---------------------------------------------------------------------
 *
 * The Python engine's code runs in Python frames, each a unit of the recursion limit, and
 * a RecursionError raised by any of them has a defined effect (see engine.py). To behave
 * the same near the limit, this engine holds one unit for each frame the Python engine
 * would be in ("emulated" frames) and calls the Python helpers as a Python caller would.
 * Calling Python from C takes two units (entering the eval loop, then the frame) where a
 * Python caller takes one, so one held unit is handed back for the duration of the call. */

static inline int
enter(void)
{
    return Py_EnterRecursiveCall(" while calling a Python object");
}

static PyObject *
py_call(PyObject *callable, PyObject *const *args, size_t nargs)
{
    Py_LeaveRecursiveCall();
    PyObject *res = PyObject_Vectorcall(callable, args, nargs, NULL);
    if (enter()) { /* cannot happen: the unit was held just before the call */
        Py_XDECREF(res);
        return NULL;
    }
    return res;
}

/* The Python engine's diff_name frame, held around work done here in its place. */
#define EMULATE_FRAME(fail_action) \
    if (enter()) {                 \
        fail_action;               \
    }

/* One local whose value is an int/str/bool/None, changed (engine.py: diff_name's first
 * branch). Runs in diff_name's emulated frame. Returns 0 when done, -1 on error. */
static int
diff_atom_changed(CTracer *self, FrameState *st, PyObject *name, PyObject *v, PyObject *old,
                  PyObject **delta, long long *cost)
{
    PyTypeObject *t = Py_TYPE(v);
    int in = PySet_Contains(st->skipped, name);
    if (in)
        return in < 0 ? -1 : 0;
    int in_snaps = PyDict_Contains(st->snaps, name);
    if (in_snaps < 0)
        return -1;
    if (old == NULL && !in_snaps && is_hidden(name, st->module_like))
        return PySet_Add(st->skipped, name);
    if (PyDict_SetItem(st->atoms, name, v) < 0)
        return -1;
    if (in_snaps) {
        if (PyDict_DelItem(st->snaps, name) < 0)
            return -1;
        if (discard(st->imms, name) < 0 || discard(st->fps, name) < 0)
            return -1;
    }
    PyObject *snap = NULL;
    if (t == &PyLong_Type)
        snap = PyDict_GetItemWithError(self->int_snaps, v);
    else if (t == &PyUnicode_Type)
        snap = PyDict_GetItemWithError(self->str_snaps, v);
    else if (v == Py_None)
        snap = self->none_snap;
    else if (v == Py_True)
        snap = self->true_snap;
    else if (v == Py_False)
        snap = self->false_snap;
    if (snap != NULL) {
        Py_INCREF(snap);
    }
    else {
        if (PyErr_Occurred())
            return -1;
        PyObject *args[2] = {v, (PyObject *)t};
        snap = py_call(self->atom, args, 2);
        if (snap == NULL)
            return -1;
    }
    int r = record(self, delta, name, snap, cost);
    Py_DECREF(snap);
    return r;
}

/* engine.py's inline test in `diff`: a list or dict whose items are still the very
 * objects its fingerprint holds (flat, at most n_max of them). */
static int
same_flat(PyObject *v, PyObject *fp, Py_ssize_t n_max)
{
    if (!PyTuple_CheckExact(fp) || PyTuple_GET_SIZE(fp) != 4)
        return 0;
    PyObject *t = PyTuple_GET_ITEM(fp, 3);
    if ((PyObject *)Py_TYPE(v) != t)
        return 0;
    void *addr = PyLong_AsVoidPtr(PyTuple_GET_ITEM(fp, 0));
    if (addr == NULL && PyErr_Occurred())
        return -1;
    if (addr != (void *)v)
        return 0;
    Py_ssize_t n = PyLong_AsSsize_t(PyTuple_GET_ITEM(fp, 1));
    if (n == -1 && PyErr_Occurred())
        return -1;
    PyObject *items = PyTuple_GET_ITEM(fp, 2);
    if (!PyTuple_CheckExact(items))
        return 0;
    if (PyList_CheckExact(v)) {
        if (PyList_GET_SIZE(v) != n || n > n_max || PyTuple_GET_SIZE(items) != n)
            return 0;
        for (Py_ssize_t i = 0; i < n; i++)
            if (PyList_GET_ITEM(v, i) != PyTuple_GET_ITEM(items, i))
                return 0;
        return 1;
    }
    if (PyDict_CheckExact(v)) {
        if (PyDict_GET_SIZE(v) != n || n > n_max || PyTuple_GET_SIZE(items) != 2 * n)
            return 0;
        Py_ssize_t pos = 0, i = 0;
        PyObject *key, *value;
        while (PyDict_Next(v, &pos, &key, &value)) {
            if (key != PyTuple_GET_ITEM(items, i) || value != PyTuple_GET_ITEM(items, n + i))
                return 0;
            i++;
        }
        return 1;
    }
    return 0;
}

/* engine.py's diff_name for an exact list or dict of small ints or short strs (most
 * changes a trace records), rendered here with the encoder's flat helper; the snapshot and
 * fingerprint are what diff_name would make. Runs in the emulated frames of diff_name and
 * encode. Returns 1 when done, 0 when the value is not such a container (diff_name then
 * decides), -1 on error. */
static int
diff_flat(CTracer *self, FrameState *st, PyObject *name, PyObject *v, PyObject **delta,
          long long *cost)
{
    int is_list = PyList_CheckExact(v);
    if (!is_list && !PyDict_CheckExact(v))
        return 0;
    Py_ssize_t n = is_list ? PyList_GET_SIZE(v) : PyDict_GET_SIZE(v);
    if (self->max_depth <= 0 || n <= 0 || n > self->n_max)
        return 0;
    PyObject *old_snap = PyDict_GetItemWithError(st->snaps, name);
    if (old_snap == NULL) {
        if (PyErr_Occurred())
            return -1;
        int in_atoms = PyDict_Contains(st->atoms, name);
        if (in_atoms < 0)
            return -1;
        if (!in_atoms && is_hidden(name, st->module_like))
            return PySet_Add(st->skipped, name) < 0 ? -1 : 1;
    }
    Py_XINCREF(old_snap);
    PyObject *parts = NULL, *items = NULL, *fp_items = NULL, *fp = NULL, *ref = NULL, *snap = NULL;
    PyObject *py_n = NULL, *addr = NULL;
    int rc = -1;
    parts = flat_parts(v, self->int_snaps, self->str_snaps, self->short_str, self->cache_items);
    if (parts == NULL)
        goto done;
    if (parts == Py_None) {
        rc = 0;
        goto done;
    }
    if (is_list)
        fp_items = PyList_AsTuple(v);
    else {
        PyObject *keys = PyDict_Keys(v), *values = keys ? PyDict_Values(v) : NULL;
        if (values != NULL) {
            PyObject *both = PySequence_Concat(keys, values);
            if (both != NULL) {
                fp_items = PyList_AsTuple(both);
                Py_DECREF(both);
            }
        }
        Py_XDECREF(keys);
        Py_XDECREF(values);
    }
    py_n = PyLong_FromSsize_t(n);
    addr = PyLong_FromVoidPtr(v);
    if (fp_items == NULL || py_n == NULL || addr == NULL)
        goto done;
    fp = PyTuple_Pack(4, addr, py_n, fp_items, (PyObject *)Py_TYPE(v));
    if (fp == NULL)
        goto done;
    ref = py_call(self->ref, &v, 1);
    if (ref == NULL)
        goto done;
    snap = PyDict_New();
    if (snap == NULL || PyDict_SetItem(snap, str_type, is_list ? str_list : str_dict) < 0 ||
        PyDict_SetItem(snap, str_id, ref) < 0 ||
        PyDict_SetItem(snap, str_repr, PyTuple_GET_ITEM(parts, 1)) < 0 ||
        PyDict_SetItem(snap, str_len, py_n) < 0 ||
        PyDict_SetItem(snap, str_items, PyTuple_GET_ITEM(parts, 0)) < 0)
        goto done;
    if (PyDict_SetItem(st->fps, name, fp) < 0)
        goto done;
    if (old_snap != NULL) {
        int eq = PyObject_RichCompareBool(old_snap, snap, Py_EQ); /* two snapshots: data only */
        if (eq < 0)
            goto done;
        if (eq) {
            rc = 1;
            goto done;
        }
    }
    if (discard(st->atoms, name) < 0 || PyDict_SetItem(st->snaps, name, snap) < 0 ||
        discard(st->imms, name) < 0 || record(self, delta, name, snap, cost) < 0)
        goto done;
    rc = 1;
done:
    Py_XDECREF(old_snap);
    Py_XDECREF(parts);
    Py_XDECREF(items);
    Py_XDECREF(fp_items);
    Py_XDECREF(fp);
    Py_XDECREF(ref);
    Py_XDECREF(snap);
    Py_XDECREF(py_n);
    Py_XDECREF(addr);
    return rc;
}

/* One local of any other type (engine.py: the second branch of `diff`, then diff_name).
 * Returns 0 when done, -1 on error. */
static int
diff_other(CTracer *self, FrameState *st, PyObject *name, PyObject *v, PyObject **delta,
           long long *cost)
{
    PyObject *imm = PyDict_GetItemWithError(st->imms, name);
    if (imm == NULL && PyErr_Occurred())
        return -1;
    if (imm == v)
        return 0;
    int in = PySet_Contains(st->skipped, name);
    if (in)
        return in < 0 ? -1 : 0;
    PyObject *fp = PyDict_GetItemWithError(st->fps, name);
    if (fp == NULL && PyErr_Occurred())
        return -1;
    if (fp != NULL) {
        int r = same_flat(v, fp, self->n_max);
        if (r)
            return r < 0 ? -1 : 0;
        /* diff_name's `unchanged(v, old_fp)`: two emulated frames */
        EMULATE_FRAME(return -1);
        if (enter()) {
            Py_LeaveRecursiveCall();
            return -1;
        }
        Py_INCREF(fp);
        r = c_unchanged(v, fp, self->n_max);
        Py_DECREF(fp);
        Py_LeaveRecursiveCall();
        Py_LeaveRecursiveCall();
        if (r)
            return r < 0 ? -1 : 0;
    }
    /* diff_name, encode and _flat_container: three emulated frames */
    if (enter())
        return -1;
    if (enter()) {
        Py_LeaveRecursiveCall();
        return -1;
    }
    if (enter()) {
        Py_LeaveRecursiveCall();
        Py_LeaveRecursiveCall();
        return -1;
    }
    int done = diff_flat(self, st, name, v, delta, cost);
    Py_LeaveRecursiveCall();
    Py_LeaveRecursiveCall();
    Py_LeaveRecursiveCall();
    if (done)
        return done < 0 ? -1 : 0;
    PyObject *args[8] = {name, v, st->atoms, st->snaps, st->imms, st->skipped, st->fps,
                         st->module_like ? Py_True : Py_False};
    PyObject *snap = py_call(self->diff_name, args, 8);
    if (snap == NULL)
        return -1;
    int rc = snap != Py_None ? record(self, delta, name, snap, cost) : 0;
    Py_DECREF(snap);
    return rc;
}

/* The cost of what a Python rule recorded in `delta`, counted as `record` does. */
static int
count_delta(CTracer *self, PyObject *delta)
{
    Py_ssize_t pos = 0;
    PyObject *name, *snap;
    long long cost = 0;
    while (PyDict_Next(delta, &pos, &name, &snap)) {
        if (snap == Py_None || !PyDict_Check(snap))
            continue;
        PyObject *text = PyDict_GetItemWithError(snap, str_repr);
        if (text == NULL && PyErr_Occurred())
            return -1;
        cost += 24 + ((text != NULL && PyUnicode_Check(text)) ? PyUnicode_GET_LENGTH(text) : 0);
    }
    self->bytes += cost;
    return 0;
}

/* Locals that changed since the frame's last event; *out is a new dict or NULL (none).
 * engine.py's `diff` is the rule; this renders it for function frames, holding the unit
 * of the `diff` frame. */
static int
cdiff(CTracer *self, FrameState *st, PyObject *loc, PyObject **out)
{
    *out = NULL;
    PyObject *delta = NULL;
    long long cost = 0;
    Py_ssize_t pos = 0;
    PyObject *name, *v;
    int rc = 0;
    while (PyDict_Next(loc, &pos, &name, &v)) {
        Py_INCREF(name);
        Py_INCREF(v);
        PyTypeObject *t = Py_TYPE(v);
        if (!PyUnicode_CheckExact(name)) { /* only diff_name knows what to do */
            PyObject *args[8] = {name, v, st->atoms, st->snaps, st->imms, st->skipped, st->fps,
                                 Py_False};
            PyObject *snap = py_call(self->diff_name, args, 8);
            if (snap == NULL)
                rc = -1;
            else {
                if (snap != Py_None)
                    rc = record(self, &delta, name, snap, &cost);
                Py_DECREF(snap);
            }
        }
        else if (t == &PyLong_Type || t == &PyUnicode_Type || t == &PyBool_Type || v == Py_None) {
            PyObject *old = PyDict_GetItemWithError(st->atoms, name);
            if (old == NULL && PyErr_Occurred())
                rc = -1;
            else if (old != v) {
                int eq = 0;
                if (old != NULL && Py_TYPE(old) == t && v != Py_None)
                    eq = PyObject_RichCompareBool(old, v, Py_EQ); /* exact int/str/bool */
                if (eq < 0)
                    rc = -1;
                else if (!eq) {
                    Py_XINCREF(old);
                    EMULATE_FRAME(rc = -1)
                    else {
                        rc = diff_atom_changed(self, st, name, v, old, &delta, &cost);
                        Py_LeaveRecursiveCall();
                    }
                    Py_XDECREF(old);
                }
            }
        }
        else
            rc = diff_other(self, st, name, v, &delta, &cost);
        Py_DECREF(name);
        Py_DECREF(v);
        if (rc < 0) {
            Py_XDECREF(delta);
            return -1;
        }
    }
    if (PyDict_GET_SIZE(st->atoms) + PyDict_GET_SIZE(st->snaps) + PySet_GET_SIZE(st->skipped) >
        PyDict_GET_SIZE(loc)) {
        PyObject *args[7] = {loc, st->atoms, st->snaps, st->imms, st->skipped, st->fps,
                             delta != NULL ? delta : Py_None};
        PyObject *res = py_call(self->cleanup, args, 7);
        Py_XDECREF(delta);
        if (res == NULL)
            return -1;
        if (res == Py_None) {
            Py_DECREF(res);
            delta = NULL;
        }
        else
            delta = res;
    }
    self->bytes += cost;
    *out = delta;
    return 0;
}

/* engine.py's depth_of: 1 + the depth of the nearest traced frame below, stopping at
 * Recorder.run. */
static long long
depth_of(CTracer *self, PyFrameObject *frame, int *err)
{
    PyFrameObject *back = PyFrame_GetBack(frame);
    while (back != NULL) {
        PyCodeObject *code = PyFrame_GetCode(back);
        if ((PyObject *)code == self->run_code) {
            Py_DECREF(code);
            Py_DECREF(back);
            return 0;
        }
        int ours = is_ours(self, code);
        Py_DECREF(code);
        if (ours) {
            PyObject *tr = PyObject_GetAttr((PyObject *)back, str_f_trace);
            if (tr == NULL) {
                Py_DECREF(back);
                *err = 1;
                return 0;
            }
            if (tr != Py_None) {
                long long d = Py_TYPE(tr) == &FrameStateType ? ((FrameState *)tr)->depth + 1 : 0;
                Py_DECREF(tr);
                Py_DECREF(back);
                return d;
            }
            Py_DECREF(tr);
        }
        PyFrameObject *next = PyFrame_GetBack(back);
        Py_DECREF(back);
        back = next;
    }
    return 0;
}

static int
is_recursion_error(void)
{
    return PyErr_ExceptionMatches(PyExc_RecursionError);
}

/* The pending stdout, or None (new reference; NULL on error). */
static PyObject *
take_stdout(CTracer *self)
{
    if (PyList_GET_SIZE(self->pending) > 0)
        return py_call(self->take, NULL, 0);
    Py_RETURN_NONE;
}

/* Build and deliver one event tuple; steals nothing. */
static int
emit(CTracer *self, PyObject *kind, long long step, FrameState *st, PyFrameObject *frame,
     PyObject *delta, PyObject *value, int raised)
{
    PyObject *out = take_stdout(self);
    if (out == NULL)
        return -1;
    int lineno = PyFrame_GetLineNumber(frame);
    PyObject *event = PyTuple_New(10);
    if (event == NULL) {
        Py_DECREF(out);
        return -1;
    }
    PyObject *py_step = PyLong_FromLongLong(step);
    PyObject *py_fid = PyLong_FromLongLong(st->fid);
    PyObject *py_depth = PyLong_FromLongLong(st->depth);
    PyObject *py_line = lineno < 0 ? (Py_INCREF(Py_None), Py_None) : PyLong_FromLong(lineno);
    if (!py_step || !py_fid || !py_depth || !py_line) {
        Py_XDECREF(py_step);
        Py_XDECREF(py_fid);
        Py_XDECREF(py_depth);
        Py_XDECREF(py_line);
        Py_DECREF(out);
        Py_DECREF(event);
        return -1;
    }
    if (delta == NULL)
        delta = Py_None;
    if (value == NULL)
        value = Py_None;
    Py_INCREF(kind);
    Py_INCREF(st->func);
    Py_INCREF(delta);
    Py_INCREF(value);
    PyObject *flag = raised ? Py_True : Py_False;
    Py_INCREF(flag);
    PyTuple_SET_ITEM(event, 0, kind);
    PyTuple_SET_ITEM(event, 1, py_step);
    PyTuple_SET_ITEM(event, 2, py_fid);
    PyTuple_SET_ITEM(event, 3, py_depth);
    PyTuple_SET_ITEM(event, 4, py_line);
    PyTuple_SET_ITEM(event, 5, st->func);
    PyTuple_SET_ITEM(event, 6, delta);
    PyTuple_SET_ITEM(event, 7, value);
    PyTuple_SET_ITEM(event, 8, out);
    PyTuple_SET_ITEM(event, 9, flag);
    untrack_tree(event, 0);
    int rc;
    if (self->raw != NULL)
        rc = PyList_Append(self->raw, event);
    else {
        PyObject *res = py_call(self->sink, &event, 1);
        rc = res == NULL ? -1 : 0;
        Py_XDECREF(res);
    }
    Py_DECREF(event);
    return rc;
}

/* Diff the frame's locals under one more recursion unit (the Python engine's `diff`
 * frame). A RecursionError forgets what the frame's state was, so everything is recorded
 * again at the next event; *delta is NULL then. */
static int
frame_delta(CTracer *self, FrameState *st, PyObject *loc, PyObject **delta)
{
    *delta = NULL;
    if (!self->record_states)
        return 0;
    int rc;
    if (st->module_like || !PyDict_CheckExact(loc)) {
        /* module and class bodies: the Python rule, called as the Python engine calls it */
        PyObject *args[7] = {loc, st->atoms, st->snaps, st->imms, st->skipped, st->fps,
                             st->module_like ? Py_True : Py_False};
        PyObject *res = py_call(self->diff, args, 7);
        rc = res == NULL ? -1 : 0;
        if (res == Py_None)
            Py_DECREF(res);
        else if (res != NULL) {
            *delta = res;
            rc = count_delta(self, res);
        }
    }
    else if (enter()) {
        PyErr_Clear();
        return FrameState_clear_stores(st);
    }
    else {
        rc = cdiff(self, st, loc, delta);
        Py_LeaveRecursiveCall();
    }
    if (rc < 0) {
        Py_CLEAR(*delta);
        if (!is_recursion_error())
            return -1;
        PyErr_Clear();
        FrameState_clear_stores(st);
    }
    return 0;
}

/* engine.py's check_limits: raises _TraceCut (after on_cut records why) at a limit. */
static int
check_limits(CTracer *self, long long step)
{
    PyObject *reason = NULL;
    if (step >= self->max_steps)
        reason = str_steps;
    else if (self->bytes >= self->max_bytes)
        reason = str_bytes;
    else {
        PyObject *now = PyObject_CallNoArgs(self->perf_counter); /* a builtin: no frame */
        if (now == NULL)
            return -1;
        double t = PyFloat_AsDouble(now);
        Py_DECREF(now);
        if (t == -1.0 && PyErr_Occurred())
            return -1;
        if (t > self->deadline)
            reason = str_time;
    }
    if (reason == NULL)
        return 0;
    PyObject *limit = reason == str_steps   ? PyLong_FromLongLong(self->max_steps)
                      : reason == str_bytes ? PyLong_FromLongLong(self->max_bytes)
                                            : PyFloat_FromDouble(self->max_time);
    PyObject *py_step = PyLong_FromLongLong(step);
    PyObject *cut = NULL;
    if (limit != NULL && py_step != NULL) {
        PyObject *args[3] = {reason, limit, py_step};
        cut = py_call(self->cut_cls, args, 3);
    }
    Py_XDECREF(limit);
    Py_XDECREF(py_step);
    if (cut == NULL)
        return -1;
    int rc = PyList_Append(self->cuts, cut);
    Py_DECREF(cut);
    if (rc < 0)
        return -1;
    PyErr_SetNone(self->cut_exc);
    return -1;
}

/* What CPython's trampoline does when a Python trace function raises. */
static int
fail(PyFrameObject *frame)
{
    PyObject *type, *value, *tb;
    PyErr_Fetch(&type, &value, &tb);
    PyEval_SetTrace(NULL, NULL);
    if (PyObject_SetAttr((PyObject *)frame, str_f_trace, Py_None) < 0)
        PyErr_Clear();
    PyErr_Restore(type, value, tb);
    return -1;
}

static int
on_call(CTracer *self, PyFrameObject *frame, PyCodeObject *code, PyObject *loc)
{
    PyObject *existing = PyObject_GetAttr((PyObject *)frame, str_f_trace);
    if (existing == NULL)
        return -1;
    if (Py_TYPE(existing) == &FrameStateType) { /* a generator or coroutine resuming */
        FrameState *st = (FrameState *)existing;
        st->unwinding = 0;
        if (Py_EnterRecursiveCall(" while calling a Python object"))
            PyErr_Clear();
        else {
            int err = 0;
            long long d = depth_of(self, frame, &err);
            Py_LeaveRecursiveCall();
            if (err) {
                if (!is_recursion_error()) {
                    Py_DECREF(existing);
                    return -1;
                }
                PyErr_Clear();
            }
            else
                st->depth = d;
        }
        int rc = emit(self, str_resume, self->steps, st, frame, NULL, NULL, 0);
        Py_DECREF(existing);
        return rc;
    }
    Py_DECREF(existing);
    FrameState *st = FrameState_new();
    if (st == NULL)
        return -1;
    Py_INCREF(code->co_name);
    st->func = code->co_name;
    st->genlike = (code->co_flags & (CO_GENERATOR | CO_COROUTINE | CO_ASYNC_GENERATOR)) != 0;
    st->module_like = (code->co_flags & CO_NEWLOCALS) == 0;
    st->fid = ++self->frames;
    PyObject *delta = NULL;
    /* the Python engine's try: depth_of(frame); diff(...) / except RecursionError */
    if (Py_EnterRecursiveCall(" while calling a Python object")) {
        PyErr_Clear();
        FrameState_clear_stores(st);
    }
    else {
        int err = 0;
        st->depth = depth_of(self, frame, &err);
        Py_LeaveRecursiveCall();
        if (err) {
            if (!is_recursion_error()) {
                Py_DECREF(st);
                return -1;
            }
            PyErr_Clear();
            FrameState_clear_stores(st);
        }
        else if (frame_delta(self, st, loc, &delta) < 0) {
            Py_DECREF(st);
            return -1;
        }
    }
    self->bytes += 16;
    int rc = emit(self, str_call, self->steps, st, frame, delta, NULL, 0);
    Py_XDECREF(delta);
    if (rc == 0)
        rc = PyObject_SetAttr((PyObject *)frame, str_f_trace, (PyObject *)st);
    Py_DECREF(st);
    return rc;
}

static int
on_local(CTracer *self, PyFrameObject *frame, PyCodeObject *code, int what, PyObject *arg,
         PyObject *loc)
{
    PyObject *tr = PyObject_GetAttr((PyObject *)frame, str_f_trace);
    if (tr == NULL)
        return -1;
    if (Py_TYPE(tr) != &FrameStateType) {
        Py_DECREF(tr);
        return 0;
    }
    FrameState *st = (FrameState *)tr;
    PyObject *delta = NULL;
    int rc = frame_delta(self, st, loc, &delta);
    if (rc < 0)
        goto done;
    if (what == PyTrace_LINE) {
        st->unwinding = 0;
        long long step = self->next_step++;
        if (step >= self->max_steps || self->bytes >= self->max_bytes ||
            !(step & TIME_CHECK_MASK)) {
            if (Py_EnterRecursiveCall(" while calling a Python object"))
                PyErr_Clear();
            else {
                rc = check_limits(self, step);
                Py_LeaveRecursiveCall();
                if (rc < 0) {
                    if (!is_recursion_error())
                        goto done;
                    PyErr_Clear();
                    rc = 0;
                }
            }
        }
        self->steps = step + 1;
        rc = emit(self, str_line, step, st, frame, delta, NULL, 0);
        goto done;
    }
    PyObject *kind;
    PyObject *value = NULL;
    int raised = 0;
    if (what == PyTrace_RETURN) {
        /* engine.py: a return op is a return; a yield op (3.13+: the RESUME after one) in a
         * generator-like frame not unwinding is a yield; anything else is an exception
         * leaving the frame */
        int lasti = PyFrame_GetLasti(frame);
        int op = -1, prev = -1;
        if (lasti >= 0) {
            PyObject *co_code = PyCode_GetCode(code);
            if (co_code == NULL) {
                rc = -1;
                goto done;
            }
            if (lasti < PyBytes_GET_SIZE(co_code))
                op = (unsigned char)PyBytes_AS_STRING(co_code)[lasti];
            if (lasti >= 2 && lasti - 2 < PyBytes_GET_SIZE(co_code))
                prev = (unsigned char)PyBytes_AS_STRING(co_code)[lasti - 2];
            Py_DECREF(co_code);
        }
        PyObject *retval = arg != NULL ? arg : Py_None;
        if (op >= 0 && memchr(self->return_ops, op, self->n_return_ops) != NULL) {
            kind = str_return;
            value = py_call(self->encode, &retval, 1);
        }
        else if (st->genlike && !st->unwinding &&
                 (op == self->yield_op ||
                  (self->resume_op >= 0 && op == self->resume_op && prev == self->yield_op))) {
            kind = str_yield;
            value = py_call(self->encode, &retval, 1);
        }
        else {
            kind = str_return;
            raised = 1;
            value = Py_None;
            Py_INCREF(value);
        }
        if (value == NULL) {
            if (!is_recursion_error()) {
                rc = -1;
                goto done;
            }
            PyErr_Clear();
            kind = str_return;
        }
    }
    else if (what == PyTrace_EXCEPTION) {
        st->unwinding = 1;
        kind = str_exception;
        PyObject *exc_arg = arg != NULL ? arg : Py_None;
        value = py_call(self->exception_value, &exc_arg, 1);
        if (value == NULL) {
            if (!is_recursion_error()) {
                rc = -1;
                goto done;
            }
            PyErr_Clear();
        }
    }
    else
        goto done; /* opcode events are never enabled */
    self->bytes += 16;
    rc = emit(self, kind, self->steps, st, frame, delta, value, raised);
    Py_XDECREF(value);
done:
    Py_XDECREF(delta);
    Py_DECREF(tr);
    return rc;
}

static int
ctrace(PyObject *obj, PyFrameObject *frame, int what, PyObject *arg)
{
    CTracer *self = (CTracer *)obj;
    if (what > PyTrace_RETURN || what == PyTrace_C_CALL)
        return 0;
    PyCodeObject *code = PyFrame_GetCode(frame);
    if (!is_ours(self, code)) {
        Py_DECREF(code);
        return 0;
    }
    /* The units CPython's trampoline takes to call a Python trace function: one to enter
     * the evaluation loop from C, one for the function's frame. */
    if (Py_EnterRecursiveCall(" while calling a Python object")) {
        Py_DECREF(code);
        return fail(frame);
    }
    if (Py_EnterRecursiveCall(" while calling a Python object")) {
        Py_LeaveRecursiveCall();
        Py_DECREF(code);
        return fail(frame);
    }
    /* As CPython does before calling a Python trace function: sync f_locals. */
    PyObject *loc = PyFrame_GetLocals(frame);
    int rc;
    if (loc == NULL)
        rc = -1;
    else if (what == PyTrace_CALL)
        rc = on_call(self, frame, code, loc);
    else
        rc = on_local(self, frame, code, what, arg, loc);
    Py_XDECREF(loc);
    Py_LeaveRecursiveCall();
    Py_LeaveRecursiveCall();
    Py_DECREF(code);
    if (rc < 0)
        return fail(frame);
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
    return flat_parts(value, ints, strs, short_str, cache_items);
}

static PyMethodDef module_methods[] = {
    {"flat", ctracer_flat, METH_VARARGS,
     "flat(value, ints, strs, short_str, cache_items) -> (items, text) or None"},
    {NULL},
};

/* ---- Python-visible methods ------------------------------------------------------------ */

static PyObject *
CTracer_start(CTracer *self, PyObject *Py_UNUSED(ignored))
{
    PyEval_SetTrace(ctrace, (PyObject *)self);
    Py_RETURN_NONE;
}

/* Called as a Python trace function (threading.settrace, or sys.settrace(old) restoring
 * this tracer): install the C function for this thread and handle the event with it. */
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
    PyEval_SetTrace(ctrace, (PyObject *)self);
    if (ctrace((PyObject *)self, (PyFrameObject *)frame, what, arg) < 0)
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

static PyGetSetDef CTracer_getset[] = {
    {"steps", (getter)CTracer_get_steps, NULL, "Line events recorded so far.", NULL},
    {"bytes", (getter)CTracer_get_bytes, NULL, "Approximate size recorded so far.", NULL},
    {"frames", (getter)CTracer_get_frames, NULL, "Frames seen so far.", NULL},
    {"deadline", (getter)CTracer_get_deadline, (setter)CTracer_set_deadline,
     "time.perf_counter() value after which tracing stops.", NULL},
    {NULL},
};

static PyMethodDef CTracer_methods[] = {
    {"start", (PyCFunction)CTracer_start, METH_NOARGS,
     "Install this tracer as the current thread's trace function."},
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
    PyObject *m = PyModule_Create(&ctracer_module);
    if (m == NULL)
        return NULL;
    Py_INCREF(&CTracerType);
    if (PyModule_AddObject(m, "CTracer", (PyObject *)&CTracerType) < 0) {
        Py_DECREF(&CTracerType);
        Py_DECREF(m);
        return NULL;
    }
    return m;
}
