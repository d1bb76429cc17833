/* Which locals changed since a frame's last event: diffing.py's rule, rendered in C for
 * function frames, with the recursion units of the Python engine's frames (ctracer.h). */
#include "ctracer.h"

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

/* dict.pop(key, None), looked up first: the key is mostly absent, and a failed delete
 * would make and drop a KeyError (over half the cost of recording a changed container) */
static int
discard(PyObject *dict, PyObject *key)
{
    if (PyDict_GET_SIZE(dict) == 0)
        return 0;
    PyObject *found = PyDict_GetItemWithError(dict, key);
    if (found == NULL)
        return PyErr_Occurred() ? -1 : 0;
    return PyDict_DelItem(dict, key);
}

PyObject *
ct_py_call(PyObject *callable, PyObject *const *args, size_t nargs)
{
    Py_LeaveRecursiveCall();
    PyObject *res = PyObject_Vectorcall(callable, args, nargs, NULL);
    if (enter()) { /* cannot happen: the unit was held just before the call */
        Py_XDECREF(res);
        return NULL;
    }
    return res;
}

/* Call one of the Python rules (diffing.py). A recorder of this engine makes them only
 * when a trace first needs one (most small traces never do): the shared `make_rules`
 * (encoder, counts) returns the Rules (diff, diff_name, cleanup). It is called where the
 * rule is, as a Python caller would call it, so a RecursionError there is the rule's,
 * handled as the rule's. */
static PyObject *
rule_call(CTracer *self, PyObject **rule, PyObject *const *args, size_t nargs)
{
    if (*rule == NULL) {
        PyObject *make_args[2] = {self->encoder, self->counts};
        PyObject *rules = ct_py_call(self->make_rules, make_args, 2);
        if (rules == NULL)
            return NULL;
        if (!PyTuple_Check(rules) || PyTuple_GET_SIZE(rules) != 3) {
            Py_DECREF(rules);
            PyErr_SetString(PyExc_TypeError, "make_rules must return (diff, diff_name, cleanup)");
            return NULL;
        }
        Py_XSETREF(self->diff, Py_NewRef(PyTuple_GET_ITEM(rules, 0)));
        Py_XSETREF(self->diff_name, Py_NewRef(PyTuple_GET_ITEM(rules, 1)));
        Py_XSETREF(self->cleanup, Py_NewRef(PyTuple_GET_ITEM(rules, 2)));
        Py_DECREF(rules);
    }
    return ct_py_call(*rule, args, nargs);
}

/* The Python engine's diff_name frame, held around work done here in its place. */
#define EMULATE_FRAME(fail_action) \
    if (enter()) {                 \
        fail_action;               \
    }

/* The encoder's snapshot of an int/str/bool/None `v` (type `t`) from its caches, borrowed;
 * NULL when not cached (an error set only if the lookup failed). */
static PyObject *
cached_atom(CTracer *self, PyObject *v, PyTypeObject *t)
{
    if (t == &PyLong_Type)
        return PyDict_GetItemWithError(self->int_snaps, v);
    if (t == &PyUnicode_Type)
        return PyDict_GetItemWithError(self->str_snaps, v);
    if (v == Py_None)
        return self->none_snap;
    if (v == Py_True)
        return self->true_snap;
    if (v == Py_False)
        return self->false_snap;
    return NULL;
}

/* Whether `v` (type `t`, missing from the caches) is a small int or short str: an atom the
 * encoder's _atom snapshots into its cache (-1 on error). */
static int
cacheable_atom(CTracer *self, PyObject *v, PyTypeObject *t)
{
    if (t == &PyUnicode_Type)
        return PyUnicode_GET_LENGTH(v) <= self->short_str;
    if (t != &PyLong_Type)
        return 0;
    int overflow = 0;
    long long x = PyLong_AsLongLongAndOverflow(v, &overflow);
    if (x == -1 && PyErr_Occurred())
        return -1;
    return !overflow && x > -1000000000LL && x < 1000000000LL;
}

/* _atom(v, t) for such an atom, in the unit of its frame: the snapshot made and cached. */
static PyObject *
new_atom(CTracer *self, PyObject *v, PyTypeObject *t)
{
    if (enter())
        return NULL;
    PyObject *snap = t == &PyLong_Type
                         ? ct_atom_snapshot(v, self->int_snaps, str_int, self->cache_items)
                         : ct_atom_snapshot(v, self->str_snaps, str_str, self->cache_items);
    Py_LeaveRecursiveCall();
    return snap;
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
    PyObject *snap = cached_atom(self, v, t);
    if (snap != NULL) {
        Py_INCREF(snap);
    }
    else {
        if (PyErr_Occurred())
            return -1;
        int small = cacheable_atom(self, v, t);
        if (small < 0)
            return -1;
        if (small)
            snap = new_atom(self, v, t);
        else {
            PyObject *args[2] = {v, (PyObject *)t};
            PyObject *atom = ct_encoder_attr(self, &self->atom, str__atom);
            snap = atom != NULL ? ct_py_call(atom, args, 2) : NULL;
        }
        if (snap == NULL)
            return -1;
    }
    int r = record(self, delta, name, snap, cost);
    Py_DECREF(snap);
    return r;
}

/* Encoder.ref(v): the per-trace identity number of `v` (new reference), as the encoder's
 * method makes it (its id -> number table, started afresh at cache_items entries; the
 * next number is the encoder's _next_ref + 1), under the unit of its frame. Falls back to
 * calling the method when the encoder has no such table. */
static PyObject *
ref_of(CTracer *self, PyObject *v)
{
    PyObject *enc = self->encoder;
    if (self->ids == NULL) {
        PyObject *ids = PyObject_GetAttr(enc, str__ids);
        if (ids != NULL && PyDict_CheckExact(ids))
            self->ids = ids;
        else {
            Py_XDECREF(ids);
            PyErr_Clear();
        }
    }
    if (self->ids == NULL) {
        PyObject *ref = ct_encoder_attr(self, &self->ref, str_ref);
        return ref != NULL ? ct_py_call(ref, &v, 1) : NULL;
    }
    if (enter())
        return NULL;
    PyObject *key = PyLong_FromVoidPtr(v), *ref = NULL;
    if (key == NULL)
        goto done;
    ref = PyDict_GetItemWithError(self->ids, key);
    if (ref != NULL) {
        Py_INCREF(ref);
        goto done;
    }
    if (PyErr_Occurred())
        goto done;
    if (PyDict_GET_SIZE(self->ids) >= self->cache_items)
        PyDict_Clear(self->ids);
    PyObject *last = PyObject_GetAttr(enc, str__next_ref);
    if (last == NULL)
        goto done;
    long long n = PyLong_AsLongLong(last);
    Py_DECREF(last);
    if (n == -1 && PyErr_Occurred())
        goto done;
    ref = PyLong_FromLongLong(n + 1);
    if (ref != NULL && (PyObject_SetAttr(enc, str__next_ref, ref) < 0 ||
                        PyDict_SetItem(self->ids, key, ref) < 0))
        Py_CLEAR(ref);
done:
    Py_XDECREF(key);
    Py_LeaveRecursiveCall();
    return ref;
}

/* The snapshot of an exact list or dict `v` (n items) of small ints or short strs, or an
 * empty one, as the encoder makes it ({type, id, repr, len, items}); Py_None when `v` is
 * not such a container (the Python encoder decides then). `parts` is flat.c's (items,
 * text). The per-trace id is the encoder's (`ref`, called where the encoder calls it). An
 * empty container takes the encoder's general walk in Python, two frames deeper
 * (_sequence or _mapping, then the items' helper): their units are held here too. */
static PyObject *
flat_snapshot(CTracer *self, PyObject *v, int is_list, Py_ssize_t n)
{
    PyObject *parts = n == 0 ? Py_BuildValue("(Ns)", PyList_New(0), is_list ? "[]" : "{}")
                             : ct_flat_parts(v, self->int_snaps, self->str_snaps, self->short_str,
                                             self->cache_items);
    if (parts == NULL || parts == Py_None)
        return parts;
    PyObject *ref = ref_of(self, v);
    PyObject *py_n = PyLong_FromSsize_t(n);
    PyObject *snap = NULL;
    if (ref == NULL || py_n == NULL)
        goto done;
    if (n == 0) {
        if (enter_n(2) < 0)
            goto done;
        leave_n(2);
    }
    snap = PyDict_New();
    if (snap == NULL || PyDict_SetItem(snap, str_type, is_list ? str_list : str_dict) < 0 ||
        PyDict_SetItem(snap, str_id, ref) < 0 ||
        PyDict_SetItem(snap, str_repr, PyTuple_GET_ITEM(parts, 1)) < 0 ||
        PyDict_SetItem(snap, str_len, py_n) < 0 ||
        PyDict_SetItem(snap, str_items, PyTuple_GET_ITEM(parts, 0)) < 0)
        Py_CLEAR(snap);
    else /* out of the collector's sight now, so the walk at each event stops here */
        ct_untrack_tree(snap, 0);
done:
    Py_DECREF(parts);
    Py_XDECREF(ref);
    Py_XDECREF(py_n);
    return snap;
}

/* The Python encoder's encode(v), called as the Python engine calls it. */
static PyObject *
encode_py(CTracer *self, PyObject *v)
{
    PyObject *encode = ct_encoder_attr(self, &self->encode, str_encode);
    return encode != NULL ? ct_py_call(encode, &v, 1) : NULL;
}

/* Encoder.encode(v) (new reference): small ints, short strs, bools and None from the
 * encoder's caches, flat or empty lists and dicts here, everything else by the encoder.
 * The units of the encoder's frames (encode, then _enc/_atom or _flat_container) are held
 * as the Python encoder would take them. */
PyObject *
ct_encode(CTracer *self, PyObject *v)
{
    PyTypeObject *t = Py_TYPE(v);
    if ((t == &PyList_Type || t == &PyDict_Type) && self->max_depth > 0) {
        Py_ssize_t n = t == &PyList_Type ? PyList_GET_SIZE(v) : PyDict_GET_SIZE(v);
        if (n <= self->n_max) {
            if (enter_n(2) < 0) /* encode, _flat_container */
                return NULL;
            PyObject *res = flat_snapshot(self, v, t == &PyList_Type, n);
            leave_n(2);
            if (res != Py_None)
                return res;
            Py_DECREF(res);
        }
        return encode_py(self, v);
    }
    PyObject *snap = cached_atom(self, v, t);
    if (snap == NULL) {
        if (PyErr_Occurred())
            return NULL;
        int small = cacheable_atom(self, v, t);
        if (small <= 0)
            return small < 0 ? NULL : encode_py(self, v);
        if (enter_n(2) < 0) /* encode, _enc; new_atom holds _atom's */
            return NULL;
        snap = new_atom(self, v, t);
        leave_n(2);
        return snap;
    }
    if (enter_n(3) < 0) /* encode, _enc, _atom */
        return NULL;
    leave_n(3);
    return Py_NewRef(snap);
}

/* engine.py's diff_name for an exact list or dict of small ints or short strs, or an empty
 * one (most changes a trace records), rendered here with the encoder's flat helper; the
 * snapshot and fingerprint are what diff_name would make. Runs in the emulated frames of
 * diff_name and encode. Returns 1 when done, 0 when the value is not such a container
 * (diff_name then decides), -1 on error. */
static int
diff_flat(CTracer *self, FrameState *st, PyObject *name, PyObject *v, PyObject **delta,
          long long *cost)
{
    int is_list = PyList_CheckExact(v);
    if (!is_list && !PyDict_CheckExact(v))
        return 0;
    Py_ssize_t n = is_list ? PyList_GET_SIZE(v) : PyDict_GET_SIZE(v);
    if (self->max_depth <= 0 || n > self->n_max)
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
    PyObject *fp_items = NULL, *fp = NULL, *snap = NULL, *py_n = NULL, *addr = NULL;
    int rc = -1;
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
    snap = flat_snapshot(self, v, is_list, n);
    if (snap == NULL)
        goto done;
    if (snap == Py_None) {
        rc = 0;
        goto done;
    }
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
    Py_XDECREF(fp_items);
    Py_XDECREF(fp);
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
    /* the most common case first: a flat list or dict whose items are still the very
     * objects its fingerprint holds (unchanged whatever the other tests would say; they
     * only ever answer "unchanged" too) */
    PyObject *fp = PyDict_GetItemWithError(st->fps, name);
    if (fp == NULL && PyErr_Occurred())
        return -1;
    if (fp != NULL) {
        int r = ct_same_flat(v, fp, self->n_max);
        if (r)
            return r < 0 ? -1 : 0;
    }
    PyObject *imm = PyDict_GetItemWithError(st->imms, name);
    if (imm == NULL && PyErr_Occurred())
        return -1;
    if (imm == v)
        return 0;
    int in = PySet_Contains(st->skipped, name);
    if (in)
        return in < 0 ? -1 : 0;
    if (fp != NULL) {
        int r;
        /* diff_name's `fast_unchanged(v, old_fp)`: its frame and the unit a METH_VARARGS
         * call takes */
        if (enter_n(2) < 0)
            return -1;
        Py_INCREF(fp);
        r = ct_unchanged(v, fp, self->n_max);
        Py_DECREF(fp);
        leave_n(2);
        if (r)
            return r < 0 ? -1 : 0;
    }
    /* diff_name, encode and _flat_container: three emulated frames */
    if (enter_n(3) < 0)
        return -1;
    int done = diff_flat(self, st, name, v, delta, cost);
    leave_n(3);
    if (done)
        return done < 0 ? -1 : 0;
    PyObject *args[8] = {name, v, st->atoms, st->snaps, st->imms, st->skipped, st->fps,
                         st->module_like ? Py_True : Py_False};
    PyObject *snap = rule_call(self, &self->diff_name, args, 8);
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
cdiff(CTracer *self, FrameState *st, CtLocals *loc, PyObject **out)
{
    *out = NULL;
    PyObject *delta = NULL;
    long long cost = 0;
    Py_ssize_t pos = 0;
    PyObject *name, *v;
    int rc = 0;
    while (ct_locals_next(loc, &pos, &name, &v)) {
        Py_INCREF(name);
        Py_INCREF(v);
        PyTypeObject *t = Py_TYPE(v);
        long long t0 = self->profile != NULL ? ct_now_ns() : 0;
        Py_ssize_t recorded = delta != NULL ? PyDict_GET_SIZE(delta) : 0;
        if (!PyUnicode_CheckExact(name)) { /* only diff_name knows what to do */
            PyObject *args[8] = {name, v, st->atoms, st->snaps, st->imms, st->skipped, st->fps,
                                 Py_False};
            PyObject *snap = rule_call(self, &self->diff_name, args, 8);
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
        if (rc == 0 && self->profile != NULL) {
            long long ns = ct_now_ns() - t0;
            if (ct_profile_add(self, "local", t->tp_name, ns) < 0 ||
                (delta != NULL && PyDict_GET_SIZE(delta) > recorded &&
                 ct_profile_add(self, "snapshot", t->tp_name, ns) < 0))
                rc = -1;
        }
        Py_DECREF(name);
        Py_DECREF(v);
        if (rc < 0) {
            Py_XDECREF(delta);
            return -1;
        }
    }
    if (PyDict_GET_SIZE(st->atoms) + PyDict_GET_SIZE(st->snaps) + PySet_GET_SIZE(st->skipped) >
        ct_locals_size(loc)) {
        PyObject *d = ct_locals_dict(loc);
        PyObject *args[7] = {d, st->atoms, st->snaps, st->imms, st->skipped, st->fps,
                             delta != NULL ? delta : Py_None};
        PyObject *res = d != NULL ? rule_call(self, &self->cleanup, args, 7) : NULL;
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

/* Diff the frame's locals under one more recursion unit (the Python engine's `diff`
 * frame). A RecursionError forgets what the frame's state was, so everything is recorded
 * again at the next event; *delta is NULL then. */
static int frame_delta(CTracer *self, FrameState *st, CtLocals *loc, PyObject **delta);

int
ct_frame_delta(CTracer *self, FrameState *st, CtLocals *loc, PyObject **delta)
{
    *delta = NULL;
    if (!self->record_states)
        return 0;
    if (self->profile == NULL)
        return frame_delta(self, st, loc, delta);
    long long t0 = ct_now_ns();
    int rc = frame_delta(self, st, loc, delta);
    self->states_ns += ct_now_ns() - t0;
    return rc;
}

static int
frame_delta(CTracer *self, FrameState *st, CtLocals *loc, PyObject **delta)
{
    int rc;
    if (st->module_like || (!loc->fast && !PyDict_CheckExact(loc->dict))) {
        /* module and class bodies: the Python rule, called as the Python engine calls it */
        PyObject *d = ct_locals_dict(loc);
        PyObject *args[7] = {d, st->atoms, st->snaps, st->imms, st->skipped, st->fps,
                             st->module_like ? Py_True : Py_False};
        PyObject *res = d != NULL ? rule_call(self, &self->diff, args, 7) : NULL;
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
