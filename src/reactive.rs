//! The widget's state cells and the few update functions that follow them:
//! a hand-written replacement for Leptos' signals and effects, small enough
//! for the widget's byte budget (issue #16: Leptos' reactive graph and view
//! layer were about 16 KB of the bundle's brotli bytes).
//!
//! A [`Var`] holds one piece of state. An update function registered with
//! [`effect`] (or [`effect_now`]) reads the vars it depends on with
//! [`Var::get`] / [`Var::with`]; changing one of them ([`Var::set`],
//! [`Var::update`]) runs it again, once, in a microtask after the change (so
//! several changes in one handler draw once). Dependencies are those of the
//! latest run, as with Leptos: a var read only on some runs triggers only
//! after a run that read it. Reads with `*_untracked` never subscribe.
//!
//! Everything lives as long as the page (the widget is made once per page),
//! so vars and effects are leaked rather than owned.

use std::cell::{Cell, RefCell};

/// One registered update function and its run count: a subscription made
/// during an earlier run no longer counts.
struct Effect {
    run: Box<dyn Fn()>,
    generation: Cell<u32>,
}

thread_local! {
    /// Every effect, by id (never removed).
    static EFFECTS: RefCell<Vec<&'static Effect>> = const { RefCell::new(Vec::new()) };
    /// The effect running now, whose reads subscribe it.
    static CURRENT: Cell<Option<usize>> = const { Cell::new(None) };
    /// Effects to run in the pending microtask, in order of change.
    static DIRTY: RefCell<Vec<usize>> = const { RefCell::new(Vec::new()) };
    /// A microtask to run the dirty effects is queued.
    static SCHEDULED: Cell<bool> = const { Cell::new(false) };
}

/// A piece of the widget's state (`Copy`: handed to every callback).
pub struct Var<T: 'static> {
    inner: &'static Inner<T>,
}

struct Inner<T> {
    readers: Readers,
    value: RefCell<T>,
}

/// A var's readers: `(effect id, its generation when it read the var)`.
/// Handled by functions that are not generic ([`track`], [`notify`]), so
/// each type of var does not carry its own copy of them (−0.5 KB brotli).
type Readers = RefCell<Vec<(usize, u32)>>;

/// Subscribes the running effect, if any, to a var's `readers`.
#[inline(never)]
fn track(readers: &Readers) {
    if let Some(id) = CURRENT.get() {
        let generation = EFFECTS.with(|e| e.borrow()[id].generation.get());
        let mut readers = readers.borrow_mut();
        if !readers.contains(&(id, generation)) {
            readers.push((id, generation));
        }
    }
}

/// Schedules a changed var's `readers` that still depend on it.
#[inline(never)]
fn notify(readers: &Readers) {
    let readers = std::mem::take(&mut *readers.borrow_mut());
    for (id, generation) in readers {
        EFFECTS.with(|e| {
            if e.borrow()[id].generation.get() == generation {
                schedule(id);
            }
        });
    }
}

impl<T> Clone for Var<T> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<T> Copy for Var<T> {}

impl<T: 'static> Var<T> {
    /// A new var holding `value`.
    pub fn new(value: T) -> Self {
        Var {
            inner: Box::leak(Box::new(Inner {
                readers: RefCell::new(Vec::new()),
                value: RefCell::new(value),
            })),
        }
    }

    /// Runs `f` on the value, subscribing the running effect.
    pub fn with<R>(&self, f: impl FnOnce(&T) -> R) -> R {
        track(&self.inner.readers);
        self.with_untracked(f)
    }

    /// Runs `f` on the value without subscribing.
    pub fn with_untracked<R>(&self, f: impl FnOnce(&T) -> R) -> R {
        f(&self.inner.value.borrow())
    }

    /// Changes the value in place and runs its readers again.
    pub fn update(&self, f: impl FnOnce(&mut T)) {
        f(&mut self.inner.value.borrow_mut());
        notify(&self.inner.readers);
    }

    /// Replaces the value and runs its readers again.
    pub fn set(&self, value: T) {
        self.update(|v| *v = value);
    }
}

impl<T: Clone + 'static> Var<T> {
    /// A copy of the value, subscribing the running effect.
    pub fn get(&self) -> T {
        self.with(T::clone)
    }

    /// A copy of the value without subscribing.
    pub fn get_untracked(&self) -> T {
        self.with_untracked(T::clone)
    }
}

/// Queues effect `id` for the next run of [`flush`].
fn schedule(id: usize) {
    DIRTY.with(|d| {
        let mut d = d.borrow_mut();
        if !d.contains(&id) {
            d.push(id);
        }
    });
    if !SCHEDULED.replace(true) {
        wasm_bindgen_futures::spawn_local(async { flush() });
    }
}

/// Runs the effects whose vars changed (and those their runs change).
fn flush() {
    SCHEDULED.set(false);
    while let Some(id) = DIRTY.with(|d| {
        let mut d = d.borrow_mut();
        (!d.is_empty()).then(|| d.remove(0))
    }) {
        run(id);
    }
}

/// Runs effect `id`, recording what it reads.
fn run(id: usize) {
    let effect = EFFECTS.with(|e| e.borrow()[id]);
    effect
        .generation
        .set(effect.generation.get().wrapping_add(1));
    let outer = CURRENT.replace(Some(id));
    (effect.run)();
    CURRENT.set(outer);
}

fn register(f: impl Fn() + 'static) -> usize {
    let effect: &'static Effect = Box::leak(Box::new(Effect {
        run: Box::new(f),
        generation: Cell::new(0),
    }));
    EFFECTS.with(|e| {
        let mut e = e.borrow_mut();
        e.push(effect);
        e.len() - 1
    })
}

/// Runs `f` in a microtask and again whenever a var it read changes (as
/// Leptos' `Effect::new`).
pub fn effect(f: impl Fn() + 'static) {
    schedule(register(f));
}

/// Runs `f` now and again whenever a var it read changes: for attributes
/// that must be right as soon as their element exists.
pub fn effect_now(f: impl Fn() + 'static) {
    run(register(f));
}

/// Runs `f` without subscribing the running effect to what it reads.
pub fn untrack<R>(f: impl FnOnce() -> R) -> R {
    let outer = CURRENT.replace(None);
    let result = f();
    CURRENT.set(outer);
    result
}

/// Runs `f` after the next animation frame's layout (focus, scrolling).
pub fn request_animation_frame(f: impl FnOnce() + 'static) {
    if let Some(window) = web_sys::window() {
        let callback = wasm_bindgen::closure::Closure::once_into_js(f);
        let _ = window.request_animation_frame(wasm_bindgen::JsCast::unchecked_ref(&callback));
    }
}
