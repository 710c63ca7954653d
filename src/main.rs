//! Entry point of the widget's wasm bundle: runs when the loader (`aisle.js`)
//! initializes the module, and hands over to [`aisle_widget::boot`].

fn main() {
    aisle_widget::boot();
}
