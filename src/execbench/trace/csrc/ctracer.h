/* execbench's C tracer: the settrace hot path without a Python frame per event.
 *
 * It records exactly what the Python engine records, event for event: the rules live in
 * ../diffing.py and ../engine.py, and this extension renders their common cases in C.
 *
 *   module.c  the FrameState and CTracer types, their Python surface, the module
 *   events.c  the trace function: one event of a traced frame in, one event tuple out
 *   diff.c    which locals changed (diffing.py's rule), and the recursion-unit accounting
 *   fingerprint.c  "is this container unchanged?" by identity, in place
 *   monitor.c the same trace function fed by sys.monitoring callbacks (3.12+)
 *   watch.c   the sys.monitoring tool id those come from, its events switched on and off
 *   flat.c    snapshots of flat containers, shared with the Python encoder's fast path
 *   locals.c  a frame's locals as a dict (3.13+: read from its fast locals, not the proxy)
 *
 * - every event of a frame of the traced source (co_filename equal to the recorder's) is
 *   handled here; frames of other code cost one string compare per event;
 * - locals are diffed here when the rule is simple (an int/str/bool/None, a container whose
 *   fingerprint still matches, a flat list or dict); every other case calls the Python
 *   rule `diff_name`, and module-like frames (module and class bodies, whose namespace the
 *   program can fill with anything) use the Python `diff` whole;
 * - snapshots other than flat containers are made by the Python encoder (the part that
 *   must never run program code is written once);
 * - the per-frame state lives in `frame.f_trace` as a FrameState, as the Python engine keeps
 *   its closure there, so it dies with the frame and a resumed generator finds its own.
 *
 * Failure: like CPython's own trampoline for Python trace functions, an error raised by the
 * tracer (the limit stop `_TraceCut` among them) switches tracing off for the thread and
 * propagates into the program.
 */
#ifndef EXECBENCH_CTRACER_H
#define EXECBENCH_CTRACER_H

#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <frameobject.h>

#if PY_VERSION_HEX < 0x030B0000
#error "execbench's C tracer needs CPython 3.11 or newer"
#endif

/* What the tracer knows about one traced frame (kept in frame.f_trace). */
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

extern PyTypeObject FrameStateType;
FrameState *FrameState_new(void);
int FrameState_clear_stores(FrameState *st);

/* One tracing session (a Recorder's), with the Python helpers it calls. What is the same
 * for every session comes in one tuple made once (`shared`, engine.py's _CT_SHARED), whose
 * items the fields marked "shared" borrow; the encoder's methods and the exception helper
 * are looked up or made when first needed (most small traces need few of them). */
typedef struct {
    PyObject_HEAD
    PyObject *filename;
    PyObject *raw;            /* list the events are appended to, or NULL */
    PyObject *sink;           /* callable taking an event, used when raw is NULL */
    PyObject *pending;        /* the stdout capture's pending list */
    PyObject *encoder;        /* the trace's snapshot.Encoder */
    PyObject *counts;         /* the recorder's [steps, bytes, frames] (the Python rules') */
    PyObject *atom;           /* encoder._atom: (value, type) -> snapshot, or NULL (not yet) */
    PyObject *encode;         /* encoder.encode: (value) -> snapshot, or NULL (not yet) */
    PyObject *ref;            /* encoder.ref: (value) -> identity number, or NULL (not yet) */
    PyObject *diff_name;      /* the full per-name rule (diffing.py), or NULL (not made yet) */
    PyObject *diff;           /* the full per-frame rule, for module-like frames */
    PyObject *cleanup;        /* names gone from the locals -> delta */
    PyObject *exception_value;/* (exc_info tuple) -> {"type", "message"}, or NULL (not yet) */
    PyObject *cuts;           /* list the Cut is appended to */
    PyObject *int_snaps;      /* encoder caches */
    PyObject *str_snaps;
    PyObject *shared;         /* the tuple the fields below are borrowed from */
    PyObject *make_rules;     /* shared: (encoder, counts) -> (diff, diff_name, cleanup) */
    PyObject *exception_helper; /* shared: (encoder) -> the exception_value callable */
    PyObject *cut_cls;        /* shared: the Cut class */
    PyObject *cut_exc;        /* shared: the _TraceCut class */
    PyObject *perf_counter;   /* shared: time.perf_counter */
    PyObject *true_snap, *false_snap, *none_snap; /* shared */
    PyObject *run_code;       /* shared: Recorder.run's code: the depth walk stops there */
    PyObject *watched;        /* monitoring: the code objects watch switched on, or NULL */
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
    int monitoring;           /* events come from sys.monitoring callbacks (monitor.c) */
    int stopped;              /* a monitoring run hit an error: ignore every later event */
    int line_override;        /* the line of the line event being handled, or -1 */
    int fresh_call;           /* the call being handled is a frame's first event (PY_START) */
    PyObject *states;         /* monitoring: frame address -> FrameState (see events.c) */
    void *last_frame;         /* monitoring: states[last_frame] is last_state (borrowed), */
    PyObject *last_state;     /*   or last_state is NULL (see events.c: get_state) */
    PyObject *profile;        /* NULL, or where the time goes is added up (see below) */
    PyObject *last_kind;      /* profiling: the kind of the event last emitted (borrowed) */
    PyObject *ids;            /* the encoder's id -> number table (its `ref`, rendered in C) */
    long long states_ns;      /* profiling: time in the locals diff of the current event */
} CTracer;

/* ---- where the time goes (bench/trace_overhead.py) -----------------------------------------
 *
 * With `tracer.profile = {}` every event handled adds (count, ns) under ("event", kind) and
 * its locals diff under ("states", kind); every local diffed adds (count, ns) under
 * ("local", type name) and every snapshot made (a changed local, a return value) one under
 * ("snapshot", type name): {(group, name): (count, ns, interrupted)}. Off (the default) it
 * costs a test per event. Times include the clock readings' own cost. */
#include <time.h>

/* A monotonic clock read through the vDSO (tens of ns; the thread CPU clock costs a system
 * call, more than most events). On a shared machine an interval that the scheduler
 * interrupts is off by milliseconds: such intervals (over PROFILE_CAP_NS) are counted as
 * interrupted, not added. */
#define PROFILE_CAP_NS 200000LL

static inline long long
ct_now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

int ct_profile_add(CTracer *self, const char *group, const char *name, long long ns);

#define TIME_CHECK_MASK 255

/* Interned strings, made at module init. */
extern PyObject *str__atom, *str_encode, *str_ref, *str_line, *str_call, *str_return, *str_exception, *str_yield, *str_resume, *str_f_trace, *str_repr, *str_steps, *str_bytes, *str_time, *str_type, *str_int, *str_str, *str_sep, *str_list, *str_dict, *str_id, *str_len, *str_items, *str_empty, *str__ids, *str__next_ref;

/* events.c */
int ct_trace(PyObject *obj, PyFrameObject *frame, int what, PyObject *arg);
int ct_fresh_states(CTracer *self); /* monitoring: no frame states (made when first needed) */

/* module.c */
PyObject *ct_encoder_attr(CTracer *self, PyObject **slot, PyObject *name);

/* monitor.c: sys.monitoring callbacks, CTracer methods (METH_FASTCALL) */
int ct_monitor_init(void);
#if PY_VERSION_HEX >= 0x030C0000
PyObject *ct_monitoring_module(void);
#endif
/* watch.c: the held tool id, switching the events on and off */
int ct_watch_init(void);
PyObject *ct_watch(PyObject *self, PyObject *const *args, Py_ssize_t n);
PyObject *ct_unwatch(PyObject *self, PyObject *const *args, Py_ssize_t n);
PyObject *ct_hold(PyObject *module, PyObject *const *args, Py_ssize_t n);
PyObject *ct_release(PyObject *module, PyObject *const *args, Py_ssize_t n);
PyObject *ct_mon_start(PyObject *self, PyObject *const *args, Py_ssize_t n);
PyObject *ct_mon_resume(PyObject *self, PyObject *const *args, Py_ssize_t n);
PyObject *ct_mon_throw(PyObject *self, PyObject *const *args, Py_ssize_t n);
PyObject *ct_mon_return(PyObject *self, PyObject *const *args, Py_ssize_t n);
PyObject *ct_mon_raise(PyObject *self, PyObject *const *args, Py_ssize_t n);
PyObject *ct_mon_unwind(PyObject *self, PyObject *const *args, Py_ssize_t n);
PyObject *ct_mon_line(PyObject *self, PyObject *const *args, Py_ssize_t n);
PyObject *ct_mon_jump(PyObject *self, PyObject *const *args, Py_ssize_t n);

/* locals.c: the locals one event diffs. A dict (the frame's own on 3.11-3.12, CPython's
 * snapshot of the proxy on 3.13+), or on 3.13+ for a function frame its bound fast locals
 * read into two arrays (names borrowed from the code, values owned), listed in the order
 * the dict would list them; the dict is then made only when a Python rule needs one. */
#define CT_FAST_MAX 64 /* more fast locals than this: the dict path */
typedef struct {
    PyObject *dict; /* owned, or NULL (fast: not made yet) */
    int fast;
    Py_ssize_t n; /* fast: bound locals */
    PyObject *names[CT_FAST_MAX];
    PyObject *values[CT_FAST_MAX];
} CtLocals;
int ct_locals_read(CtLocals *l, PyFrameObject *frame, PyCodeObject *code); /* 0, or -1 */
PyObject *ct_locals_dict(CtLocals *l); /* borrowed; made on first use; NULL on error */
void ct_locals_release(CtLocals *l);

/* Walk the locals: 1 with borrowed name and value (*pos starts at 0), 0 at the end. */
static inline int
ct_locals_next(CtLocals *l, Py_ssize_t *pos, PyObject **name, PyObject **value)
{
    if (!l->fast)
        return PyDict_Next(l->dict, pos, name, value);
    if (*pos >= l->n)
        return 0;
    *name = l->names[*pos];
    *value = l->values[*pos];
    ++*pos;
    return 1;
}

/* How many locals (bound names) there are. */
static inline Py_ssize_t
ct_locals_size(CtLocals *l)
{
    return l->fast ? l->n : PyDict_GET_SIZE(l->dict);
}
/* locals.c: frame.f_trace (new reference) */
PyObject *ct_frame_trace(PyFrameObject *frame);

/* diff.c */
int ct_frame_delta(CTracer *self, FrameState *st, CtLocals *loc, PyObject **delta);
PyObject *ct_py_call(PyObject *callable, PyObject *const *args, size_t nargs);
PyObject *ct_encode(CTracer *self, PyObject *v);

/* fingerprint.c */
int ct_unchanged(PyObject *v, PyObject *fp, Py_ssize_t n_max);
int ct_same_flat(PyObject *v, PyObject *fp, Py_ssize_t n_max);

/* flat.c */
PyObject *ct_atom_snapshot(PyObject *item, PyObject *cache, PyObject *type_name,
                           Py_ssize_t cache_items);
PyObject *ct_flat_parts(PyObject *value, PyObject *ints, PyObject *strs, Py_ssize_t short_str,
                        Py_ssize_t cache_items);
void ct_untrack_tree(PyObject *o, int depth);

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

/* Hold n units at once (the frames of a Python helper chain done here instead): 0, or -1
 * with RecursionError and none held. */
static inline int
enter_n(int n)
{
    for (int i = 0; i < n; i++)
        if (enter()) {
            while (i-- > 0)
                Py_LeaveRecursiveCall();
            return -1;
        }
    return 0;
}

static inline void
leave_n(int n)
{
    while (n-- > 0)
        Py_LeaveRecursiveCall();
}

/* Whether `code` comes from the traced source (its unique co_filename). */
static inline int
ct_is_ours(CTracer *self, PyCodeObject *code)
{
    PyObject *fn = code->co_filename;
    if (fn == self->filename)
        return 1;
    if (PyUnicode_GET_LENGTH(fn) != PyUnicode_GET_LENGTH(self->filename))
        return 0;
    return PyUnicode_Compare(fn, self->filename) == 0;
}

static inline int
is_recursion_error(void)
{
    return PyErr_ExceptionMatches(PyExc_RecursionError);
}

#endif
