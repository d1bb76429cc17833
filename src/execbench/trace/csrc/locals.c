/* A traced frame's locals as the dict the diff reads (diff.c), made as cheaply as each
 * interpreter allows, with exactly the names, values and order the Python engine sees in
 * `frame.f_locals` (pybehavior.py: settrace_locals_synced).
 *
 * 3.11-3.12: PyFrame_GetLocals syncs the frame's own f_locals dict from its fast locals
 * and returns it. That dict lives as long as the frame, and its order is the order names
 * were first bound (a name deleted and bound again moves to the end), which the record's
 * deltas keep: it is used as is.
 *
 * 3.13+ (PEP 667): f_locals is a FrameLocalsProxy, and CPython's dict of it
 * (PyEval_GetFrameLocals) lists the proxy's keys and then looks each one up by a scan of
 * the code's names: ~0.8 us per event on the CRUXEval calls, more than the rest of the
 * event. The proxy's keys are the bound fast locals in `co_localsplusnames` order (cells
 * and free variables read through their cell), then the names a debugger added through
 * the proxy (`f_extra_locals`), so for an optimized frame with no such names the same
 * dict is built here straight from the frame's fast locals (CPython's internal frame
 * layout, from the headers installed with the interpreter the extension is built for).
 * Anything else (module and class bodies, whose f_locals is a real dict; extra names)
 * takes CPython's own path.
 *
 * Also here, for the same headers: a frame's f_trace read without an attribute lookup. */
#define Py_BUILD_CORE 1
#include "ctracer.h"
/* the frame layouts read here are those of 3.11-3.13; a later CPython takes the public paths */
#define FRAME_LAYOUT_KNOWN (PY_VERSION_HEX < 0x030E0000)
#if FRAME_LAYOUT_KNOWN
#include "internal/pycore_frame.h"
#endif

#if PY_VERSION_HEX >= 0x030D0000 && FRAME_LAYOUT_KNOWN
/* The proxy's value of fast local i (borrowed), or NULL when unbound: frameobject.c's
 * framelocalsproxy_getval. A cell or free variable's slot holds its cell (made before
 * the frame's first event: MAKE_CELL and COPY_FREE_VARS precede RESUME), except where an
 * inlined comprehension (PEP 709) binds a plain value in a cell variable's slot. */
static inline PyObject *
fast_value(_PyInterpreterFrame *f, PyCodeObject *co, int i)
{
    PyObject *v = f->localsplus[i];
    if (v == NULL)
        return NULL;
    unsigned char kind = (unsigned char)PyBytes_AS_STRING(co->co_localspluskinds)[i];
    if ((kind == CO_FAST_FREE || (kind & CO_FAST_CELL)) && PyCell_Check(v))
        v = PyCell_GET(v);
    return v;
}

static PyObject *
fast_locals(PyFrameObject *frame, PyCodeObject *co)
{
    _PyInterpreterFrame *f = frame->f_frame;
    PyObject *d = PyDict_New();
    if (d == NULL)
        return NULL;
    PyObject *names = co->co_localsplusnames;
    for (int i = 0; i < co->co_nlocalsplus; i++) {
        PyObject *v = fast_value(f, co, i);
        /* a name twice (never made by the compiler): the proxy's lookup finds the first */
        if (v != NULL && PyDict_SetDefault(d, PyTuple_GET_ITEM(names, i), v) == NULL) {
            Py_DECREF(d);
            return NULL;
        }
    }
    return d;
}
#endif

PyObject *
ct_frame_locals(PyFrameObject *frame, PyCodeObject *code)
{
#if PY_VERSION_HEX >= 0x030D0000
#if FRAME_LAYOUT_KNOWN
    if ((code->co_flags & CO_OPTIMIZED) && frame->f_extra_locals == NULL &&
        (PyObject *)code == frame->f_frame->f_executable) {
        PyObject *d = fast_locals(frame, code);
#ifdef EXECBENCH_CHECK_LOCALS /* a build that checks the rendering against CPython's dict */
        PyObject *ref = PyEval_GetFrame() == frame ? PyEval_GetFrameLocals() : NULL;
        if (d != NULL && ref != NULL) {
            PyObject *a = PyDict_Items(d), *b = PyDict_Items(ref);
            int same = a != NULL && b != NULL ? PyObject_RichCompareBool(a, b, Py_EQ) : -1;
            Py_XDECREF(a);
            Py_XDECREF(b);
            if (same == 0)
                PyErr_Format(PyExc_SystemError, "execbench: locals differ: %R vs %R", d, ref);
            if (same != 1)
                Py_CLEAR(d);
        }
        Py_XDECREF(ref);
#endif
        return d;
    }
#endif
    /* the current frame as CPython's snapshot dict, any other as its proxy (the Python
     * rule diffs it) */
    return PyEval_GetFrame() == frame ? PyEval_GetFrameLocals() : PyFrame_GetLocals(frame);
#else
    (void)code;
    return PyFrame_GetLocals(frame);
#endif
}

/* frame.f_trace (new reference; None when unset), where the settrace engine keeps a
 * frame's state: read from the frame object as its getter does (3.11-3.13), without the
 * attribute lookup, at every event. */
PyObject *
ct_frame_trace(PyFrameObject *frame)
{
#if FRAME_LAYOUT_KNOWN
    return Py_NewRef(frame->f_trace != NULL ? frame->f_trace : Py_None);
#else
    return PyObject_GetAttr((PyObject *)frame, str_f_trace);
#endif
}
