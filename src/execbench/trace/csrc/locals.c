/* A traced frame's locals as the diff reads them (diff.c), made as cheaply as each
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
 * names and values are read here straight from the frame's fast locals (CPython's
 * internal frame layout, from the headers installed with the interpreter the extension
 * is built for) into two arrays, in that order: the diff walks them, and a dict is made
 * of them only for a Python rule that takes one (a local gone, a module-like frame), so
 * the common event makes no dict at all. Anything else (module and class bodies, whose
 * f_locals is a real dict; extra names) takes CPython's own path.
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

/* The bound fast locals into l's arrays, values taken at once (as the proxy's dict takes
 * them): 1, or 0 when a name is not an interned str or comes twice (never made by the
 * compiler; the proxy's lookup would find the first), which the dict path handles. Interned
 * names are equal only when identical, so comparing pointers finds every repeat. */
static int
fast_arrays(CtLocals *l, PyFrameObject *frame, PyCodeObject *co)
{
    _PyInterpreterFrame *f = frame->f_frame;
    PyObject *names = co->co_localsplusnames;
    Py_ssize_t n = 0;
    for (int i = 0; i < co->co_nlocalsplus; i++) {
        PyObject *v = fast_value(f, co, i);
        if (v == NULL)
            continue;
        PyObject *name = PyTuple_GET_ITEM(names, i);
        int plain = PyUnicode_CheckExact(name) && PyUnicode_CHECK_INTERNED(name);
        for (Py_ssize_t j = 0; plain && j < n; j++)
            plain = l->names[j] != name;
        if (!plain) {
            while (n > 0)
                Py_DECREF(l->values[--n]);
            return 0;
        }
        l->names[n] = name;
        l->values[n++] = Py_NewRef(v);
    }
    l->n = n;
    l->fast = 1;
    return 1;
}
#endif

/* The frame's locals as a dict (new reference): the frame's own f_locals dict (3.11-3.12),
 * or CPython's snapshot of its proxy (3.13+: the current frame; any other frame's proxy,
 * which the Python rule diffs). */
static PyObject *
frame_locals_dict(PyFrameObject *frame)
{
#if PY_VERSION_HEX >= 0x030D0000
    return PyEval_GetFrame() == frame ? PyEval_GetFrameLocals() : PyFrame_GetLocals(frame);
#else
    return PyFrame_GetLocals(frame);
#endif
}

int
ct_locals_read(CtLocals *l, PyFrameObject *frame, PyCodeObject *code)
{
    l->dict = NULL;
    l->fast = 0;
    l->n = 0;
#if PY_VERSION_HEX >= 0x030D0000 && FRAME_LAYOUT_KNOWN
    if ((code->co_flags & CO_OPTIMIZED) && frame->f_extra_locals == NULL &&
        (PyObject *)code == frame->f_frame->f_executable && code->co_nlocalsplus <= CT_FAST_MAX &&
        fast_arrays(l, frame, code)) {
#ifdef EXECBENCH_CHECK_LOCALS /* a build that checks the rendering against CPython's dict */
        PyObject *d = ct_locals_dict(l);
        PyObject *ref = PyEval_GetFrame() == frame ? PyEval_GetFrameLocals() : NULL;
        int same = -1;
        if (d != NULL && ref != NULL) {
            PyObject *a = PyDict_Items(d), *b = PyDict_Items(ref);
            same = a != NULL && b != NULL ? PyObject_RichCompareBool(a, b, Py_EQ) : -1;
            Py_XDECREF(a);
            Py_XDECREF(b);
            if (same == 0)
                PyErr_Format(PyExc_SystemError, "execbench: locals differ: %R vs %R", d, ref);
        }
        /* another frame than the current one has no snapshot to compare with: keep it */
        int failed = d == NULL || (ref != NULL ? same != 1 : PyErr_Occurred() != NULL);
        Py_XDECREF(ref);
        if (failed) {
            ct_locals_release(l);
            return -1;
        }
#endif
        return 0;
    }
#else
    (void)code;
#endif
    l->dict = frame_locals_dict(frame);
    return l->dict == NULL ? -1 : 0;
}

PyObject *
ct_locals_dict(CtLocals *l)
{
    if (l->dict != NULL || !l->fast)
        return l->dict;
    PyObject *d = PyDict_New();
    if (d == NULL)
        return NULL;
    for (Py_ssize_t i = 0; i < l->n; i++)
        if (PyDict_SetItem(d, l->names[i], l->values[i]) < 0) {
            Py_DECREF(d);
            return NULL;
        }
    return l->dict = d;
}

void
ct_locals_release(CtLocals *l)
{
    Py_CLEAR(l->dict);
    if (l->fast)
        for (Py_ssize_t i = 0; i < l->n; i++)
            Py_DECREF(l->values[i]);
    l->fast = 0;
    l->n = 0;
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
