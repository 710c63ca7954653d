//! Entry point of the console's wasm bundle (Trunk runs it from `index.html`):
//! hands over to [`aisle_console::boot`].

fn main() {
    aisle_console::boot();
}
