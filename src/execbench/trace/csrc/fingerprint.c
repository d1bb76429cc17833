/* Fingerprints (fingerprint.py: (id, len, items, type) of an exact builtin container)
 * compared with the live container by identity, in place: no program code runs. */
#include "ctracer.h"

/* Whether `fp` is a fingerprint (fingerprint.py: (id, len, items, type)) taken of `v`
 * itself: 1 with its length and items set, 0 if not, -1 on error. */
static int
fingerprint_of(PyObject *v, PyObject *fp, Py_ssize_t *n_out, PyObject **items_out)
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
    *n_out = n;
    *items_out = items;
    return 1;
}

/* Whether `v` still matches fingerprint `fp` (engine.py: fingerprint.unchanged): the same
 * container, length and item identities, nested fingerprints compared recursively.
 * Returns 1, 0, or -1 with an exception. Runs no program code: only exact builtin
 * containers carry fingerprints. */
int
ct_unchanged(PyObject *v, PyObject *fp, Py_ssize_t n_max)
{
    Py_ssize_t n;
    PyObject *items;
    int is_fp = fingerprint_of(v, fp, &n, &items);
    if (is_fp <= 0)
        return is_fp;
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
            int r = ct_unchanged(x, y, n_max);
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
                int r = ct_unchanged(key, yk, n_max);
                if (r != 1)
                    return r;
            }
            if (value != yv) {
                if (!PyTuple_CheckExact(yv))
                    return 0;
                int r = ct_unchanged(value, yv, n_max);
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
                r = PyTuple_CheckExact(y) ? ct_unchanged(x, y, n_max) : 0;
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

/* engine.py's inline test in `diff`: a list or dict whose items are still the very
 * objects its fingerprint holds (flat, at most n_max of them). */
int
ct_same_flat(PyObject *v, PyObject *fp, Py_ssize_t n_max)
{
    Py_ssize_t n;
    PyObject *items;
    int is_fp = fingerprint_of(v, fp, &n, &items);
    if (is_fp <= 0)
        return is_fp;
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

