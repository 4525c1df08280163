//! C ABI of the trajectory core (being written).
