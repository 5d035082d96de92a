//! Garbage collection: mark from the roots, sweep the rest, then run the finalizers that came
//! due — never during marking, and each exactly once (a finalizer is taken out of its object
//! before it runs, so teardown cannot run it again).
//!
//! Roots: the intrinsics, live handle scopes, the arguments of native calls in progress, strong
//! references, the `Symbol.for` registry, a pending exception, and what the caller adds (the
//! objects the client holds). Weak references (count 0) do not keep their value; once it is
//! collected they answer empty. A WeakMap keeps each value only while its key is marked (an
//! ephemeron): marking repeats over the marked WeakMaps until no entry adds anything.

use super::heap::{Heap, Settled};
use super::native::Finalizer;
use super::object::{Callable, Finalization, ObjectClass};
use super::object_id::ObjectId;
use super::property::{PropertyKey, Slot};
use super::value::Value;
use super::Runtime;

/// What a collection freed.
#[derive(Debug, Default)]
pub struct Collected {
    /// The ids of the objects freed (they resolve to nothing now).
    pub freed: Vec<ObjectId>,
}

struct Marker<'h> {
    heap: &'h Heap,
    marked: Vec<bool>,
    /// How many objects are marked.
    count: usize,
    work: Vec<ObjectId>,
    /// The marked WeakMaps, whose entries are marked once their keys are.
    weak_maps: Vec<ObjectId>,
    /// The marked objects that hold others weakly (WeakRefs, weak collections, finalization
    /// registries): after marking, only these need looking at for what died.
    weak_holders: Vec<ObjectId>,
    /// While the realm's roots are marked afresh: what they reach.
    settling: Option<Settled>,
    /// What they reached, for the heap to keep (`Heap::settle`).
    to_settle: Option<Settled>,
}

impl<'h> Marker<'h> {
    fn new(heap: &'h Heap) -> Marker<'h> {
        Marker {
            heap,
            marked: vec![false; heap.capacity()],
            count: 0,
            work: Vec::new(),
            weak_maps: Vec::new(),
            weak_holders: Vec::new(),
            settling: None,
            to_settle: None,
        }
    }

    /// Marks what the realm's `roots` reach: what the heap kept of the last such marking when
    /// none of it changed since, else by walking it, kept in `settling` for the heap to keep.
    fn realm(&mut self, roots: Vec<ObjectId>) {
        if let Some(settled) = self.heap.settled() {
            for id in &settled.objects {
                self.marked[Heap::index_of(*id)] = true;
            }
            self.count += settled.objects.len();
            settled.holders.iter().for_each(|id| self.object(*id));
            return;
        }
        self.settling = Some(Settled::default());
        roots.into_iter().for_each(|id| self.object(id));
        self.drain();
        // The weak holders were only marked: walked now as any other object, outside what
        // is kept (they are marked already, so pushed as they are).
        let settled = self.settling.take().expect("set above");
        self.work.extend_from_slice(&settled.holders);
        self.to_settle = Some(settled);
    }

    fn object(&mut self, id: ObjectId) {
        // The mark first: most references lead to what is marked already (the prototypes, the
        // built-ins), which then needs no look at the heap. A slot past the table holds nothing.
        let i = Heap::index_of(id);
        if self.marked.get(i) == Some(&false) && self.heap.get(id).is_some() {
            self.marked[i] = true;
            self.count += 1;
            self.work.push(id);
        }
    }

    fn is_marked(&self, id: ObjectId) -> bool {
        self.heap.get(id).is_some() && self.marked[Heap::index_of(id)]
    }

    /// Marks everything reachable, then the values of WeakMap entries whose keys turned out to
    /// be reachable, and what those reach, until nothing changes.
    fn finish(&mut self) {
        self.drain();
        loop {
            let mut due = Vec::new();
            for map in &self.weak_maps {
                if let ObjectClass::WeakMap(t) = &self.heap.obj(*map).class {
                    due.extend(t.entries().filter(|(k, _)| self.is_marked(**k)).map(|(_, v)| v.clone()));
                }
            }
            let before = self.work.len();
            due.iter().for_each(|v| self.value(v));
            if self.work.len() == before {
                return;
            }
            self.drain();
        }
    }

    fn value(&mut self, v: &Value) {
        if let Value::Object(id) | Value::Symbol(id) = v {
            self.object(*id);
        }
    }

    fn drain(&mut self) {
        while let Some(id) = self.work.pop() {
            let o = self.heap.obj(id);
            if let Some(settling) = &mut self.settling {
                if holds_weakly(&o.class) {
                    settling.holders.push(id);
                    continue;
                }
                settling.objects.push(id);
            }
            if let Some(p) = o.proto {
                self.object(p);
            }
            for (k, p) in &o.props {
                if let PropertyKey::Symbol(s) = k {
                    self.object(*s);
                }
                match &p.slot {
                    Slot::Data(v) => self.value(v),
                    Slot::Accessor { get, set } => {
                        get.iter().chain(set.iter()).for_each(|f| self.object(*f));
                    }
                }
            }
            match &o.class {
                ObjectClass::Function(f) => match f.callable {
                    Callable::Native { receiver: Some(r), .. } => self.object(r),
                    Callable::Resolver { promise, .. } => self.object(promise),
                    Callable::Finally { on_finally, .. } => self.object(on_finally),
                    Callable::Bound(ref b) => {
                        self.object(b.target);
                        self.value(&b.this);
                        b.args.iter().for_each(|a| self.value(a));
                    }
                    Callable::BuiltinWith(_, ref captured) => captured.iter().for_each(|v| self.value(v)),
                    _ => {}
                },
                // A WeakRef does not keep its target; a registry keeps its cleanup callback and
                // held values, not its targets or tokens.
                ObjectClass::FinalizationRegistry(r) => {
                    self.weak_holders.push(id);
                    let r = r.borrow();
                    if let Some(c) = r.cleanup {
                        self.object(c);
                    }
                    r.cells.iter().for_each(|cell| self.value(&cell.held));
                }
                ObjectClass::Primitive(v) => self.value(v),
                ObjectClass::View(view) => self.object(view.buffer),
                ObjectClass::Set(t) | ObjectClass::Map(t) => {
                    let values: Vec<Value> = t.values().cloned().collect();
                    values.iter().for_each(|v| self.value(v));
                }
                ObjectClass::Iterator(it) => {
                    if let Some(t) = it.target {
                        self.object(t);
                    }
                }
                ObjectClass::Promise(p) => p.values().iter().for_each(|v| self.value(v)),
                ObjectClass::Proxy(p) => p.target.iter().chain(p.handler.iter()).for_each(|o| self.object(*o)),
                ObjectClass::WeakMap(_) => {
                    self.weak_maps.push(id);
                    self.weak_holders.push(id);
                }
                ObjectClass::WeakSet(_) | ObjectClass::WeakRef(_) => self.weak_holders.push(id),
                _ => {}
            }
        }
    }
}

/// Whether objects of `class` hold others weakly: what they hold changes without a change to
/// the object itself (a registry's cells) or depends on what else is marked.
fn holds_weakly(class: &ObjectClass) -> bool {
    matches!(class, ObjectClass::WeakMap(_) | ObjectClass::WeakSet(_) | ObjectClass::WeakRef(_) | ObjectClass::FinalizationRegistry(_))
}

impl Runtime {
    /// Collects everything unreachable from the roots and `extra_roots`, runs the finalizers of
    /// what died and then the post-finalizers queued meanwhile. `swept` runs between the two,
    /// when the dead ids no longer resolve: the layer above lets go there of what it keeps for
    /// dead objects (the host, of the Python objects they stood for), before a finalizer may
    /// call out and find it.
    pub fn collect(&self, extra_roots: &[ObjectId], swept: impl FnOnce()) -> Collected {
        self.shm.free_small_blocks();
        let (collected, due) = self.sweep(extra_roots);
        swept();
        self.in_gc_finalizer.set(true);
        self.run_finalizers(due);
        self.in_gc_finalizer.set(false);
        self.run_post_finalizers();
        self.collect_past_objects.set(objects_due_past(self.heap.borrow().live_count()));
        self.collect_past_shm_bytes.set(shm_bytes_due_past(self.shm.live_bytes()));
        collected
    }

    /// Which of `ids` are reachable from the roots and `extra_roots`: a marking without a sweep.
    /// (An in-process call's lent buffers that nothing reaches when it ends are let go of at once.)
    pub fn reachable(&self, extra_roots: &[ObjectId], ids: &[ObjectId]) -> Vec<bool> {
        let heap = self.heap.borrow();
        let m = self.mark(&heap, extra_roots);
        ids.iter().map(|id| m.is_marked(*id)).collect()
    }

    /// Marks everything reachable from the roots and `extra_roots`.
    fn mark<'h>(&self, heap: &'h Heap, extra_roots: &[ObjectId]) -> Marker<'h> {
        let mut m = Marker::new(heap);
        m.realm(self.realm.roots());
        extra_roots.iter().for_each(|id| m.object(*id));
        self.handles.borrow().values().iter().for_each(|v| m.value(v));
        for f in self.frames.borrow().iter() {
            m.object(f.this);
            f.args.iter().for_each(|a| m.value(a));
            f.new_target.iter().for_each(|t| m.object(*t));
        }
        self.refs.borrow().strong_values().for_each(|v| m.value(v));
        self.symbol_registry.borrow().values().for_each(|s| m.object(*s));
        if let Some(e) = self.pending_exception.borrow().as_ref() {
            m.value(e);
        }
        self.microtasks.borrow().iter().flat_map(|j| j.values()).for_each(|v| m.value(&v));
        self.timers.values().iter().for_each(|v| m.value(v));
        for (f, args) in self.ticks.borrow().iter() {
            m.value(f);
            args.iter().for_each(|a| m.value(a));
        }
        m.finish();
        m
    }

    fn sweep(&self, extra_roots: &[ObjectId]) -> (Collected, Vec<Finalization>) {
        let (dead, weak_holders, to_settle) = {
            let heap = self.heap.borrow();
            let m = self.mark(&heap, extra_roots);
            (Dead::unmarked(&heap, &m), m.weak_holders, m.to_settle)
        };
        if let Some(settled) = to_settle {
            self.heap.borrow_mut().settle(settled);
        }
        self.refs.borrow_mut().clear_collected(|id| dead.contains(id));
        self.clear_dead_weak_entries(&dead, &weak_holders);
        let mut due = Vec::new();
        {
            let mut heap = self.heap.borrow_mut();
            for id in &dead.ids {
                let taken = heap.free(*id, |o| (o.wrap.take(), std::mem::take(&mut o.finalizers), o.take_block()));
                let Some((wrap, finalizers, block)) = taken else { continue };
                if let Some(block) = block {
                    self.shm.recycle(block);
                }
                if let Some(w) = wrap {
                    if let Some(Finalizer { cb, hint }) = w.finalize {
                        due.push(Finalization::new(w.env, cb, w.data, hint, w.seq));
                    }
                }
                due.extend(finalizers);
            }
            heap.shrink_free_end(FEWEST_BETWEEN_COLLECTIONS);
        }
        (Collected { freed: dead.ids }, due)
    }

    /// Of the survivors that hold others weakly (`holders`): empties the WeakRefs whose targets
    /// died, removes the entries of dead keys from weak collections, and queues the cleanup
    /// callbacks of the FinalizationRegistry cells whose targets died (run later on the event
    /// loop, as V8 does).
    fn clear_dead_weak_entries(&self, dead: &Dead, holders: &[ObjectId]) {
        let mut due = Vec::new();
        {
            let mut heap = self.heap.borrow_mut();
            for id in holders {
                match &mut heap.obj_mut(*id).class {
                    ObjectClass::WeakRef(target) if target.is_some_and(|t| dead.contains(t)) => *target = None,
                    ObjectClass::WeakMap(t) | ObjectClass::WeakSet(t) => t.retain_live(|k| !dead.contains(k)),
                    ObjectClass::FinalizationRegistry(r) => {
                        let mut r = r.borrow_mut();
                        let cleanup = r.cleanup;
                        r.cells.retain(|cell| {
                            if dead.contains(cell.target) {
                                due.extend(cleanup.map(|c| (c, cell.held.clone())));
                                false
                            } else {
                                true
                            }
                        });
                        for cell in &mut r.cells {
                            if cell.token.is_some_and(|t| dead.contains(t)) {
                                cell.token = None;
                            }
                        }
                    }
                    _ => {}
                }
            }
        }
        for (cleanup, held) in due {
            self.ticks.borrow_mut().push_back((Value::Object(cleanup), vec![held]));
            self.microtask_queued();
        }
    }

    /// Runs finalizers on the JS thread, outside any borrow. They wait in the runtime's queue
    /// rather than a local list, so that one of them deleting a reference can still cancel the
    /// finalizer that reference owns when it is due later in the same batch.
    pub fn run_finalizers(&self, due: Vec<Finalization>) {
        self.queue_finalizers(due);
        while self.run_next_finalizer() {}
    }

    /// Adds `due` to the finalizers waiting to run.
    pub fn queue_finalizers(&self, due: Vec<Finalization>) {
        self.pending_finalizers.borrow_mut().extend(due);
    }

    /// Runs the next waiting finalizer; false when none is left.
    pub fn run_next_finalizer(&self) -> bool {
        let next = self.pending_finalizers.borrow_mut().pop_front();
        let Some(f) = next else { return false };
        self.native.finalize(self, f.env, f.cb, f.data, f.hint);
        true
    }

    /// Takes back the finalizer registered as `seq` (the one a deleted reference owned) from
    /// `target`, or from the queue when `target` died and it is due: it will not run.
    pub fn cancel_finalizer(&self, target: &Value, seq: u64) {
        if let Value::Object(id) = target {
            if let Some(o) = self.heap.borrow_mut().get_mut(*id) {
                if let Some(w) = o.wrap.as_mut().filter(|w| w.seq == seq) {
                    w.finalize = None;
                }
                o.finalizers.retain(|f| f.seq != seq);
            }
        }
        self.pending_finalizers.borrow_mut().retain(|f| f.seq != seq);
    }

    /// Runs what `node_api_post_finalizer` queued, including what those finalizers queue, and
    /// then the finalizers of detached external buffers: node runs its immediates before its
    /// thread-safe ones, which the freeing of a detached buffer's memory sets.
    pub fn run_post_finalizers(&self) {
        loop {
            let queued = std::mem::take(&mut *self.post_finalizers.borrow_mut());
            if queued.is_empty() {
                break;
            }
            let (posted, detached): (Vec<_>, Vec<_>) = queued.into_iter().partition(|f| !f.memory);
            for f in posted.into_iter().chain(detached) {
                self.native.finalize(self, f.env, f.cb, f.data, f.hint);
            }
        }
    }

    /// Takes every finalizer the env's objects still hold (or, `memory_only`, those that free
    /// external buffers' memory), newest registration first: what Node runs when the
    /// environment is torn down.
    pub fn take_env_finalizers(&self, env: super::EnvId, memory_only: bool) -> Vec<Finalization> {
        let mut heap = self.heap.borrow_mut();
        let mut due = Vec::new();
        let live: Vec<ObjectId> = heap.live_ids().collect();
        for id in live {
            let o = heap.obj_mut(id);
            if !memory_only && o.wrap.as_ref().is_some_and(|w| w.env == env && w.finalize.is_some()) {
                let w = o.wrap.as_mut().expect("checked");
                let Finalizer { cb, hint } = w.finalize.take().expect("checked");
                due.push(Finalization::new(env, cb, w.data, hint, w.seq));
            }
            let (mine, others): (Vec<Finalization>, Vec<Finalization>) =
                o.finalizers.drain(..).partition(|f| f.env == env && (f.memory || !memory_only));
            o.finalizers = others;
            due.extend(mine);
        }
        due.sort_by_key(|f| std::cmp::Reverse(f.seq));
        due
    }

    /// A new registration number for ordering finalizers.
    pub fn next_seq(&self) -> u64 {
        let s = self.finalizer_seq.get() + 1;
        self.finalizer_seq.set(s);
        s
    }

    /// Whether enough has been allocated since the last collection to collect again at the next
    /// safe point: twice the surviving objects (at least [`FEWEST_BETWEEN_COLLECTIONS`]), or
    /// shared memory grown by half what survived (at least 32 MiB). Memory is paced more tightly
    /// than objects: a few dead buffers can pin much of it, and blocks come back to be reused
    /// only once collected, while fresh memory costs page faults.
    ///
    /// Every call's safe point asks, so the thresholds are worked out as each collection ends
    /// and the look is two counts read and compared.
    pub fn wants_collection(&self) -> bool {
        // SAFETY: the heap is only read, for one count, with no call in between that could
        // borrow it to change it; `try_borrow_unguarded` refuses if it is being changed now.
        let heap = unsafe { self.heap.try_borrow_unguarded() }.expect("the heap is not being changed at a safe point");
        heap.live_count() > self.collect_past_objects.get() || self.shm.live_bytes() > self.collect_past_shm_bytes.get()
    }
}

/// The live objects past which a collection is due once `survivors` survived the last one.
pub(crate) fn objects_due_past(survivors: usize) -> usize {
    (2 * survivors).max(FEWEST_BETWEEN_COLLECTIONS)
}

/// The shared-memory bytes in use past which a collection is due once `survived` were in use
/// after the last one.
pub(crate) fn shm_bytes_due_past(survived: u64) -> u64 {
    survived + (survived / 2).max(32 << 20)
}

/// The objects a marking left unmarked, and a look-up of them by slot: the generation each dead
/// object had in its slot (0, which no object has, where none died), so that an id of the
/// slot's earlier objects is not taken for the dead one.
struct Dead {
    ids: Vec<ObjectId>,
    generation: Vec<u32>,
}

impl Dead {
    fn unmarked(heap: &Heap, marking: &Marker<'_>) -> Dead {
        let mut generation = vec![0; heap.capacity()];
        // Sized once: grown as found, the list of a collection's hundreds of dead was copied
        // by each `realloc` on the way.
        let mut ids = Vec::with_capacity(heap.live_count() - marking.count);
        ids.extend(heap.live_ids().filter(|id| !marking.marked[Heap::index_of(*id)]));
        ids.iter().for_each(|id| generation[Heap::index_of(*id)] = id.generation());
        Dead { ids, generation }
    }

    fn contains(&self, id: ObjectId) -> bool {
        self.generation.get(Heap::index_of(id)).is_some_and(|g| *g == id.generation())
    }
}

/// The fewest live objects that make a collection due. Few, so that what a collection frees of
/// short-lived objects stays in the allocator's free lists for the next ones: at 100,000 each
/// collection freed so much that it was given back to the system (the host trims after 10,000
/// objects freed, `napi_host`'s serve.rs; this stays below that) and faulted in again page by
/// page, 0.35 page faults per call of `makeObject16` against 0.06, a tenth of its time. And
/// until the first collection every object is made in memory never touched before: at 8,000,
/// a new host's first 8,000 `makeObject16` calls took 0.3 page faults each (2.3-2.4 µs against
/// 1.7 after), most of `bench_modes.py`'s rounds; at 2,000 only its first 2,000 calls do. The
/// realm's objects are marked four times as often, about 70 instructions a call more.
pub const FEWEST_BETWEEN_COLLECTIONS: usize = 2_000;

#[cfg(test)]
mod tests {
    use std::rc::Rc;

    use super::FEWEST_BETWEEN_COLLECTIONS;
    use crate::object::{ArrayBufferData, Backing, ObjectClass};
    use crate::object_id::ObjectId;
    use crate::{NoNative, Runtime, Value};

    #[test]
    fn a_collection_is_due_once_the_live_objects_pass_twice_the_survivors_or_the_fewest() {
        let rt = Runtime::new(Box::new(NoNative));
        rt.collect(&[], || {});
        let due_past = (2 * rt.heap().live_count()).max(FEWEST_BETWEEN_COLLECTIONS);
        while rt.heap().live_count() < due_past {
            rt.new_plain_object();
        }
        assert!(!rt.wants_collection(), "{due_past} live objects are not too many yet");
        rt.new_plain_object();
        assert!(rt.wants_collection());
        rt.collect(&[], || {});
        assert!(!rt.wants_collection(), "the unreachable objects went, and the count starts again");
    }

    #[test]
    fn a_collection_is_due_once_shared_memory_grows_past_half_again_what_survived_or_32_mib() {
        let rt = Runtime::new(Box::new(NoNative));
        rt.collect(&[], || {});
        let survived = rt.shm().live_bytes();
        let due_past = survived + (survived / 2).max(32 << 20);
        let objects = rt.heap().live_count();
        let _up_to = rt.new_backing((due_past - survived) as usize, None).unwrap();
        assert!(rt.shm().live_bytes() <= due_past);
        assert!(!rt.wants_collection(), "{due_past} bytes in use are not too many yet");
        let _past = rt.new_backing(1, None).unwrap();
        assert!(rt.wants_collection(), "shared memory alone makes a collection due");
        assert_eq!(rt.heap().live_count(), objects, "no object was made");
    }

    /// An object made reachable from the realm.
    fn on_global(rt: &Runtime, name: &str) -> ObjectId {
        let id = rt.new_plain_object();
        rt.set_named(&Value::Object(rt.realm().global), name, Value::Object(id)).unwrap();
        id
    }

    #[test]
    fn what_the_realm_reaches_is_kept_through_a_change_made_after_its_marking_was_settled() {
        let rt = Runtime::new(Box::new(NoNative));
        let outer = on_global(&rt, "outer");
        rt.collect(&[], || {});
        // `outer` is in the realm's kept marking now; what it is given next must be found.
        let inner = rt.new_plain_object();
        rt.set_named(&Value::Object(outer), "inner", Value::Object(inner)).unwrap();
        rt.collect(&[], || {});
        assert!(rt.heap().get(inner).is_some(), "given to a settled object, it stays");
        rt.collect(&[], || {});
        assert!(rt.heap().get(inner).is_some(), "and stays once settled itself");
        rt.set_named(&Value::Object(outer), "inner", Value::Undefined).unwrap();
        rt.collect(&[], || {});
        assert!(rt.heap().get(inner).is_none(), "let go of, it goes");
    }

    #[test]
    fn a_weak_reference_the_realm_reaches_still_lets_its_target_go_after_a_settled_marking() {
        let rt = Runtime::new(Box::new(NoNative));
        let target = on_global(&rt, "target");
        let weak = rt.heap_mut().new_object(ObjectClass::WeakRef(Some(target)), None);
        rt.set_named(&Value::Object(rt.realm().global), "weak", Value::Object(weak)).unwrap();
        rt.collect(&[], || {});
        rt.collect(&[], || {});
        rt.set_named(&Value::Object(rt.realm().global), "target", Value::Undefined).unwrap();
        rt.collect(&[], || {});
        assert!(rt.heap().get(target).is_none());
        assert!(matches!(rt.heap().obj(weak).class, ObjectClass::WeakRef(None)), "the reference emptied");
    }

    #[test]
    fn a_settled_marking_frees_what_nothing_reaches_and_nothing_the_realm_does() {
        let rt = Runtime::new(Box::new(NoNative));
        rt.collect(&[], || {});
        let live = rt.heap().live_count();
        let dead = rt.new_plain_object();
        let freed = rt.collect(&[], || {}).freed;
        assert_eq!(freed, vec![dead]);
        assert_eq!(rt.heap().live_count(), live);
    }

    #[test]
    fn a_collected_buffers_block_goes_back_and_its_rc_houses_the_next() {
        let rt = Runtime::new(Box::new(NoNative));
        let block_of = |id| match &rt.heap().obj(id).class {
            ObjectClass::ArrayBuffer(ArrayBufferData { backing: Backing::Shared(b), .. }) => Rc::as_ptr(b),
            _ => panic!("not over shared memory"),
        };
        let dead = rt.new_arraybuffer(rt.new_backing(5, Some(b"hello")).unwrap());
        let shell = block_of(dead);
        rt.collect(&[], || {});
        assert_eq!(rt.shm().live_bytes(), 0, "the block went back");
        let next = rt.new_arraybuffer(rt.new_backing(5, None).unwrap());
        assert_eq!(block_of(next), shell);
    }

    #[test]
    fn a_new_runtime_collects_before_its_short_lived_objects_reach_2000() {
        // Until the first collection every object takes memory never touched (page faults).
        let rt = Runtime::new(Box::new(NoNative));
        let mut made = 0;
        while !rt.wants_collection() {
            rt.new_plain_object();
            made += 1;
        }
        assert!(made <= 2_000, "{made} objects made before a collection was due");
    }
}
