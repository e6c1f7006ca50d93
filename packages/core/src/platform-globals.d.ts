// Globals that every runtime core runs in (Node 20 and browsers) provides but that the ES library
// does not declare. Keep this list short: anything here must exist in both environments.

/** Deep copy of a structured-cloneable value (HTML standard; global in Node since 17). */
declare function structuredClone<T>(value: T): T;
