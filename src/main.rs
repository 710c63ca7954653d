//! Entry point of the widget's wasm bundle: runs when the loader (`aisle.js`)
//! initializes the module, and hands over to [`aisle_widget::boot`] in a task
//! of its own, so instantiating the module and booting are two short tasks on
//! the host page's main thread rather than one long one.

use wasm_bindgen::JsCast;
use wasm_bindgen::closure::Closure;

fn main() {
    let boot = Closure::once_into_js(aisle_widget::boot);
    match web_sys::window() {
        Some(window) => {
            let _ = window.set_timeout_with_callback(boot.unchecked_ref());
        }
        None => aisle_widget::boot(),
    }
}
