// Compiled into every layer library so that a layer folder without sources
// still forms a valid static library. Intentionally empty.
