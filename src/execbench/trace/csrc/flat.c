/* Snapshots of exact lists, tuples and dicts of small ints or short strs: the item
 * snapshots from the shared caches and the literal text. _snapfast.py's _flat_container is
 * the rule and the fallback; this is it at C speed, for the encoder and for diff.c. */
#include "ctracer.h"

/* The cached snapshot of a small int or short str (made and cached on a miss, as the
 * encoder's _atom does); a new reference. */
PyObject *
ct_atom_snapshot(PyObject *item, PyObject *cache, PyObject *type_name, Py_ssize_t cache_items)
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
        PyObject *snap = ct_atom_snapshot(items[i], cache, type_name, cache_items);
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

/* open + a[0] (+ ": " + b[0]) + ", " + a[1] ... + close: the text of a flat container, made
 * in one allocation (`b` NULL for a sequence, the values' reprs for a dict); the same str
 * as joining the parts in Python. `a` and `b` are lists of n strs. */
static PyObject *
flat_text(const char *open, PyObject *a, PyObject *b, Py_ssize_t n, const char *close)
{
    Py_ssize_t lo = (Py_ssize_t)strlen(open), lc = (Py_ssize_t)strlen(close);
    Py_ssize_t total = lo + lc + (n > 0 ? 2 * (n - 1) : 0) + (b != NULL ? 2 * n : 0);
    Py_UCS4 maxchar = 127;
    for (int pass = 0; pass < (b != NULL ? 2 : 1); pass++) {
        PyObject *list = pass ? b : a;
        for (Py_ssize_t i = 0; i < n; i++) {
            PyObject *s = PyList_GET_ITEM(list, i);
            if (!PyUnicode_Check(s)) {
                PyErr_SetString(PyExc_TypeError, "a repr is not a str");
                return NULL;
            }
            total += PyUnicode_GET_LENGTH(s);
            Py_UCS4 m = PyUnicode_MAX_CHAR_VALUE(s);
            if (m > maxchar)
                maxchar = m;
        }
    }
    PyObject *text = PyUnicode_New(total, maxchar);
    if (text == NULL)
        return NULL;
    Py_ssize_t at = 0;
#define PUT_ASCII(lit, len)                                    \
    for (Py_ssize_t j = 0; j < (len); j++)                     \
        PyUnicode_WRITE(kind, data, at++, (Py_UCS4)(lit)[j]);
#define PUT_STR(s)                                                        \
    do {                                                                  \
        Py_ssize_t len_ = PyUnicode_GET_LENGTH(s);                        \
        if (PyUnicode_KIND(s) == kind)                                    \
            memcpy((char *)data + at * kind, PyUnicode_DATA(s), len_ * kind); \
        else if (PyUnicode_CopyCharacters(text, at, s, 0, len_) < 0) {    \
            Py_DECREF(text);                                              \
            return NULL;                                                  \
        }                                                                 \
        at += len_;                                                       \
    } while (0)
    int kind = PyUnicode_KIND(text);
    void *data = PyUnicode_DATA(text);
    PUT_ASCII(open, lo);
    for (Py_ssize_t i = 0; i < n; i++) {
        if (i > 0) {
            PUT_ASCII(", ", 2);
        }
        PUT_STR(PyList_GET_ITEM(a, i));
        if (b != NULL) {
            PUT_ASCII(": ", 2);
            PUT_STR(PyList_GET_ITEM(b, i));
        }
    }
    PUT_ASCII(close, lc);
#undef PUT_ASCII
#undef PUT_STR
    return text;
}

/* flat(value, ints, strs, short_str, cache_items) -> (items, text) or None.
 *
 * The snapshot parts of an exact list, tuple or dict whose items (keys and values each)
 * are all small ints or all short strs: the item snapshots (from the shared caches, made
 * on a miss) and the literal text. _snapfast.py's _flat_container is the rule and the
 * fallback; this is it at C speed. */
PyObject *
ct_flat_parts(PyObject *value, PyObject *ints, PyObject *strs, Py_ssize_t short_str,
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
            text = flat_text("[", reprs, NULL, n, "]");
        else
            text = flat_text("(", reprs, NULL, n, n == 1 ? ",)" : ")");
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
    PyObject *ksnaps, *kreprs, *vsnaps = NULL, *vreprs = NULL, *res = NULL, *pairs = NULL;
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
    if (pairs == NULL)
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
    }
    text = flat_text("{", kreprs, vreprs, n, "}");
    if (text != NULL)
        res = PyTuple_Pack(2, pairs, text);
done:
    Py_XDECREF(text);
    Py_XDECREF(pairs);
    Py_DECREF(ksnaps);
    Py_DECREF(kreprs);
    Py_DECREF(vsnaps);
    Py_DECREF(vreprs);
    return res;
}

/* Take recorded data out of the cycle collector's sight. Snapshots, deltas and event
 * tuples are fresh trees of dicts, lists and strs that never reference themselves or the
 * program, so they can never be part of a cycle; left tracked, every collection during
 * and after a trace would walk all of them again. (An untracked container only keeps
 * what it references alive, which is all the collector needs to know.) */
void
ct_untrack_tree(PyObject *o, int depth)
{
    /* a str, int or other non-container, or a tree already untracked (whose parts were
     * untracked first): nothing to walk */
    if (depth > 64 || !PyType_IS_GC(Py_TYPE(o)) || !PyObject_GC_IsTracked(o))
        return;
    if (PyDict_CheckExact(o)) {
        PyObject_GC_UnTrack(o);
        Py_ssize_t pos = 0;
        PyObject *key, *value;
        while (PyDict_Next(o, &pos, &key, &value))
            if (PyType_IS_GC(Py_TYPE(value)))
                ct_untrack_tree(value, depth + 1);
    }
    else if (PyList_CheckExact(o)) {
        PyObject_GC_UnTrack(o);
        for (Py_ssize_t i = 0; i < PyList_GET_SIZE(o); i++)
            if (PyType_IS_GC(Py_TYPE(PyList_GET_ITEM(o, i))))
                ct_untrack_tree(PyList_GET_ITEM(o, i), depth + 1);
    }
    else if (PyTuple_CheckExact(o)) {
        PyObject_GC_UnTrack(o);
        for (Py_ssize_t i = 0; i < PyTuple_GET_SIZE(o); i++)
            ct_untrack_tree(PyTuple_GET_ITEM(o, i), depth + 1);
    }
}
