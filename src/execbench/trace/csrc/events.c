/* The trace function: a traced frame's event in, an event tuple (types.RawEvent) out,
 * as engine.py's trace functions make them. */
#include "ctracer.h"

/* Where a frame's FrameState is kept. Under settrace: in frame.f_trace, as the Python
 * engine keeps its closure there (it dies with the frame). Under sys.monitoring a host's
 * settrace tracer may run beside us and owns f_trace, so the states are kept in a dict by
 * frame address, dropped when the frame returns or unwinds; a frame's first event
 * (PY_START) always starts a fresh state, so a reused address cannot inherit one. The
 * entry last looked up or stored is also kept aside (`last_frame`, `last_state`: most
 * events are the same frame's as the one before), dropped whenever the dict changes, so
 * it always answers what the dict would.
 * Both return new references (Py_None when there is none). */
static PyObject *
get_state(CTracer *self, PyFrameObject *frame)
{
    if (!self->monitoring)
        return ct_frame_trace(frame);
    if (self->last_state != NULL && self->last_frame == (void *)frame)
        return Py_NewRef(self->last_state);
    PyObject *key = PyLong_FromVoidPtr(frame);
    if (key == NULL)
        return NULL;
    PyObject *st = PyDict_GetItemWithError(self->states, key);
    Py_DECREF(key);
    if (st == NULL)
        return PyErr_Occurred() ? NULL : Py_NewRef(Py_None);
    self->last_frame = frame;
    self->last_state = st;
    return Py_NewRef(st);
}

static int
set_state(CTracer *self, PyFrameObject *frame, PyObject *st)
{
    if (!self->monitoring)
        return PyObject_SetAttr((PyObject *)frame, str_f_trace, st);
    self->last_frame = NULL;
    self->last_state = NULL;
    PyObject *key = PyLong_FromVoidPtr(frame);
    if (key == NULL)
        return -1;
    int rc = st == Py_None ? PyDict_DelItem(self->states, key) : PyDict_SetItem(self->states, key, st);
    if (rc < 0 && st == Py_None && PyErr_ExceptionMatches(PyExc_KeyError)) {
        PyErr_Clear();
        rc = 0;
    }
    Py_DECREF(key);
    if (rc == 0 && st != Py_None) {
        self->last_frame = frame;
        self->last_state = st;
    }
    return rc;
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
        int ours = ct_is_ours(self, code);
        Py_DECREF(code);
        if (ours) {
            PyObject *tr = get_state(self, back);
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

/* The pending stdout, or None (new reference; NULL on error). */
static PyObject *
take_stdout(CTracer *self)
{
    if (PyList_GET_SIZE(self->pending) == 0)
        Py_RETURN_NONE;
    /* StdoutCapture.take (stdout.py): "".join(pending), then pending.clear() (its items are strs) */
    PyObject *text = PyUnicode_Join(str_empty, self->pending);
    if (text != NULL && PyList_SetSlice(self->pending, 0, PY_SSIZE_T_MAX, NULL) < 0)
        Py_CLEAR(text);
    return text;
}

/* Build and deliver one event tuple; steals nothing. */
static int
emit(CTracer *self, PyObject *kind, long long step, FrameState *st, PyFrameObject *frame,
     PyObject *delta, PyObject *value, int raised)
{
    PyObject *out = take_stdout(self);
    if (out == NULL)
        return -1;
    int lineno = self->line_override >= 0 ? self->line_override : PyFrame_GetLineNumber(frame);
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
    self->last_kind = kind;
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
    /* of the event's items only the delta and the value can be containers */
    PyObject_GC_UnTrack(event);
    ct_untrack_tree(delta, 1);
    ct_untrack_tree(value, 1);
    int rc;
    if (self->raw != NULL)
        rc = PyList_Append(self->raw, event);
    else {
        PyObject *res = ct_py_call(self->sink, &event, 1);
        rc = res == NULL ? -1 : 0;
        Py_XDECREF(res);
    }
    Py_DECREF(event);
    return rc;
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
        cut = ct_py_call(self->cut_cls, args, 3);
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

/* The exception event's value: the recorder's exception_value callable, made by the shared
 * helper from the encoder when a trace first needs it (as a Python caller calls it, so the
 * frames a RecursionError can hit are the ones the Python engine's call goes through). */
static PyObject *
exception_value(CTracer *self, PyObject *exc_arg)
{
    if (self->exception_value == NULL) {
        self->exception_value = ct_py_call(self->exception_helper, &self->encoder, 1);
        if (self->exception_value == NULL)
            return NULL;
    }
    return ct_py_call(self->exception_value, &exc_arg, 1);
}

int
ct_fresh_states(CTracer *self)
{
    self->last_frame = NULL;
    self->last_state = NULL;
    if (self->states == NULL)
        return (self->states = PyDict_New()) == NULL ? -1 : 0;
    PyDict_Clear(self->states);
    return 0;
}

/* What CPython's trampoline does when a Python trace function raises. */
static int
fail(CTracer *self, PyFrameObject *frame)
{
    PyObject *type, *value, *tb;
    PyErr_Fetch(&type, &value, &tb);
    if (self->monitoring)
        self->stopped = 1; /* engine.py stops the tool; no event is handled until then */
    else
        PyEval_SetTrace(NULL, NULL);
    if (set_state(self, frame, Py_None) < 0)
        PyErr_Clear();
    PyErr_Restore(type, value, tb);
    return -1;
}

/* ct_encode, its time added up under ("snapshot", type) when profiling */
static PyObject *
encode_timed(CTracer *self, PyObject *v)
{
    if (self->profile == NULL)
        return ct_encode(self, v);
    long long t0 = ct_now_ns();
    PyObject *res = ct_encode(self, v);
    if (res != NULL && ct_profile_add(self, "snapshot", Py_TYPE(v)->tp_name, ct_now_ns() - t0) < 0)
        Py_CLEAR(res);
    return res;
}

static int
on_call(CTracer *self, PyFrameObject *frame, PyCodeObject *code, CtLocals *loc)
{
    PyObject *existing = self->fresh_call ? Py_NewRef(Py_None) : get_state(self, frame);
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
        else if (ct_frame_delta(self, st, loc, &delta) < 0) {
            Py_DECREF(st);
            return -1;
        }
    }
    self->bytes += 16;
    int rc = emit(self, str_call, self->steps, st, frame, delta, NULL, 0);
    Py_XDECREF(delta);
    if (rc == 0)
        rc = set_state(self, frame, (PyObject *)st);
    Py_DECREF(st);
    return rc;
}

static int
on_local(CTracer *self, PyFrameObject *frame, PyCodeObject *code, int what, PyObject *arg,
         CtLocals *loc)
{
    PyObject *tr = get_state(self, frame);
    if (tr == NULL)
        return -1;
    if (Py_TYPE(tr) != &FrameStateType) {
        Py_DECREF(tr);
        return 0;
    }
    FrameState *st = (FrameState *)tr;
    PyObject *delta = NULL;
    int rc = ct_frame_delta(self, st, loc, &delta);
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
            value = encode_timed(self, retval);
        }
        else if (st->genlike && !st->unwinding &&
                 (op == self->yield_op ||
                  (self->resume_op >= 0 && op == self->resume_op && prev == self->yield_op))) {
            kind = str_yield;
            value = encode_timed(self, retval);
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
        value = exception_value(self, exc_arg);
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
    if (rc == 0 && self->monitoring && what == PyTrace_RETURN && kind != str_yield)
        rc = set_state(self, frame, Py_None); /* the frame is done */
done:
    Py_XDECREF(delta);
    Py_DECREF(tr);
    return rc;
}

int
ct_trace(PyObject *obj, PyFrameObject *frame, int what, PyObject *arg)
{
    CTracer *self = (CTracer *)obj;
    if (what > PyTrace_RETURN || what == PyTrace_C_CALL || self->stopped)
        return 0;
    PyCodeObject *code = PyFrame_GetCode(frame);
    if (!ct_is_ours(self, code)) {
        Py_DECREF(code);
        return 0;
    }
    /* The units CPython's trampoline takes to call a Python trace function: one to enter
     * the evaluation loop from C, one for the function's frame. */
    if (Py_EnterRecursiveCall(" while calling a Python object")) {
        Py_DECREF(code);
        return fail(self, frame);
    }
    if (Py_EnterRecursiveCall(" while calling a Python object")) {
        Py_LeaveRecursiveCall();
        Py_DECREF(code);
        return fail(self, frame);
    }
    /* As CPython does before calling a Python trace function: sync f_locals (locals.c). */
    CtLocals loc;
    int rc;
    long long t0 = self->profile != NULL ? ct_now_ns() : 0;
    self->last_kind = NULL;
    self->states_ns = 0;
    if (ct_locals_read(&loc, frame, code) < 0)
        rc = -1;
    else {
        rc = what == PyTrace_CALL ? on_call(self, frame, code, &loc)
                                  : on_local(self, frame, code, what, arg, &loc);
        ct_locals_release(&loc);
    }
    if (rc == 0 && self->profile != NULL && self->last_kind != NULL) {
        const char *kind = PyUnicode_AsUTF8(self->last_kind);
        if (kind == NULL || ct_profile_add(self, "event", kind, ct_now_ns() - t0) < 0 ||
            ct_profile_add(self, "states", kind, self->states_ns) < 0)
            rc = -1;
    }
    Py_LeaveRecursiveCall();
    Py_LeaveRecursiveCall();
    Py_DECREF(code);
    if (rc < 0)
        return fail(self, frame);
    return 0;
}
