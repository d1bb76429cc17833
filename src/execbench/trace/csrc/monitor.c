/* The trace function fed by sys.monitoring (PEP 669, 3.12+) instead of sys.settrace.
 *
 * CPython's own settrace is built this way from 3.12 (Python/legacy_tracing.c): each
 * monitoring event is turned into the settrace event it stands for, so a trace made here
 * has exactly the events a settrace tracer gets, without the layer's cost (it calls the
 * trace function through a Python-level trampoline that builds a frame object per event).
 * The mapping, as CPython's layer does it:
 *
 *   PY_START, PY_RESUME, PY_THROW      -> call (PY_START: always a new frame)
 *   PY_RETURN, PY_YIELD                -> return (with the value)
 *   PY_UNWIND                          -> return (no value: the frame is unwinding)
 *   RAISE, STOP_ITERATION              -> exception ((type, value, traceback))
 *   LINE                               -> line
 *   JUMP backwards within one line     -> line (settrace reports every backward edge)
 *
 * Events of code that is not the traced source's are switched off where they are
 * first seen (DISABLE), for the events that can be; the others return at once.
 */
#include "ctracer.h"

static PyObject *DISABLE; /* sys.monitoring.DISABLE */

#if PY_VERSION_HEX >= 0x030C0000
/* sys.monitoring (new reference), or NULL with an error (watch.c's too) */
PyObject *
ct_monitoring_module(void)
{
    PyObject *sys = PyImport_ImportModule("sys");
    if (sys == NULL)
        return NULL;
    PyObject *mon = PyObject_GetAttrString(sys, "monitoring");
    Py_DECREF(sys);
    return mon;
}
#endif

int
ct_monitor_init(void)
{
#if PY_VERSION_HEX >= 0x030C0000
    PyObject *mon = ct_monitoring_module();
    if (mon == NULL)
        return -1;
    DISABLE = PyObject_GetAttrString(mon, "DISABLE");
    Py_DECREF(mon);
    return DISABLE == NULL ? -1 : 0;
#else
    return 0;
#endif
}

static inline int
code_is_ours(CTracer *self, PyObject *code)
{
    return PyCode_Check(code) && ct_is_ours(self, (PyCodeObject *)code);
}

/* Hand one event to the trace function; `disable` is what to answer for other code. */
static PyObject *
deliver(CTracer *self, PyObject *code, int what, PyObject *arg, int disable)
{
    if (self->stopped || !code_is_ours(self, code)) {
        if (disable && !self->stopped)
            return Py_NewRef(DISABLE);
        Py_RETURN_NONE;
    }
    PyFrameObject *frame = PyEval_GetFrame(); /* borrowed: the monitored frame */
    if (frame == NULL) {
        PyErr_SetString(PyExc_SystemError, "execbench: no frame for a monitoring event");
        return NULL;
    }
    if (ct_trace((PyObject *)self, frame, what, arg) < 0)
        return NULL;
    Py_RETURN_NONE;
}

PyObject *
ct_mon_start(PyObject *self, PyObject *const *args, Py_ssize_t n)
{
    CTracer *tracer = (CTracer *)self;
    tracer->fresh_call = 1;
    PyObject *res = deliver(tracer, args[0], PyTrace_CALL, Py_None, 1);
    tracer->fresh_call = 0;
    return res;
}

PyObject *
ct_mon_resume(PyObject *self, PyObject *const *args, Py_ssize_t n)
{
    return deliver((CTracer *)self, args[0], PyTrace_CALL, Py_None, 1);
}

PyObject *
ct_mon_throw(PyObject *self, PyObject *const *args, Py_ssize_t n)
{
    return deliver((CTracer *)self, args[0], PyTrace_CALL, Py_None, 0);
}

PyObject *
ct_mon_return(PyObject *self, PyObject *const *args, Py_ssize_t n)
{
    return deliver((CTracer *)self, args[0], PyTrace_RETURN, args[2], 1);
}

PyObject *
ct_mon_unwind(PyObject *self, PyObject *const *args, Py_ssize_t n)
{
    return deliver((CTracer *)self, args[0], PyTrace_RETURN, NULL, 0);
}

PyObject *
ct_mon_raise(PyObject *self, PyObject *const *args, Py_ssize_t n)
{
    CTracer *tracer = (CTracer *)self;
    if (tracer->stopped || !code_is_ours(tracer, args[0]))
        Py_RETURN_NONE;
    PyObject *exc = args[2];
    PyObject *tb = PyException_GetTraceback(exc);
    PyObject *info = PyTuple_Pack(3, (PyObject *)Py_TYPE(exc), exc, tb != NULL ? tb : Py_None);
    Py_XDECREF(tb);
    if (info == NULL)
        return NULL;
    PyObject *res = deliver(tracer, args[0], PyTrace_EXCEPTION, info, 0);
    Py_DECREF(info);
    return res;
}

static PyObject *
line_event(CTracer *self, PyObject *code, int line)
{
    self->line_override = line;
    PyObject *res = deliver(self, code, PyTrace_LINE, Py_None, 1);
    self->line_override = -1;
    return res;
}

PyObject *
ct_mon_line(PyObject *self, PyObject *const *args, Py_ssize_t n)
{
    int line = (int)PyLong_AsLong(args[1]);
    if (line == -1 && PyErr_Occurred())
        return NULL;
    if (line < 0)
        Py_RETURN_NONE;
    return line_event((CTracer *)self, args[0], line);
}

PyObject *
ct_mon_jump(PyObject *self, PyObject *const *args, Py_ssize_t n)
{
    CTracer *tracer = (CTracer *)self;
    if (!code_is_ours(tracer, args[0]))
        return Py_NewRef(DISABLE);
    int from = (int)PyLong_AsLong(args[1]);
    int to = (int)PyLong_AsLong(args[2]);
    if ((from == -1 || to == -1) && PyErr_Occurred())
        return NULL;
    if (to > from) /* forward: never a line event of its own */
        return Py_NewRef(DISABLE);
    PyCodeObject *code = (PyCodeObject *)args[0];
    int to_line = PyCode_Addr2Line(code, to);
    if (to_line != PyCode_Addr2Line(code, from)) /* the LINE event at the target reports it */
        return Py_NewRef(DISABLE);
    if (to_line < 0)
        Py_RETURN_NONE;
    return line_event(tracer, args[0], to_line);
}
